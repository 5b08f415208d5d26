//! Request body pieces shared by the handlers.

use serde::{Deserialize, Serialize};

/// A decimal as a JSON string (`"80.5"`, preferred) or a JSON number (`80.5`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum DecimalInput {
    Text(String),
    Number(serde_json::Number),
}

impl DecimalInput {
    pub fn text(&self) -> String {
        match self {
            DecimalInput::Text(s) => s.clone(),
            DecimalInput::Number(n) => n.to_string(),
        }
    }
}

/// `{"amount": "25.00", "currency": "EUR"}`, validated by the domain so that each part gets
/// its own field error.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct MoneyInput {
    pub amount: DecimalInput,
    pub currency: String,
}

impl MoneyInput {
    pub fn parts(&self) -> (String, String) {
        (self.amount.text(), self.currency.clone())
    }
}
