//! The retailer service, built inside this package so that its end-to-end tests can start it as a
//! real process (`CARGO_BIN_EXE_e2e-retailer`).
fn main() -> std::process::ExitCode {
    retailer::main()
}
