//! The use cases' refusals in the reader's words: each variant a page shows has its catalog
//! key (`err-…`), so a page never prints an error's English `Display` (the JSON API keeps those
//! in its problem details). A database error is never shown here: the handlers turn it into
//! the 500 problem.

use kummerer_contracts::LinkRefused;
use kummerer_web::i18n::Tr;

use crate::app::approve::ApproveError;
use crate::app::cases::OpenCaseError;
use crate::app::information::AnswerError;
use crate::app::partners::{AcceptError, PartnerError};
use crate::app::refusals::RefuseError;
use crate::app::requests::AskError;
use crate::app::resubmit::ResubmitError;
use crate::app::stock::StockError;
use crate::app::write_off::WriteOffError;
use crate::domain::case::ApprovalRefused;
use crate::domain::claim::DisputeRefused;
use crate::http::pages::money_text;

/// Why a case cannot be swapped or refused any more.
pub(crate) fn approval_refused(tr: &Tr, reason: ApprovalRefused) -> String {
    match reason {
        ApprovalRefused::AlreadyApproved => tr.t("err-swap-already-approved"),
        ApprovalRefused::Closed => tr.t("err-case-closed"),
    }
}

/// An approval's refusal.
pub(crate) fn approve(tr: &Tr, e: &ApproveError) -> String {
    match e {
        ApproveError::NotFound => tr.t("err-case-not-found"),
        ApproveError::Refused { reason, .. } => {
            tr.ta("err-cannot-swap", "reason", approval_refused(tr, *reason))
        }
        ApproveError::UnknownReplacement => tr.t("form-no-such-sku"),
        ApproveError::UnknownLocation => tr.t("swap-no-such-location"),
        ApproveError::NeedsManager { value, .. } => {
            tr.ta("err-needs-manager", "value", money_text(tr, value))
        }
        ApproveError::OutOfStock {
            product,
            sku,
            location,
        } => tr.targs(
            "err-out-of-stock",
            &[("product", product), ("sku", sku), ("location", location)],
        ),
        ApproveError::NotLinked { manufacturer } => {
            tr.ta("err-not-linked", "manufacturer", manufacturer)
        }
        ApproveError::WindowFull => tr.t("err-window-full"),
        ApproveError::Db(_) => tr.t("err-server"),
    }
}

/// Asking a manager, refused.
pub(crate) fn ask(tr: &Tr, e: &AskError) -> String {
    match e {
        AskError::CaseNotFound => tr.t("err-case-not-found"),
        AskError::Refused(reason) => {
            tr.ta("err-cannot-swap", "reason", approval_refused(tr, *reason))
        }
        AskError::AlreadyAsked => tr.t("err-already-asked"),
        AskError::Db(_) => tr.t("err-server"),
    }
}

/// A refusal of the case, refused.
pub(crate) fn refuse(tr: &Tr, e: &RefuseError) -> String {
    match e {
        RefuseError::NotFound => tr.t("err-case-not-found"),
        RefuseError::Refused(reason) => {
            tr.ta("err-cannot-refuse", "reason", approval_refused(tr, *reason))
        }
        RefuseError::AlreadyRefused => tr.t("err-already-refused"),
        RefuseError::Db(_) => tr.t("err-server"),
    }
}

/// Opening a case, refused.
pub(crate) fn open_case(tr: &Tr, e: &OpenCaseError) -> String {
    match e {
        OpenCaseError::RetailerNotFound | OpenCaseError::NoSale => tr.t("err-no-sale"),
        OpenCaseError::CaseExists { serial, .. } => tr.ta("err-case-exists", "serial", serial),
        OpenCaseError::Db(_) => tr.t("err-server"),
    }
}

/// A dispute, refused.
pub(crate) fn dispute(tr: &Tr, reason: DisputeRefused) -> String {
    match reason {
        DisputeRefused::NotRejected => tr.t("err-claim-not-rejected"),
        DisputeRefused::AlreadyDisputed => tr.t("err-claim-already-disputed"),
    }
}

