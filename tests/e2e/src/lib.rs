//! End-to-end tests live in `tests/`; this package also builds the three service binaries
//! (`src/bin/`) so the tests can run them as real processes.
