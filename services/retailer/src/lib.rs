//! The retailer service: staff open a warranty case on a sold unit and approve a swap on the
//! spot; the swap goes to logistics and the recourse claim to the manufacturer in the same
//! transaction (outbox), and what they report back lands on the case timeline.

pub mod admin_cli;
pub mod app;
pub mod consumers;
pub mod db;
pub mod domain;
pub mod http;
pub mod metrics;
pub mod outbound;
pub mod settings;

use std::sync::Arc;

use kummerer_contracts::topology::{
    RETAILER_CARRIERS, RETAILER_CASE_EVENTS, RETAILER_SETTLEMENT, Service,
};
use kummerer_messaging::ConsumerConfig;
use kummerer_service::{Context, Parts};

pub use retailer_migration::Migrator;
pub use settings::Settings;

pub const SERVICE: Service = Service::Retailer;
pub const DEFAULT_PORT: u16 = 8081;

/// The status link's settings installed, the channels set up (a channel without settings is
/// disabled, said here and on the case), and the worker that sends the customer's notifications.
fn notification_worker(
    ctx: &Context,
    notify: settings::NotifySettings,
) -> impl std::future::Future<Output = ()> + Send + 'static {
    use app::notify::{HttpSmsGateway, Mailer, Senders, worker};
    app::notify::install_links(app::notify::LinkConfig {
        public_base_url: notify
            .public_base_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", ctx.config.bind)),
        valid_after_close: chrono::Duration::days(notify.link_days),
    });
    let mut senders = Senders::default();
    match &notify.smtp {
        None => tracing::warn!("e-mail to customers disabled: KUMMERER_SMTP_HOST is not set"),
        Some(smtp) => match Mailer::new(smtp) {
            Ok(mailer) => senders.mail = Some(mailer),
            Err(e) => {
                tracing::error!(error = %e, "e-mail to customers disabled: bad SMTP settings")
            }
        },
    }
    match &notify.sms_gateway {
        None => tracing::warn!("SMS to customers disabled: KUMMERER_SMS_GATEWAY_URL is not set"),
        Some((url, token)) => match HttpSmsGateway::new(url, token.clone()) {
            Ok(gateway) => senders.sms = Some(std::sync::Arc::new(gateway)),
            Err(e) => tracing::error!(error = %format!("{e:#}"), "SMS to customers disabled"),
        },
    }
    app::notify::install_channels(senders.mail.is_some(), senders.sms.is_some());
    let mut config = worker::WorkerConfig::new(senders);
    config.max_attempts = notify.max_attempts;
    config.backoff = chrono::Duration::seconds(notify.backoff_s);
    worker::run(ctx.db.clone(), config, ctx.cancel.clone())
}

/// Wires the service with the settings from the environment (see [`build_with`]). A bad setting
/// stops the start: the error names the variable, and the process exits with status 2.
pub fn build(ctx: &Context) -> Parts {
    match Settings::from_env() {
        Ok(settings) => build_with(ctx, settings),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "bad retailer settings: not starting");
            eprintln!("retailer: bad settings: {e:#}");
            std::process::exit(2)
        }
    }
}

/// Wires the service: the desk API, the staff desk pages, the consumer of case events and the
/// consumer of the settlement queue (agreements, credit notes).
pub fn build_with(ctx: &Context, settings: Settings) -> Parts {
    crate::metrics::describe();
    let case_events = kummerer_messaging::consumer::run(
        ctx.db.clone(),
        ctx.broker.clone(),
        &RETAILER_CASE_EVENTS,
        Arc::new(consumers::case_events::CaseEventsConsumer),
        ConsumerConfig::by_case(),
        ctx.cancel.clone(),
    );
    let settlement = kummerer_messaging::consumer::run(
        ctx.db.clone(),
        ctx.broker.clone(),
        &RETAILER_SETTLEMENT,
        Arc::new(consumers::settlement::SettlementConsumer),
        ConsumerConfig::default(),
        ctx.cancel.clone(),
    );
    let carriers = kummerer_messaging::consumer::run(
        ctx.db.clone(),
        ctx.broker.clone(),
        &RETAILER_CARRIERS,
        Arc::new(consumers::carriers::CarriersConsumer),
        ConsumerConfig::default(),
        ctx.cancel.clone(),
    );
    let Settings {
        ledger,
        sales,
        desk,
        requests,
        ball,
        notify,
        retention_sweep,
        sales_reports,
    } = settings;
    domain::ball::install_policy(ball);
    let notifier = notification_worker(ctx, notify);
    let operator = actix_web::web::Data::new(kummerer_web::operator::OperatorToken(
        ctx.config.operator_token.clone(),
    ));
    Parts {
        routes: Arc::new(move |cfg| {
            cfg.app_data(actix_web::web::Data::new(ledger));
            cfg.app_data(actix_web::web::Data::new(sales));
            cfg.app_data(actix_web::web::Data::new(requests));
            cfg.app_data(operator.clone());
            http::routes(cfg, desk.clone());
        }),
        workers: vec![
            Box::pin(case_events),
            Box::pin(settlement),
            Box::pin(carriers),
            Box::pin(http::pages::sweep_sessions(
                ctx.db.clone(),
                ctx.cancel.clone(),
            )),
            Box::pin(app::request_deadlines::worker(
                ctx.db.clone(),
                requests.sweep_every,
                ctx.cancel.clone(),
            )),
            Box::pin(app::ball::run(ctx.db.clone(), ctx.cancel.clone())),
            Box::pin(notifier),
            Box::pin(app::erasure::worker(
                ctx.db.clone(),
                retention_sweep,
                ctx.cancel.clone(),
            )),
            Box::pin(app::sales_reports::worker(
                ctx.db.clone(),
                sales_reports,
                ctx.cancel.clone(),
            )),
            Box::pin(app::partners::announce_at_start(
                ctx.db.clone(),
                ctx.cancel.clone(),
            )),
        ],
    }
}

/// The service (`serve`, `migrate`, `dlq …`), and `create-admin` for a retailer's first admin
/// (see [`admin_cli`]).
/// The retailer's command line: the shared commands (`serve`, `migrate`, `dlq …`),
/// `create-admin` and `create-key`.
#[derive(Debug, clap::Parser)]
#[command(version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    #[command(flatten)]
    Service(kummerer_service::cli::Command),
    /// Create the first admin of a retailer (the password from KUMMERER_ADMIN_PASSWORD)
    CreateAdmin(admin_cli::CreateAdmin),
    /// Make an integration key of a retailer (prints the secret, shown this once)
    CreateKey(admin_cli::CreateKey),
}

pub fn main() -> std::process::ExitCode {
    let cli = match kummerer_service::cli::parse::<Cli>(SERVICE) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let command = match cli.command {
        Some(Command::CreateAdmin(args)) => return admin_cli::run(args),
        Some(Command::CreateKey(args)) => return admin_cli::run_create_key(args),
        Some(Command::Service(command)) => command,
        None => kummerer_service::cli::Command::Serve,
    };
    kummerer_service::run::<Migrator>(SERVICE, DEFAULT_PORT, build, command)
}
