fn main() -> std::process::ExitCode {
    manufacturer::main()
}
