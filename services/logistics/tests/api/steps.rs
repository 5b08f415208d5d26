//! The visit in steps.
