//! Units the manufacturer wants back, free of I/O. A return item is one unit (one claim); items
//! travel in return shipments — one trip from a carrier's depot to a manufacturer's depot. While
//! a shipment is open it collects the units requested for that manufacturer and depot; the
//! carrier dispatches it (a crew and a day) with the units collected from the customer so far —
//! the others move to the next open shipment and follow — and marks it arrived when the depot
//! signed for it.
//!
//! ```text
//! open ──dispatch (crew, day; ≥ 1 unit collected)──▶ dispatched ──arrived (received by)──▶ arrived
//! ```
//!
//! An item the manufacturer withdraws (`manufacturer.claim.return_withdrawn.v1`) leaves its open
//! shipment; once its shipment left, the withdrawal is refused and the unit simply arrives. An
//! item whose job has no carrier (completed unassigned) waits in the pool of the carriers
//! granted the job's postcode until one of them takes it.

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
    #[error("no unit collected from the customer yet, so none at the depot: {}", .0.join(", "))]
    NotCollected(Vec<String>),
}

/// One unit of a shipment as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub serial: String,
    pub collected: bool,
}

/// Whether a shipment in `status` holding `units` may be dispatched: open, with at least one
/// unit collected. Returns the positions (in `units`) of the units not collected yet: they stay
/// behind and move to the next open shipment.
pub fn check_dispatch(status: ShipmentStatus, units: &[Unit]) -> Result<Vec<usize>, ShipmentError> {
    if status != ShipmentStatus::Open {
        return Err(ShipmentError::NotOpen(status.as_string()));
    }
    if units.is_empty() {
        return Err(ShipmentError::Empty);
    }
    let behind: Vec<usize> = (0..units.len()).filter(|&i| !units[i].collected).collect();
    if behind.len() == units.len() {
        return Err(ShipmentError::NotCollected(
            units.iter().map(|u| u.serial.clone()).collect(),
        ));
    }
    Ok(behind)
}

/// Where a return item stands, as the carrier's pages and API show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemState {
    /// Its job has no carrier: it waits for a carrier granted the job's postcode to take it.
    AwaitingCarrier,
    /// In an open shipment, the unit still at the customer's.
    AwaitingCollection,
    /// In an open shipment, collected: it leaves with the next dispatch.
    Ready,
    /// Its shipment is on the way to the depot.
    Travelling,
    Arrived,
    /// The manufacturer no longer wants it.
    Withdrawn,
}

impl ItemState {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemState::AwaitingCarrier => "awaiting_carrier",
            ItemState::AwaitingCollection => "awaiting_collection",
            ItemState::Ready => "ready",
            ItemState::Travelling => "travelling",
            ItemState::Arrived => "arrived",
            ItemState::Withdrawn => "withdrawn",
        }
    }

    /// The state of an item (withdrawn or not) in a shipment of `shipment` status (none: not
    /// in a shipment) whose unit was `collected`.
    pub fn of(withdrawn: bool, shipment: Option<ShipmentStatus>, collected: bool) -> ItemState {
        match (withdrawn, shipment) {
            (true, _) => ItemState::Withdrawn,
            (false, None) => ItemState::AwaitingCarrier,
            (false, Some(ShipmentStatus::Open)) if collected => ItemState::Ready,
            (false, Some(ShipmentStatus::Open)) => ItemState::AwaitingCollection,
            (false, Some(ShipmentStatus::Dispatched)) => ItemState::Travelling,
            (false, Some(ShipmentStatus::Arrived)) => ItemState::Arrived,
        }
    }
}

/// Who must act next on an open return item, due by its `return_by` (nothing in logistics moves
/// it otherwise; the manufacturer applies the agreement's default when it passes and withdraws
/// the item).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemWait {
    pub holder: crate::domain::overdue::Holder,
    pub due_at: chrono::DateTime<chrono::Utc>,
    /// `return_by` passed with the unit not at the depot.
    pub overdue: bool,
}

