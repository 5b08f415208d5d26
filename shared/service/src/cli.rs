//! The command line every service binary shares (clap): `serve` (the default when no command
//! is given), `migrate`, `dlq list [LIMIT]`, `dlq replay [LIMIT]`, `--help` and `--version`. A
//! service with commands of its own (the retailer's `create-admin`) flattens [`Command`] into
//! its own subcommand enum and parses with [`parse`]; the others call [`crate::main`].

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kummerer_contracts::topology::Service;

/// The commands every service has.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Migrate the database, then serve the HTTP API, the consumers and the workers until
    /// SIGTERM or SIGINT (the default when no command is given)
    Serve,
    /// Apply the database migrations and exit
    Migrate,
    /// Look at or replay the service's dead-lettered messages
    #[command(subcommand)]
    Dlq(Dlq),
}

/// `dlq …`: the service's dead-letter queues.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Dlq {
    /// Print dead-lettered messages: queue, message id, routing key, error and the body's start
    List {
        /// How many messages at most
        #[arg(default_value_t = 100)]
        limit: usize,
    },
    /// Move dead-lettered messages back to the queues they came from
    Replay {
        /// How many messages at most
        #[arg(default_value_t = 100)]
        limit: usize,
    },
}

/// The command line of a service with only the shared commands.
#[derive(Debug, Parser)]
#[command(version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What `--help` says the binary is.
pub fn about(service: Service) -> &'static str {
    match service {
        Service::Retailer => {
            "Kümmerer's retailer service: cases, swap approvals, the staff desk and the customer's status page"
        }
        Service::Manufacturer => {
            "Kümmerer's manufacturer service: agreements, warranty claims, returns, credit notes and webhooks"
        }
        Service::Logistics => {
            "Kümmerer's logistics service: visits, crews, dispatch and return shipments"
        }
    }
}

/// Parses the process's arguments into `C`, named after `service`. `--help` and `--version`
/// print and give exit code 0; a usage error prints clap's message and a pointer to `--help`
/// and gives exit code 2.
pub fn parse<C: Parser>(service: Service) -> Result<C, ExitCode> {
    parse_from(service, std::env::args_os())
}

/// [`parse`] of the given arguments (the first is the binary's path).
pub fn parse_from<C: Parser, I, T>(service: Service, args: I) -> Result<C, ExitCode>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let command = C::command().name(service.name()).about(about(service));
    let parsed = command
        .try_get_matches_from(args)
        .and_then(|m| C::from_arg_matches(&m));
    parsed.map_err(|e| {
        let _ = e.print();
        if e.use_stderr() {
            eprintln!(
                "(see `{} --help` for the usage of every command)",
                service.name()
            );
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Cli, ExitCode> {
        parse_from(
            Service::Manufacturer,
            std::iter::once("manufacturer").chain(args.iter().copied()),
        )
    }

    #[test]
    fn the_shared_commands_parse() {
        assert_eq!(parse(&[]).unwrap().command, None);
        assert_eq!(parse(&["serve"]).unwrap().command, Some(Command::Serve));
        assert_eq!(parse(&["migrate"]).unwrap().command, Some(Command::Migrate));
        assert_eq!(
            parse(&["dlq", "list"]).unwrap().command,
            Some(Command::Dlq(Dlq::List { limit: 100 }))
        );
        assert_eq!(
            parse(&["dlq", "replay", "7"]).unwrap().command,
            Some(Command::Dlq(Dlq::Replay { limit: 7 }))
        );
        assert!(parse(&["dlq", "list", "many"]).is_err());
        assert!(parse(&["frobnicate"]).is_err());
    }

    #[test]
    fn help_lists_every_command() {
        let help = Cli::command()
            .name("manufacturer")
            .render_long_help()
            .to_string();
        for command in ["serve", "migrate", "dlq", "--version"] {
            assert!(help.contains(command), "{command} missing from:\n{help}");
        }
        Cli::command().debug_assert();
    }
}
