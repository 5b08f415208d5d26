use chrono::Duration;

use super::*;

fn at(minutes: i64) -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_000) + Duration::minutes(minutes)
}

fn fact(fact: Fact, minutes: i64) -> Dated {
    Dated {
        fact,
        at: at(minutes),
    }
}

fn approved(minutes: i64) -> [Dated; 2] {
    [
        fact(Fact::SwapApproved { visit_by: None }, minutes),
        fact(Fact::ClaimSubmitted, minutes),
    ]
}

fn run(facts: &[Dated]) -> Ball {
    ball(at(0), facts, &Policy::default())
}

fn parties(b: &Ball) -> Vec<(&'static str, &'static str)> {
    b.holders
        .iter()
        .map(|h| (h.party.as_str(), h.holds.as_str()))
        .collect()
}

const SCHEDULED: Fact = Fact::JobScheduled { visit_by: None };

#[test]
fn an_open_case_waits_for_the_retailer_due_by_the_policy() {
    let b = run(&[]);
    assert_eq!(b.party(), Some(Party::Retailer));
    assert_eq!(b.since, at(0));
    assert_eq!(parties(&b), [("retailer", "decision")]);
    assert_eq!(b.due_at(), Some(at(0) + Duration::hours(24)));
    assert_eq!(b.handovers, 0);
    assert_eq!(b.held_for_seconds(at(3)), Some(180));
    assert_eq!(b.held_for_seconds(at(-1)), Some(0));
    let short = Policy {
        decide_case: Duration::hours(2),
        ..Policy::default()
    };
    assert_eq!(ball(at(0), &[], &short).due_at(), Some(at(120)));
    assert!(!b.holders[0].overdue(at(24 * 60)));
    assert!(b.holders[0].overdue(at(24 * 60 + 1)));
}

#[test]
fn the_approval_hands_on_to_the_crew_due_at_the_window_and_the_manufacturer() {
    let facts = [
        fact(
            Fact::SwapApproved {
                visit_by: Some(at(600)),
            },
            5,
        ),
        fact(Fact::ClaimSubmitted, 5),
    ];
    let b = run(&facts);
    assert_eq!(b.party(), Some(Party::Crew));
    assert_eq!(
        parties(&b),
        [("crew", "delivery"), ("manufacturer", "claim")]
    );
    assert_eq!(b.holders[0].due_at, at(600));
    assert_eq!(b.holders[1].due_at, at(5) + Duration::days(14));
    assert_eq!(b.handovers, 1);
    // The acknowledgement sets the manufacturer's deadline; a corrected window the crew's.
    let mut facts = facts.to_vec();
    facts.push(fact(
        Fact::ClaimAcknowledged {
            decision_due_at: at(9000),
        },
        6,
    ));
    facts.push(fact(
        Fact::Corrected {
            visit_by: Some(at(700)),
        },
        7,
    ));
    let b = run(&facts);
    assert_eq!((b.holders[0].due_at, b.holders[0].since), (at(700), at(5)));
    assert_eq!((b.holders[1].due_at, b.holders[1].since), (at(9000), at(5)));
    assert_eq!(b.handovers, 1);
    assert_eq!(b.due_at(), Some(at(700)));
}

#[test]
fn a_failed_visit_hands_the_delivery_back_and_the_longest_wait_is_shown() {
    let mut facts = approved(5).to_vec();
    facts.extend([fact(SCHEDULED, 6), fact(Fact::DeliveryFailed, 9)]);
    let b = run(&facts);
    assert_eq!((b.party(), b.since), (Some(Party::Manufacturer), at(5)));
    assert_eq!(
        parties(&b),
        [("manufacturer", "claim"), ("retailer", "delivery")]
    );
    assert_eq!(b.holders[1].due_at, at(9) + Duration::hours(24));
    assert_eq!(b.handovers, 2);

    facts.push(fact(Fact::ClaimDecided, 10));
    let b = run(&facts);
    assert_eq!((b.party(), b.since), (Some(Party::Retailer), at(9)));
    // A second failure leaves it with the retailer since the first.
    facts.push(fact(Fact::DeliveryFailed, 11));
    assert_eq!(run(&facts).since, at(9));
    facts.push(fact(SCHEDULED, 12));
    let b = run(&facts);
    assert_eq!(
        (b.party(), b.since, b.handovers),
        (Some(Party::Crew), at(12), 3)
    );
    facts.push(fact(Fact::DeliveredAndCollected, 20));
    let b = run(&facts);
    assert_eq!((b.party(), b.since, b.handovers), (None, at(20), 3));
    assert_eq!(b.due_at(), None);
    assert_eq!(b.held_for_seconds(at(30)), None);
}

