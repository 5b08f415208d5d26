//! Typed ids: one transparent newtype per aggregate, so that a `CaseId` cannot be passed where a
//! `SwapId` is expected. On the wire each is the bare UUID (`#[serde(transparent)]`); with the
//! `sea-orm` feature each is also a column value type (`DeriveValueType`), so entities and
//! queries can use them directly.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[derive(serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "sea-orm", derive(sea_orm::DeriveValueType))]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered id (UUIDv7).
            pub fn new_v7() -> Self {
                Self(Uuid::now_v7())
            }
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        /// So that an entity's primary key may be the id (a UUID is never auto-incremented).
        #[cfg(feature = "sea-orm")]
        impl sea_orm::TryFromU64 for $name {
            fn try_from_u64(_: u64) -> Result<Self, sea_orm::DbErr> {
                Err(sea_orm::DbErr::ConvertFromU64(stringify!($name)))
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    )+};
}

id_type!(
    /// A retailer (tenant of the retailer service).
    RetailerId,
    /// A manufacturer (tenant of the manufacturer service).
    ManufacturerId,
    /// A carrier (tenant of the logistics service).
    CarrierId,
    /// A store of a retailer.
    StoreId,
    /// A stock location of a retailer.
    LocationId,
    /// A product (SKU) in a retailer's catalogue.
    ProductId,
    /// A sale recorded at a retailer.
    SaleId,
    /// A customer's case at the retailer.
    CaseId,
    /// A swap approved for a case.
    SwapId,
    /// A warranty claim (the retailer files it, the manufacturer decides it).
    ClaimId,
    /// A delivery-and-collection job in logistics.
    JobId,
    /// A crew of a carrier.
    CrewId,
    /// A staff member of a retailer.
    StaffId,
    /// An agreement between a manufacturer and a retailer.
    AgreementId,
    /// A credit note issued by a manufacturer.
    CreditNoteId,
    /// A manufacturer's depot (where returned units go).
    DepotId,
    /// A return shipment in logistics.
    ShipmentId,
    /// A retailer's contract with a carrier (issue 18).
    CarrierContractId,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_bare_uuids_on_the_wire() {
        let u = Uuid::now_v7();
        let id = CaseId::from(u);
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{u}\""));
        let back: CaseId = serde_json::from_str(&format!("\"{u}\"")).unwrap();
        assert_eq!(back, id);
        assert_eq!(id.to_string(), u.to_string());
        assert_eq!(u.to_string().parse::<CaseId>().unwrap(), id);
    }
}
