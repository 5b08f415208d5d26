//! Request body pieces shared by the handlers.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A decimal as a JSON string (`"80.5"`, preferred) or a JSON number (`80.5`).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(untagged)]
pub enum DecimalInput {
    #[schema(example = "80.5")]
    Text(String),
    #[schema(value_type = f64)]
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
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct MoneyInput {
    pub amount: DecimalInput,
    pub currency: String,
}

impl MoneyInput {
    pub fn parts(&self) -> (String, String) {
        (self.amount.text(), self.currency.clone())
    }
}
