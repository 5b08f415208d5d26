//! Partner links between a retailer and a manufacturer (issue 18), published by both sides:
//! who is who (each tenant's public profile, event-carried state kept in a directory on the
//! other side — an id and a display name, no personal data), the invitation and its answer, an
//! unlink, and the retailer's acceptance of an agreement version.
//!
//! Both sides keep the link and apply every action — their own and the other's — with the one
//! rule [`PartnerState::after`], so the two copies end in the same state whatever the order of
//! two simultaneous invitations.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Event;
use crate::ids::{AgreementId, ManufacturerId, RetailerId};
use crate::topology::Service;

/// The side of a link that acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Retailer,
    Manufacturer,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Retailer => "retailer",
            Side::Manufacturer => "manufacturer",
        }
    }

    pub fn parse(s: &str) -> Option<Side> {
        match s {
            "retailer" => Some(Side::Retailer),
            "manufacturer" => Some(Side::Manufacturer),
            _ => None,
        }
    }
}

/// What one side did to a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartnerAction {
    Invite,
    Accept,
    Decline,
    Unlink,
}

/// A link's state. `Invited` names the side that invited (the other side answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartnerState {
    None,
    Invited { by: Side },
    Linked,
    Declined,
    Unlinked,
}

/// Why an action does not apply to a link in its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefused {
    /// Already linked (invite) .
    AlreadyLinked,
    /// Invited already by the same side.
    AlreadyInvited,
    /// Accept or decline without an invitation of the other side.
    NoInvitation,
    /// Unlink without a link or an own invitation.
    NotLinked,
}

impl LinkRefused {
    /// The stable code the APIs answer (409).
    pub fn code(self) -> &'static str {
        match self {
            LinkRefused::AlreadyLinked => "already_linked",
            LinkRefused::AlreadyInvited => "already_invited",
            LinkRefused::NoInvitation => "no_invitation",
            LinkRefused::NotLinked => "not_linked",
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            LinkRefused::AlreadyLinked => "you are already partners",
            LinkRefused::AlreadyInvited => "the invitation is already open",
            LinkRefused::NoInvitation => "there is no invitation from the partner to answer",
            LinkRefused::NotLinked => "you are not partners",
        }
    }
}

impl PartnerState {
    pub fn as_str(self) -> &'static str {
        match self {
            PartnerState::None => "none",
            PartnerState::Invited { .. } => "invited",
            PartnerState::Linked => "linked",
            PartnerState::Declined => "declined",
            PartnerState::Unlinked => "unlinked",
        }
    }

    /// From the stored `state` and `invited_by` columns.
    pub fn from_row(state: &str, invited_by: Option<&str>) -> Option<PartnerState> {
        Some(match state {
            "invited" => PartnerState::Invited {
                by: Side::parse(invited_by?)?,
            },
            "linked" => PartnerState::Linked,
            "declined" => PartnerState::Declined,
            "unlinked" => PartnerState::Unlinked,
            _ => return None,
        })
    }

    pub fn invited_by(self) -> Option<Side> {
        match self {
            PartnerState::Invited { by } => Some(by),
            _ => None,
        }
    }

    /// The state after `side` did `action`. Inviting while invited by the other side links
    /// (two invitations that crossed are two consents); unlinking an own open invitation
    /// withdraws it.
    pub fn after(self, side: Side, action: PartnerAction) -> Result<PartnerState, LinkRefused> {
        use PartnerAction::*;
        use PartnerState as S;
        match (self, action) {
            (S::Linked, Invite) => Err(LinkRefused::AlreadyLinked),
            (S::Invited { by }, Invite) if by == side => Err(LinkRefused::AlreadyInvited),
            (S::Invited { .. }, Invite) => Ok(S::Linked),
            (_, Invite) => Ok(S::Invited { by: side }),
            (S::Invited { by }, Accept) if by != side => Ok(S::Linked),
            (S::Invited { by }, Decline) if by != side => Ok(S::Declined),
            (_, Accept | Decline) => Err(LinkRefused::NoInvitation),
            (S::Linked | S::Invited { .. }, Unlink) => Ok(S::Unlinked),
            (_, Unlink) => Err(LinkRefused::NotLinked),
        }
    }
}

/// `retailer.partner.changed.v1`: a retailer's admin invited a manufacturer, accepted or
/// declined its invitation, or unlinked. `acted_by` is who, from the credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetailerPartnerChangedV1 {
    pub retailer_id: RetailerId,
    pub retailer_name: String,
    pub manufacturer_id: ManufacturerId,
    pub action: PartnerAction,
    pub acted_by: String,
    pub acted_at: DateTime<Utc>,
}

