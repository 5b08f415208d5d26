//! Return shipments.