impl ItemState {
    /// The item's wait at `now`; `None` once it arrived or was withdrawn. In the pool, the
    /// dispatchers of the carriers granted the job's postcode take it; at the customer's, the
    /// crew collects it; collected, the carrier's dispatcher sends it; on the road, the crew
    /// brings it to the depot.
    pub fn waiting(
        self,
        return_by: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<ItemWait> {
        use crate::domain::overdue::Holder;
        let holder = match self {
            ItemState::Arrived | ItemState::Withdrawn => return None,
            ItemState::AwaitingCarrier | ItemState::Ready => Holder::Dispatcher,
            ItemState::AwaitingCollection | ItemState::Travelling => Holder::Crew,
        };
        Some(ItemWait {
            holder,
            due_at: return_by,
            overdue: return_by <= now,
        })
    }
}

/// What a withdrawal does to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withdrawal {
    /// It leaves its open shipment (or the pool).
    Remove,
    /// Withdrawn before: nothing more to do.
    AlreadyWithdrawn,
    /// Its shipment left already: the unit arrives at the depot anyway.
    Refused,
}

/// What withdrawing an item in `state` does.
pub fn withdraw(state: ItemState) -> Withdrawal {
    match state {
        ItemState::Withdrawn => Withdrawal::AlreadyWithdrawn,
        ItemState::Travelling | ItemState::Arrived => Withdrawal::Refused,
        ItemState::AwaitingCarrier | ItemState::AwaitingCollection | ItemState::Ready => {
            Withdrawal::Remove
        }
    }
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
    fn an_open_shipment_leaves_with_the_units_collected_and_the_rest_stay_behind() {
        let ready = [unit("A", true), unit("B", true)];
        assert_eq!(check_dispatch(ShipmentStatus::Open, &ready), Ok(vec![]));
        assert_eq!(
            check_dispatch(
                ShipmentStatus::Open,
                &[unit("A", false), unit("B", true), unit("C", false)]
            ),
            Ok(vec![0, 2])
        );
        assert_eq!(
            check_dispatch(ShipmentStatus::Open, &[unit("A", false), unit("B", false)]),
            Err(ShipmentError::NotCollected(vec!["A".into(), "B".into()]))
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
    fn an_item_is_withdrawn_until_its_shipment_leaves() {
        use ShipmentStatus::*;
        let cases = [
            (
                false,
                None,
                false,
                ItemState::AwaitingCarrier,
                Withdrawal::Remove,
            ),
            (
                false,
                Some(Open),
                false,
                ItemState::AwaitingCollection,
                Withdrawal::Remove,
            ),
            (
                false,
                Some(Open),
                true,
                ItemState::Ready,
                Withdrawal::Remove,
            ),
            (
                false,
                Some(Dispatched),
                true,
                ItemState::Travelling,
                Withdrawal::Refused,
            ),
            (
                false,
                Some(Arrived),
                true,
                ItemState::Arrived,
                Withdrawal::Refused,
            ),
            (
                true,
                None,
                true,
                ItemState::Withdrawn,
                Withdrawal::AlreadyWithdrawn,
            ),
        ];
        for (withdrawn, shipment, collected, state, withdrawal) in cases {
            let got = ItemState::of(withdrawn, shipment, collected);
            assert_eq!(got, state, "{withdrawn} {shipment:?} {collected}");
            assert_eq!(withdraw(got), withdrawal, "{state:?}");
        }
    }

    #[test]
    fn an_open_item_is_held_until_return_by_and_overdue_after() {
        use crate::domain::overdue::Holder;
        let by = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH + chrono::Duration::days(20_000);
        let before = by - chrono::Duration::seconds(1);
        for (state, holder) in [
            (ItemState::AwaitingCarrier, Holder::Dispatcher),
            (ItemState::AwaitingCollection, Holder::Crew),
            (ItemState::Ready, Holder::Dispatcher),
            (ItemState::Travelling, Holder::Crew),
        ] {
            let w = state.waiting(by, before).unwrap();
            assert_eq!((w.holder, w.due_at, w.overdue), (holder, by, false));
            assert!(state.waiting(by, by).unwrap().overdue);
        }
        assert_eq!(ItemState::Arrived.waiting(by, by), None);
        assert_eq!(ItemState::Withdrawn.waiting(by, before), None);
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
