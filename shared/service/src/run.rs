//! The process lifecycle every service shares:
//! `<service>` (or `<service> serve`) runs it, `migrate` applies migrations and exits, `dlq list`
//! and `dlq replay` work on its dead-letter queues (the command line: [`crate::cli`]). Serving
//! migrates first, starts the outbox relay, the service's workers (consumers) and the HTTP
//! server, and on SIGTERM/SIGINT stops taking requests and messages, finishes what is in
//! flight, and exits 0.

use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;

use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};
use sea_orm::DatabaseConnection;
use sea_orm_migration::MigratorTrait;
use tokio_util::sync::CancellationToken;

use kummerer_contracts::topology::Service;
use kummerer_messaging::outbox::{Relay, RelayConfig};
use kummerer_messaging::{BrokerConfig, BrokerStatus};

use crate::cli::{self, Command, Dlq};
use crate::config::Config;
use crate::{db, http, problem, telemetry};

/// How long `serve` waits for the database pool to close on the way out.
const DB_CLOSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// What a service's builder gets to wire itself up.
#[derive(Clone)]
pub struct Context {
    pub config: Config,
    pub db: DatabaseConnection,
    pub broker: BrokerConfig,
    pub broker_status: BrokerStatus,
    /// Fires on shutdown: workers finish their batch and return.
    pub cancel: CancellationToken,
}

pub type Worker = Pin<Box<dyn Future<Output = ()> + Send>>;
pub type Routes = Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync>;

/// A service's own pieces: its routes and its background workers.
pub struct Parts {
    pub routes: Routes,
    pub workers: Vec<Worker>,
}

/// The whole `main` of a service binary with only the shared commands: parses the command line
/// (see [`crate::cli`]) and runs the command.
pub fn main<M: MigratorTrait>(
    service: Service,
    default_port: u16,
    build: fn(&Context) -> Parts,
) -> ExitCode {
    match cli::parse::<cli::Cli>(service) {
        Ok(cli) => run::<M>(
            service,
            default_port,
            build,
            cli.command.unwrap_or(Command::Serve),
        ),
        Err(code) => code,
    }
}

/// Runs one of the shared commands: reads the configuration (a bad variable is exit code 2,
/// named), starts the runtime and telemetry, and serves, migrates or works on the DLQs.
pub fn run<M: MigratorTrait>(
    service: Service,
    default_port: u16,
    build: fn(&Context) -> Parts,
    command: Command,
) -> ExitCode {
    let config = match Config::from_env(service, default_port) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{service}: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{service}: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let _telemetry = telemetry::init(&config);
        match command {
            Command::Serve => serve::<M>(config, build, shutdown_signal()).await,
            Command::Migrate => migrate::<M>(&config).await,
            Command::Dlq(Dlq::List { limit }) => dlq_list(&config, limit).await,
            Command::Dlq(Dlq::Replay { limit }) => dlq_replay(&config, limit).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "{service} stopped with an error");
            eprintln!("{service}: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn migrate<M: MigratorTrait>(config: &Config) -> anyhow::Result<()> {
    let cancel = shutdown_signal();
    let Some(db) = db::connect_with_retry(&config.database_url, &cancel).await else {
        return Ok(());
    };
    db::migrate::<M>(&db).await?;
    tracing::info!("migrations applied");
    Ok(())
}

async fn dlq_list(config: &Config, limit: usize) -> anyhow::Result<()> {
    let letters = kummerer_messaging::dlq::list(&config.broker(), limit).await?;
    if letters.is_empty() {
        println!("no dead-lettered messages");
    }
    for l in letters {
        println!(
            "{}\t{}\t{}\t{}\n\t{}",
            l.queue,
            l.message_id.unwrap_or_default(),
            l.routing_key.unwrap_or_default(),
            l.error.unwrap_or_default(),
            l.body.chars().take(400).collect::<String>()
        );
    }
    Ok(())
}

async fn dlq_replay(config: &Config, limit: usize) -> anyhow::Result<()> {
    let moved = kummerer_messaging::dlq::replay(&config.broker(), limit).await?;
    println!("replayed {moved} message(s)");
    Ok(())
}

/// A token cancelled by SIGTERM or SIGINT.
fn shutdown_signal() -> CancellationToken {
    let cancel = CancellationToken::new();
    let token = cancel.clone();
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            match (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
            ) {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutdown requested");
        token.cancel();
    });
    cancel
}

