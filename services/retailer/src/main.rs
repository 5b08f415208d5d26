fn main() -> std::process::ExitCode {
    retailer::main()
}
