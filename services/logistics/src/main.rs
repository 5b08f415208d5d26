fn main() -> std::process::ExitCode {
    logistics::main()
}
