//! Who does what a use case writes: a signed-in staff member (the desk) or a retailer
//! integration key (the JSON API) — always taken from the credential, never from a field of the
//! request.

use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use crate::db::integration_keys::{self, Made};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A staff member, by e-mail.
    Staff { id: Uuid, email: String },
    /// A retailer integration key, by its name.
    Key { id: Uuid, name: String },
}

impl Actor {
    /// As the timeline, the ledger and the desk show it: the staff member's e-mail, or
    /// `API key «name»`.
    pub fn label(&self) -> String {
        match self {
            Actor::Staff { email, .. } => email.clone(),
            Actor::Key { name, .. } => key_label(name),
        }
    }

    /// The key, when a key acted.
    pub fn key_id(&self) -> Option<Uuid> {
        match self {
            Actor::Key { id, .. } => Some(*id),
            Actor::Staff { .. } => None,
        }
    }
}

/// Records the key as the maker of the row `id` (a sale, case, swap or dispute), when a key
/// acted (the desk's rows say who through their own columns and the timeline).
pub async fn record<C: ConnectionTrait>(
    db: &C,
    made: Made,
    retailer_id: Uuid,
    id: Uuid,
    actor: &Actor,
) -> Result<(), DbErr> {
    match actor.key_id() {
        Some(key_id) => integration_keys::record_maker(db, made, retailer_id, id, key_id).await,
        None => Ok(()),
    }
}

/// `API key «name»`.
pub fn key_label(name: &str) -> String {
    format!("API key «{name}»")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_shows_by_its_name() {
        let key = Actor::Key {
            id: Uuid::nil(),
            name: "POS Mitte".into(),
        };
        assert_eq!(key.label(), "API key «POS Mitte»");
        assert_eq!(key.key_id(), Some(Uuid::nil()));
    }
}