#[test]
fn a_step_recorded_after_a_failed_visit_gives_the_delivery_back_to_the_crew() {
    // Found by the model test: logistics schedules the job again when the crew records a step
    // after a failed attempt, so the crew holds it, not the retailer.
    let mut facts = approved(5).to_vec();
    facts.extend([
        fact(Fact::ClaimDecided, 6),
        fact(SCHEDULED, 6),
        fact(Fact::DeliveryFailed, 9),
    ]);
    assert_eq!(run(&facts).party(), Some(Party::Retailer));
    facts.push(fact(Fact::Delivered, 12));
    let b = run(&facts);
    assert_eq!(parties(&b), [("crew", "delivery")]);
    assert_eq!(
        (b.since, b.holders[0].due_at),
        (at(12), at(12) + Duration::days(7))
    );
    facts.push(fact(Fact::Collected, 13));
    assert_eq!(run(&facts).party(), None);
}

#[test]
fn the_visit_ends_once_delivered_and_collected_are_both_reported() {
    let mut facts = approved(5).to_vec();
    facts.extend([
        fact(Fact::ClaimDecided, 6),
        fact(Fact::OnTheWay { visit_by: None }, 7),
        fact(Fact::Delivered, 8),
    ]);
    assert_eq!(run(&facts).party(), Some(Party::Crew));
    facts.push(fact(Fact::Collected, 9));
    let b = run(&facts);
    assert_eq!((b.party(), b.since, b.handovers), (None, at(9), 1));
}

#[test]
fn the_manufacturer_holds_a_return_until_return_by_then_its_inspection() {
    let mut facts = approved(5).to_vec();
    facts.extend([
        fact(Fact::DeliveredAndCollected, 6),
        fact(Fact::ClaimDecided, 7),
        fact(
            Fact::ReturnRequested {
                return_by: Some(at(5000)),
            },
            7,
        ),
    ]);
    let b = run(&facts);
    assert_eq!(parties(&b), [("manufacturer", "return")]);
    // Without a break since the claim was filed; due when the unit must be back.
    assert_eq!((b.since, b.holders[0].due_at), (at(5), at(5000)));
    facts.push(fact(
        Fact::ReturnArrived {
            inspect_by: Some(at(6000)),
        },
        100,
    ));
    assert_eq!(run(&facts).holders[0].due_at, at(6000));
    facts.push(fact(Fact::ReturnInspected, 200));
    let b = run(&facts);
    assert_eq!((b.party(), b.since), (None, at(200)));
    // A dispute hands the claim back to the manufacturer; the new decision settles it.
    facts.push(fact(
        Fact::ClaimDisputed {
            decision_due_at: Some(at(9999)),
        },
        300,
    ));
    let b = run(&facts);
    assert_eq!(
        (b.party(), b.since, b.due_at(), b.handovers),
        (Some(Party::Manufacturer), at(300), Some(at(9999)), 2)
    );
    facts.push(fact(Fact::ClaimDecided, 400));
    assert_eq!(run(&facts).party(), None);
}

#[test]
fn a_withdrawn_return_settles_the_claim() {
    let mut facts = approved(5).to_vec();
    facts.extend([
        fact(Fact::DeliveredAndCollected, 6),
        fact(Fact::ClaimDecided, 7),
        fact(Fact::ReturnRequested { return_by: None }, 7),
    ]);
    assert_eq!(run(&facts).holders[0].due_at, at(5) + Duration::days(14));
    facts.push(fact(Fact::ReturnWithdrawn, 8));
    assert_eq!(run(&facts).party(), None);
}

