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

use anyhow::{Context as _, anyhow, bail};
use chrono::Utc;
use sea_orm::{Database, TransactionTrait};
use uuid::Uuid;

use crate::db::{self, desk, retailers, staff};
use crate::domain::{Role, TEXT_MAX};

pub const USAGE: &str = "KUMMERER_ADMIN_PASSWORD=… retailer create-admin --email EMAIL --name NAME \
                         (--retailer RETAILER_ID | --new-retailer RETAILER_NAME)";

struct Args {
    email: String,
    name: String,
    retailer: Result<Uuid, String>,
}

fn parse(args: &[String]) -> anyhow::Result<Args> {
    let mut email = None;
    let mut name = None;
    let mut retailer = None;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .ok_or_else(|| anyhow!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--email" => email = Some(value.clone()),
            "--name" => name = Some(value.clone()),
            "--retailer" => {
                retailer = Some(Ok(Uuid::parse_str(value).map_err(|_| {
                    anyhow!("--retailer must be the retailer's id (a UUID)")
                })?))
            }
            "--new-retailer" => retailer = Some(Err(value.clone())),
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    let email =
        kummerer_web::parse_email(&email.ok_or_else(|| anyhow!("--email is missing\n{USAGE}"))?)
            .ok_or_else(|| anyhow!("--email must be an e-mail address"))?;
    let name = name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty() && n.chars().count() <= TEXT_MAX)
        .ok_or_else(|| anyhow!("--name must be 1 to {TEXT_MAX} characters\n{USAGE}"))?;
    let retailer =
        retailer.ok_or_else(|| anyhow!("--retailer or --new-retailer is missing\n{USAGE}"))?;
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

/// Runs the command; the process's exit code follows.
pub fn run(args: &[String]) -> std::process::ExitCode {
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

async fn create_admin(args: &[String]) -> anyhow::Result<(Uuid, Uuid)> {
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
            let retailer = retailers::Model {
                id: Uuid::now_v7(),
                name: name.trim().to_owned(),
                created_at: Utc::now(),
            };
            db::insert_retailer(&txn, retailer.clone()).await?;
            retailer.id
        }
    };
    let member = staff::Model {
        id: Uuid::now_v7(),
        retailer_id,
        email: args.email,
        name: args.name,
        role: Role::Admin.as_str().to_owned(),
        password_hash,
        failed_attempts: 0,
        locked_until: None,
        created_at: Utc::now(),
        store_id: None,
        disabled_at: None,
    };
    if !desk::insert_staff(&txn, member.clone()).await? {
        bail!("{} already has an account", member.email);
    }
    txn.commit().await?;
    tracing::info!(retailer.id = %retailer_id, staff.id = %member.id, "first admin created");
    Ok((retailer_id, member.id))
}
