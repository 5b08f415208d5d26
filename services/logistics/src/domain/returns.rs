//! Units the manufacturer wants back, free of I/O. A return item is one unit (one claim); items
//! travel in return shipments — one trip from a carrier's depot to a manufacturer's depot. While
//! a shipment is open it collects the units requested for that manufacturer and depot; the
//! carrier dispatches it (a crew and a day) once every unit in it has been collected from the
//! customer, and marks it arrived when the depot signed for it.
//!
//! ```text
//! open ──dispatch (crew, day; every unit collected)──▶ dispatched ──arrived (received by)──▶ arrived
//! ```

/// Longest name of whoever signed for a shipment at the depot.
pub const RECEIVED_BY_MAX: usize = 200;

/// Stored in `return_shipments.status` (text) as `open`, `dispatched`, `arrived`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sea_orm::EnumIter, sea_orm::DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
pub enum ShipmentStatus {
    Open,
    Dispatched,
    Arrived,
}

impl ShipmentStatus {
    /// The stored value (`open`, …), as a filter's query parameter names it.
    pub fn parse(s: &str) -> Option<ShipmentStatus> {
        <Self as sea_orm::ActiveEnum>::try_from_value(&s.to_owned()).ok()
    }

    pub fn as_string(self) -> String {
        sea_orm::ActiveEnum::to_value(&self)
    }
}

/// Why a shipment cannot make the move asked of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShipmentError {
    #[error("the shipment is {0}, not open: it was dispatched already")]
    NotOpen(String),
    #[error("the shipment is {0}, not dispatched")]
    NotDispatched(String),
    #[error("the shipment holds no unit")]
    Empty,
    #[error("not collected from the customer yet, so not at the depot: {}", .0.join(", "))]
    NotCollected(Vec<String>),
}

/// One unit of a shipment as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub serial: String,
    pub collected: bool,
}

/// Whether a shipment in `status` holding `units` may be dispatched.
pub fn check_dispatch(status: ShipmentStatus, units: &[Unit]) -> Result<(), ShipmentError> {
    if status != ShipmentStatus::Open {
        return Err(ShipmentError::NotOpen(status.as_string()));
    }
    if units.is_empty() {
        return Err(ShipmentError::Empty);
    }
    let waiting: Vec<String> = units
        .iter()
        .filter(|u| !u.collected)
        .map(|u| u.serial.clone())
        .collect();
    if !waiting.is_empty() {
        return Err(ShipmentError::NotCollected(waiting));
    }
    Ok(())
}

/// Whether a shipment in `status` may be marked arrived at the depot.
pub fn check_arrival(status: ShipmentStatus) -> Result<(), ShipmentError> {
    match status {
        ShipmentStatus::Dispatched => Ok(()),
        other => Err(ShipmentError::NotDispatched(other.as_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(serial: &str, collected: bool) -> Unit {
        Unit {
            serial: serial.into(),
            collected,
        }
    }

    #[test]
    fn status_round_trips() {
        use sea_orm::Iterable;
        for s in ShipmentStatus::iter() {
            assert_eq!(ShipmentStatus::parse(&s.as_string()), Some(s));
        }
        assert_eq!(ShipmentStatus::parse("lost"), None);
    }

    #[test]
    fn only_an_open_shipment_of_collected_units_is_dispatched() {
        let ready = [unit("A", true), unit("B", true)];
        assert_eq!(check_dispatch(ShipmentStatus::Open, &ready), Ok(()));
        assert_eq!(
            check_dispatch(ShipmentStatus::Open, &[unit("A", true), unit("B", false)]),
            Err(ShipmentError::NotCollected(vec!["B".into()]))
        );
        assert_eq!(
            check_dispatch(ShipmentStatus::Open, &[]),
            Err(ShipmentError::Empty)
        );
        assert_eq!(
            check_dispatch(ShipmentStatus::Dispatched, &ready),
            Err(ShipmentError::NotOpen("dispatched".into()))
        );
        assert_eq!(
            check_dispatch(ShipmentStatus::Arrived, &ready),
            Err(ShipmentError::NotOpen("arrived".into()))
        );
    }

    #[test]
    fn only_a_dispatched_shipment_arrives() {
        assert_eq!(check_arrival(ShipmentStatus::Dispatched), Ok(()));
        assert_eq!(
            check_arrival(ShipmentStatus::Open),
            Err(ShipmentError::NotDispatched("open".into()))
        );
        assert_eq!(
            check_arrival(ShipmentStatus::Arrived),
            Err(ShipmentError::NotDispatched("arrived".into()))
        );
    }
}