/// An answer to the manufacturer's question, refused.
pub(crate) fn answer(tr: &Tr, e: &AnswerError) -> String {
    match e {
        AnswerError::NotFound => tr.t("err-claim-not-found"),
        AnswerError::NotAsked { status, .. } => tr.ta(
            "err-no-question",
            "status",
            tr.code("claim-status", &status.as_string()),
        ),
        AnswerError::Db(_) => tr.t("err-server"),
    }
}

/// A resubmission, refused.
pub(crate) fn resubmit(tr: &Tr, e: &ResubmitError) -> String {
    match e {
        ResubmitError::NotFound => tr.t("err-claim-not-found"),
        ResubmitError::Refused { .. } => tr.t("resubmit-cannot"),
        ResubmitError::Db(_) => tr.t("err-server"),
    }
}

/// A write-off, refused.
pub(crate) fn write_off(tr: &Tr, e: &WriteOffError) -> String {
    match e {
        WriteOffError::NotFound => tr.t("err-claim-not-found"),
        WriteOffError::Refused(_) => tr.t("err-write-off-refused"),
        WriteOffError::Db(_) => tr.t("err-server"),
    }
}

/// A partner link's step, refused.
pub(crate) fn partner(tr: &Tr, e: &PartnerError) -> String {
    match e {
        PartnerError::UnknownManufacturer => tr.t("err-unknown-manufacturer"),
        PartnerError::Refused(r) => match r {
            LinkRefused::AlreadyLinked => tr.t("err-link-already-linked"),
            LinkRefused::AlreadyInvited => tr.t("err-link-already-invited"),
            LinkRefused::NoInvitation => tr.t("err-link-no-invitation"),
            LinkRefused::NotLinked => tr.t("err-link-not-linked"),
        },
        PartnerError::Db(_) => tr.t("err-server"),
    }
}

/// Accepting an agreement version, refused.
pub(crate) fn accept(tr: &Tr, e: &AcceptError) -> String {
    match e {
        AcceptError::NotFound => tr.t("err-version-not-found"),
        AcceptError::AlreadyAccepted => tr.t("err-version-already-accepted"),
        AcceptError::NotLinked => tr.t("err-version-not-linked"),
        AcceptError::Db(_) => tr.t("err-server"),
    }
}

/// A store or stock location, refused.
pub(crate) fn stock(tr: &Tr, e: &StockError) -> String {
    match e {
        StockError::StoreExists(name) => tr.ta("err-store-exists", "name", name),
        StockError::LocationExists(name) => tr.ta("err-location-exists", "name", name),
        StockError::Db(_) => tr.t("err-server"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::pages::locale::{DEFAULT_TZ, tr};
    use kummerer_web::i18n::Lang;

    /// The shared checks' English messages come out in German on a German page, and the
    /// refusals never as their English `Display`.
    #[test]
    fn refusals_and_shared_checks_speak_the_readers_language() {
        let de = tr(Lang::De, DEFAULT_TZ);
        let en = tr(Lang::En, DEFAULT_TZ);
        let mut v = kummerer_service::FieldErrors::new();
        v.text("a", " ", 10);
        v.text("b", "elf Zeichen!", 10);
        v.text("c", "bell\u{7}", 10);
        let messages: Vec<String> = crate::http::input::checked(v)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.message)
            .collect();
        assert_eq!(messages.len(), 3);
        for m in &messages {
            let german = crate::http::pages::form_text(&de, m);
            assert_ne!(&german, m, "{m} is not in the catalog");
            assert_eq!(&crate::http::pages::form_text(&en, m), m);
        }
        assert_eq!(
            crate::http::pages::form_text(&de, "must be at most 10 characters"),
            "höchstens 10 Zeichen"
        );
        let closed = RefuseError::Refused(ApprovalRefused::Closed);
        assert_eq!(
            refuse(&en, &closed),
            "this case cannot be refused: the case is closed"
        );
        assert!(
            refuse(&de, &closed).contains("abgelehnt"),
            "{}",
            refuse(&de, &closed)
        );
        assert_ne!(
            dispute(&de, DisputeRefused::AlreadyDisputed),
            DisputeRefused::AlreadyDisputed.to_string()
        );
    }
}