#[test]
fn an_information_request_hands_the_claim_to_the_retailer_and_the_answer_back() {
    let mut facts = approved(5).to_vec();
    facts.extend([
        fact(Fact::DeliveredAndCollected, 6),
        fact(
            Fact::InformationRequested {
                answer_by: Some(at(100)),
            },
            10,
        ),
    ]);
    let b = run(&facts);
    assert_eq!(parties(&b), [("retailer", "information")]);
    assert_eq!(
        (b.since, b.due_at(), b.handovers),
        (at(10), Some(at(100)), 2)
    );
    facts.push(fact(
        Fact::InformationProvided {
            decision_due_at: Some(at(900)),
        },
        20,
    ));
    let b = run(&facts);
    assert_eq!(parties(&b), [("manufacturer", "claim")]);
    assert_eq!(
        (b.since, b.due_at(), b.handovers),
        (at(20), Some(at(900)), 3)
    );
}

#[test]
fn a_claim_not_accepted_waits_for_the_retailer_to_resubmit() {
    let mut facts = approved(5).to_vec();
    facts.extend([
        fact(Fact::DeliveredAndCollected, 6),
        fact(Fact::ClaimNotAccepted, 7),
    ]);
    let b = run(&facts);
    assert_eq!(parties(&b), [("retailer", "claim")]);
    assert_eq!(b.due_at(), Some(at(7) + Duration::hours(72)));
    facts.push(fact(Fact::ClaimResubmitted, 8));
    assert_eq!(parties(&run(&facts)), [("manufacturer", "claim")]);
}

#[test]
fn a_cancelled_swap_and_a_refused_case_wait_for_nobody() {
    let mut facts = approved(5).to_vec();
    facts.push(fact(Fact::CancelRequested, 6));
    assert_eq!(run(&facts).holders.len(), 2);
    facts.push(fact(Fact::CancelRefused, 7));
    assert_eq!(run(&facts).holders.len(), 2);
    facts.push(fact(Fact::Cancelled, 8));
    let b = run(&facts);
    assert_eq!((b.party(), b.since), (None, at(8)));
    // Late facts about a cancelled case move nothing.
    facts.push(fact(Fact::DeliveryFailed, 9));
    assert_eq!(run(&facts).party(), None);

    let b = run(&[fact(Fact::CaseRefused, 4)]);
    assert_eq!((b.party(), b.since, b.handovers), (None, at(4), 0));
}

#[test]
fn facts_count_in_the_order_they_happened_and_late_nonsense_changes_nothing() {
    let facts = [
        fact(Fact::DeliveredAndCollected, 20),
        fact(Fact::DeliveryFailed, 25),
        fact(Fact::ClaimDecided, 7),
        fact(SCHEDULED, 6),
        fact(Fact::SwapApproved { visit_by: None }, 5),
        fact(Fact::ClaimSubmitted, 5),
        fact(Fact::ClaimDecided, 40),
        fact(Fact::Note, 41),
    ];
    let b = run(&facts);
    assert_eq!((b.party(), b.since, b.handovers), (None, at(20), 1));
    let b = run(&facts[2..]);
    assert_eq!((b.party(), b.since), (Some(Party::Crew), at(5)));
    assert_eq!(parties(&b), [("crew", "delivery")]);
}

#[test]
fn the_manufacturers_view_of_a_claim_alone() {
    let p = Policy::default();
    let b = claim_ball(at(0), &[], &p);
    assert_eq!(parties(&b), [("manufacturer", "claim")]);
    assert_eq!(b.due_at(), Some(at(0) + Duration::days(14)));
    let facts = [
        fact(
            Fact::ClaimAcknowledged {
                decision_due_at: at(50),
            },
            0,
        ),
        fact(Fact::InformationRequested { answer_by: None }, 10),
    ];
    let b = claim_ball(at(0), &facts, &p);
    assert_eq!(parties(&b), [("retailer", "information")]);
    assert_eq!(b.due_at(), Some(at(10) + Duration::days(7)));
    assert_eq!(b.handovers, 1);
    assert_eq!(claim_ball(at(0), &facts[..1], &p).due_at(), Some(at(50)));
}

#[test]
fn stored_parties_read_back() {
    for p in Party::ALL {
        assert_eq!(Party::parse(p.as_str()), Some(p));
    }
    assert_eq!(Party::parse("nobody"), None);
}
