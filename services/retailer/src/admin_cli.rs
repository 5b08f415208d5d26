//! `retailer create-admin`: the first admin of a retailer, from the command line of whoever
//! runs the service (the desk's admin pages create everyone after that).
//!
//! ```text
//! KUMMERER_ADMIN_PASSWORD=… retailer create-admin --email E --name N (--retailer ID | --new-retailer NAME)
//! ```
//!
//! The password comes from `KUMMERER_ADMIN_PASSWORD` (never from the arguments, which other
//! users of the machine can see) and follows the desk's rules; the database is `DATABASE_URL`,
//! migrated already (`retailer migrate`). Prints the retailer's and the admin's ids.
//!
//! `retailer create-key --retailer ID --name NAME [--approval-limit 500.00 --currency EUR]`
//! makes an integration key of the retailer for its own systems and prints its id and the
//! secret (`krt_…`), which is shown this once (see [`crate::db::integration_keys`]).

use anyhow::{Context as _, anyhow, bail};
use sea_orm::{Database, TransactionTrait};
use uuid::Uuid;

use crate::db::{self, desk, staff};
use crate::domain::{Role, TEXT_MAX};

/// `create-admin`'s options (the password is not one of them: see the module).
#[derive(Debug, Clone, clap::Args)]
#[command(
    after_help = "The password comes from KUMMERER_ADMIN_PASSWORD (never from the arguments, which \
                  other users of the machine can see); the database is DATABASE_URL, migrated \
                  already (`retailer migrate`). Prints the retailer's and the admin's ids."
)]
pub struct CreateAdmin {
    /// The admin's e-mail address (their sign-in name)
    #[arg(long, value_name = "EMAIL")]
    pub email: String,
    /// The admin's name as the desk shows it
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// The existing retailer the admin belongs to
    #[arg(long, value_name = "RETAILER_ID", conflicts_with = "new_retailer")]
    pub retailer: Option<Uuid>,
    /// A new retailer of this name, created for the admin
    #[arg(long, value_name = "RETAILER_NAME")]
    pub new_retailer: Option<String>,
}

struct Args {
    email: String,
    name: String,
    retailer: Result<Uuid, String>,
}

/// The options checked as the desk checks them.
fn parse(args: CreateAdmin) -> anyhow::Result<Args> {
    let email = kummerer_web::parse_email(&args.email)
        .ok_or_else(|| anyhow!("--email must be an e-mail address"))?;
    let name = Some(args.name.trim().to_owned())
        .filter(|n| !n.is_empty() && n.chars().count() <= TEXT_MAX)
        .ok_or_else(|| anyhow!("--name must be 1 to {TEXT_MAX} characters"))?;
    let retailer = match (args.retailer, args.new_retailer) {
        (Some(id), _) => Ok(id),
        (None, Some(name)) => Err(name),
        (None, None) => bail!("--retailer or --new-retailer is missing"),
    };
    if let Err(n) = &retailer
        && (n.trim().is_empty() || n.chars().count() > TEXT_MAX)
    {
        bail!("--new-retailer must be 1 to {TEXT_MAX} characters");
    }
    Ok(Args {
        email,
        name,
        retailer,
    })
}

/// `create-key`'s options.
#[derive(Debug, Clone, clap::Args)]
#[command(
    after_help = "The database is DATABASE_URL, migrated already (`retailer migrate`). Prints the \
                  key's id and its secret (krt_…), shown this once. Without --approval-limit every \
                  swap the key approves waits for a manager on the desk."
)]
pub struct CreateKey {
    /// The retailer the key belongs to
    #[arg(long, value_name = "RETAILER_ID")]
    pub retailer: Uuid,
    /// The key's name: the timeline shows what it did as "API key «NAME»"
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// Swaps worth at most this much (the replacement's price) the key approves alone
    #[arg(long, value_name = "AMOUNT")]
    pub approval_limit: Option<rust_decimal::Decimal>,
    /// The approval limit's currency (ISO 4217)
    #[arg(
        long,
        value_name = "CODE",
        default_value = "EUR",
        requires = "approval_limit"
    )]
    pub currency: String,
}

/// Runs `create-key`; the process's exit code follows.
pub fn run_create_key(args: CreateKey) -> std::process::ExitCode {
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|rt| rt.block_on(create_key(args)));
    match result {
        Ok((key_id, secret)) => {
            println!("key {key_id}\nsecret {secret}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("retailer create-key: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn create_key(args: CreateKey) -> anyhow::Result<(Uuid, String)> {
    let name = Some(args.name.trim().to_owned())
        .filter(|n| !n.is_empty() && n.chars().count() <= crate::app::keys::NAME_MAX)
        .ok_or_else(|| {
            anyhow!(
                "--name must be 1 to {} characters",
                crate::app::keys::NAME_MAX
            )
        })?;
    let limit = match args.approval_limit {
        None => None,
        Some(amount) => {
            let currency = kummerer_contracts::Currency::parse(args.currency.trim())
                .map_err(|e| anyhow!("--currency: {e}"))?;
            Some(
                kummerer_contracts::Money::new(amount, currency)
                    .map_err(|e| anyhow!("--approval-limit: {e}"))?,
            )
        }
    };
    let url = std::env::var("DATABASE_URL").context("DATABASE_URL is not set")?;
    let db = Database::connect(&url)
        .await
        .context("connecting to the database")?;
    let made = crate::app::keys::create(
        &db,
        kummerer_contracts::RetailerId(args.retailer),
        &name,
        limit.as_ref(),
    )
    .await
    .map_err(|e| match e {
        crate::app::keys::KeyError::RetailerNotFound => {
            anyhow!("there is no retailer {}", args.retailer)
        }
        e => anyhow!(e),
    })?;
    Ok((made.key.id, made.secret))
}

/// Runs the command; the process's exit code follows.
pub fn run(args: CreateAdmin) -> std::process::ExitCode {
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|rt| rt.block_on(create_admin(args)));
    match result {
        Ok((retailer_id, staff_id)) => {
            println!("retailer {retailer_id}\nadmin {staff_id}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("retailer create-admin: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn create_admin(args: CreateAdmin) -> anyhow::Result<(Uuid, Uuid)> {
    let args = parse(args)?;
    let password = std::env::var("KUMMERER_ADMIN_PASSWORD")
        .map_err(|_| anyhow!("set KUMMERER_ADMIN_PASSWORD to the admin's first password"))?;
    kummerer_web::check_password(&password).map_err(|e| anyhow!("the password {e}"))?;
    let url = std::env::var("DATABASE_URL").context("DATABASE_URL is not set")?;
    let db = Database::connect(&url)
        .await
        .context("connecting to the database")?;
    let password_hash = kummerer_web::hash_password(password)
        .await
        .map_err(|e| anyhow!("hashing the password: {e}"))?;
    let txn = db.begin().await?;
    let retailer_id = match args.retailer {
        Ok(id) => {
            db::find_retailer(&txn, id)
                .await?
                .ok_or_else(|| anyhow!("there is no retailer {id}"))?
                .id
        }
        Err(name) => {
            crate::app::catalogue::create_retailer(&txn, name.trim().to_owned())
                .await?
                .id
        }
    };
    let member = staff::Model::new_account(
        retailer_id,
        args.email,
        args.name,
        Role::Admin,
        password_hash,
        None,
    );
    if !desk::insert_staff(&txn, member.clone()).await? {
        bail!("{} already has an account", member.email);
    }
    txn.commit().await?;
    tracing::info!(retailer.id = %retailer_id, staff.id = %member.id, "first admin created");
    Ok((retailer_id, member.id))
}