/// Serves until `cancel` fires (the binary cancels on SIGTERM/SIGINT; tests cancel themselves).
pub async fn serve<M: MigratorTrait>(
    config: Config,
    build: fn(&Context) -> Parts,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let Some(db) = db::connect_with_retry(&config.database_url, &cancel).await else {
        return Ok(());
    };
    db::migrate::<M>(&db).await?;
    telemetry::prometheus();
    crate::metrics::describe(config.service);
    let broker = config.broker();
    // The relay and every consumer report into the status their `BrokerConfig` carries.
    let broker_status: BrokerStatus = broker.status.clone();
    let ctx = Context {
        config: config.clone(),
        db: db.clone(),
        broker: broker.clone(),
        broker_status: broker_status.clone(),
        cancel: cancel.clone(),
    };
    let parts = build(&ctx);

    // Listen first: a port already taken ends the start here, before any background work runs.
    let routes = parts.routes;
    let db_data = web::Data::new(db.clone());
    let status_data = web::Data::new(broker_status.clone());
    let server = HttpServer::new(move || {
        let routes = routes.clone();
        App::new()
            .app_data(db_data.clone())
            .app_data(status_data.clone())
            .configure(problem::configure_extractors)
            .configure(http::operational_routes)
            .configure(move |cfg| routes(cfg))
            .default_service(web::to(problem::not_found))
            .wrap(ErrorHandlers::new().default_handler(problem::ensure_problem))
            .wrap(from_fn(http::observe))
    })
    .disable_signals()
    .shutdown_timeout(config.shutdown_timeout.as_secs())
    .bind(config.bind)
    .map_err(|e| anyhow::anyhow!("cannot listen on {} (KUMMERER_BIND): {e}", config.bind))?
    .run();
    let mut background = Vec::new();
    let relay = Relay::new(
        db.clone(),
        broker,
        RelayConfig::default(),
        broker_status.clone(),
    );
    background.push(tokio::spawn(relay.run(cancel.clone())));
    for worker in parts.workers {
        background.push(tokio::spawn(worker));
    }

    let handle = server.handle();
    let server = tokio::spawn(server);
    tracing::info!(service = %config.service, address = %config.bind, "listening");

    cancel.cancelled().await;
    tracing::info!("stopping: no new requests or messages; finishing what is in flight");
    handle.stop(true).await;
    let _ = server.await;
    let drain = futures_util::future::join_all(background);
    if tokio::time::timeout(config.shutdown_timeout, drain)
        .await
        .is_err()
    {
        tracing::warn!("background work did not finish in time");
    }
    // Closing waits for every pooled connection to be given back and closed: with the database
    // away (or a connection stuck in a half-open socket) that could take forever.
    if tokio::time::timeout(DB_CLOSE_TIMEOUT, db.close())
        .await
        .is_err()
    {
        tracing::warn!(
            timeout_s = DB_CLOSE_TIMEOUT.as_secs(),
            "the database pool did not close in time; leaving it to the process exit"
        );
    }
    tracing::info!("stopped");
    Ok(())
}

/// A start-up job as a worker (e.g. announcing the tenants made before their announcement
/// existed): runs `job` until it succeeds — again every 10 s while it fails, so a database
/// that is down at start only delays it — logs how many it handled under `what`, then waits
/// for the shutdown like every other worker.
pub async fn once_at_start<F, Fut>(what: &'static str, cancel: CancellationToken, mut job: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<usize, sea_orm::DbErr>>,
{
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            done = job() => match done {
                Ok(n) => {
                    if n > 0 {
                        tracing::info!(count = n, "{what}");
                    }
                    break;
                }
                Err(e) => tracing::warn!(error = %e, "{what}: failed, retrying in 10 s"),
            },
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(std::time::Duration::from_secs(10)) => {}
        }
    }
    cancel.cancelled().await;
}
