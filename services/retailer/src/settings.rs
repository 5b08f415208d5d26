//! The retailer's settings, read from the environment and checked once at start (beside the
//! shared `Config` every service has: database, broker, port). A bad value stops the start with
//! a message naming the variable, instead of falling back silently.
//!
//! Nothing here is a secret: the database and broker URLs live in the shared `Config`, and the
//! first admin's password (`KUMMERER_ADMIN_PASSWORD`) is read by `create-admin` only.

use rust_decimal::Decimal;

use crate::domain::ledger::DEFAULT_TOLERANCE;

/// The ledger's tolerance for differences.
#[derive(Debug, Clone, Copy)]
pub struct LedgerConfig {
    pub tolerance: Decimal,
}

impl LedgerConfig {
    /// `KUMMERER_LEDGER_TOLERANCE` (a non-negative decimal); unset → 0.01. A bad value is an
    /// error naming the variable: the service does not start.
    pub fn from_env() -> anyhow::Result<LedgerConfig> {
        match std::env::var("KUMMERER_LEDGER_TOLERANCE") {
            Err(_) => Ok(LedgerConfig {
                tolerance: DEFAULT_TOLERANCE,
            }),
            Ok(raw) => {
                let tolerance: Decimal = raw.trim().parse().map_err(|e| {
                    anyhow::anyhow!("KUMMERER_LEDGER_TOLERANCE={raw:?} is not a decimal: {e}")
                })?;
                anyhow::ensure!(
                    !tolerance.is_sign_negative(),
                    "KUMMERER_LEDGER_TOLERANCE={raw:?} must not be negative"
                );
                Ok(LedgerConfig { tolerance })
            }
        }
    }
}

/// Everything the retailer reads from the environment, checked.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The recovery ledger's tolerance for differences.
    pub ledger: LedgerConfig,
    /// The desk's pages (`KUMMERER_INSECURE_COOKIES=1` drops `Secure` on the session cookie).
    pub desk: crate::http::pages::DeskConfig,
}

impl Settings {
    pub fn from_env() -> anyhow::Result<Settings> {
        Ok(Settings {
            ledger: LedgerConfig::from_env()?,
            desk: crate::http::pages::DeskConfig::from_env(),
        })
    }
}
