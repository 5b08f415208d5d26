//! The retailer's settings, read from the environment and checked once at start.

use rust_decimal::Decimal;

use crate::domain::ledger::DEFAULT_TOLERANCE;

/// The ledger's tolerance for differences.
#[derive(Debug, Clone, Copy)]
pub struct LedgerConfig {
    pub tolerance: Decimal,
}

impl LedgerConfig {
    /// `KUMMERER_LEDGER_TOLERANCE` (a non-negative decimal); unset → 0.01. A bad value is an
    /// error (the service logs it at start and keeps the default).
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