impl Event for RetailerPartnerChangedV1 {
    const TYPE: &'static str = "retailer.partner.changed.v1";
    const PRODUCER: Service = Service::Retailer;
    fn subject(&self) -> String {
        format!("{}/{}", self.retailer_id, self.manufacturer_id)
    }
}

/// `manufacturer.partner.changed.v1`: the manufacturer (its API key) invited a retailer,
/// accepted or declined its invitation, or unlinked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManufacturerPartnerChangedV1 {
    pub manufacturer_id: ManufacturerId,
    pub manufacturer_name: String,
    pub retailer_id: RetailerId,
    pub action: PartnerAction,
    pub acted_by: String,
    pub acted_at: DateTime<Utc>,
}

impl Event for ManufacturerPartnerChangedV1 {
    const TYPE: &'static str = "manufacturer.partner.changed.v1";
    const PRODUCER: Service = Service::Manufacturer;
    fn subject(&self) -> String {
        format!("{}/{}", self.manufacturer_id, self.retailer_id)
    }
}

/// `retailer.tenant.profile.v1`: a retailer's public profile (id and display name), announced
/// when it is created and again at each start for those not yet announced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetailerProfileV1 {
    pub retailer_id: RetailerId,
    pub name: String,
    pub announced_at: DateTime<Utc>,
    /// Where the retailer is established (ISO 3166-1 alpha-2): the country whose VAT its
    /// credit notes bear (issue 12). Absent from profiles announced before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

impl Event for RetailerProfileV1 {
    const TYPE: &'static str = "retailer.tenant.profile.v1";
    const PRODUCER: Service = Service::Retailer;
    fn subject(&self) -> String {
        self.retailer_id.to_string()
    }
}

/// `manufacturer.tenant.profile.v1`: a manufacturer's public profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManufacturerProfileV1 {
    pub manufacturer_id: ManufacturerId,
    pub name: String,
    pub announced_at: DateTime<Utc>,
}

impl Event for ManufacturerProfileV1 {
    const TYPE: &'static str = "manufacturer.tenant.profile.v1";
    const PRODUCER: Service = Service::Manufacturer;
    fn subject(&self) -> String {
        self.manufacturer_id.to_string()
    }
}

/// `retailer.agreement.accepted.v1`: a retailer admin accepted a version of an agreement on the
/// desk; from now on it takes effect (at the counter and for claims) from its `valid_from`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgreementAcceptedV1 {
    pub agreement_id: AgreementId,
    pub version: u32,
    pub retailer_id: RetailerId,
    pub manufacturer_id: ManufacturerId,
    pub accepted_by: String,
    pub accepted_at: DateTime<Utc>,
}

impl Event for AgreementAcceptedV1 {
    const TYPE: &'static str = "retailer.agreement.accepted.v1";
    const PRODUCER: Service = Service::Retailer;
    fn subject(&self) -> String {
        self.agreement_id.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::PartnerAction::*;
    use super::*;

    const R: Side = Side::Retailer;
    const M: Side = Side::Manufacturer;

    #[test]
    fn an_invitation_is_answered_by_the_other_side_only() {
        let invited = PartnerState::None.after(R, Invite).unwrap();
        assert_eq!(invited, PartnerState::Invited { by: R });
        assert_eq!(invited.after(R, Accept), Err(LinkRefused::NoInvitation));
        assert_eq!(invited.after(R, Invite), Err(LinkRefused::AlreadyInvited));
        assert_eq!(invited.after(M, Accept), Ok(PartnerState::Linked));
        assert_eq!(invited.after(M, Decline), Ok(PartnerState::Declined));
        assert_eq!(invited.after(M, Invite), Ok(PartnerState::Linked));
        assert_eq!(invited.after(R, Unlink), Ok(PartnerState::Unlinked));
    }

    #[test]
    fn a_link_is_unlinked_by_either_side_and_invited_again() {
        let linked = PartnerState::Linked;
        assert_eq!(linked.after(M, Invite), Err(LinkRefused::AlreadyLinked));
        let unlinked = linked.after(M, Unlink).unwrap();
        assert_eq!(unlinked.after(R, Unlink), Err(LinkRefused::NotLinked));
        assert_eq!(
            unlinked.after(R, Invite),
            Ok(PartnerState::Invited { by: R })
        );
        assert_eq!(
            PartnerState::Declined.after(M, Invite),
            Ok(PartnerState::Invited { by: M })
        );
        for s in ["invited", "linked", "declined", "unlinked"] {
            let st = PartnerState::from_row(s, Some("retailer")).unwrap();
            assert_eq!(st.as_str(), s);
        }
    }
}
