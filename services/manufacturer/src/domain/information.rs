//! The outcome "information requested": the manufacturer sends a claim back to the retailer
//! with a question and a deadline for the answer. The claim is `information_requested` (the
//! ball is with the retailer) until the answer arrives — then it returns to the status it came
//! from with a fresh decision deadline — or until the answer deadline passes: then the claim is
//! rejected by the rule `information_not_provided` with reason code [`NO_INFORMATION`] (the
//! retailer may dispute that rejection once, as any other).

use chrono::{DateTime, TimeDelta, Utc};

use super::claim::ClaimStatus;
use super::input::Invalid;

/// Longest question or answer.
pub const TEXT_MAX: usize = 4000;
/// The reason code of a claim rejected because the retailer did not answer in time.
pub const NO_INFORMATION: &str = "no_information";
/// The rule that rejects it.
pub const RULE: &str = "information_not_provided";
/// The answer deadline when the manufacturer names none.
pub const DEFAULT_ANSWER_DAYS: i64 = 14;
/// The latest answer deadline the manufacturer may set.
pub const MAX_ANSWER_DAYS: i64 = 90;

/// A question as the client sent it (text, so each part is a field error).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QuestionInput {
    pub question: Option<String>,
    /// RFC 3339; absent: [`DEFAULT_ANSWER_DAYS`] from now.
    pub answer_by: Option<String>,
}

/// A valid question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub question: String,
    pub answer_by: DateTime<Utc>,
}

/// Trimmed text of 1 to [`TEXT_MAX`] characters without control characters (but line breaks
/// and tabs); `field` names it in the error.
pub fn text(field: &str, value: &str) -> Result<String, Invalid> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Invalid::new(field, "must not be empty"));
    }
    if v.chars().count() > TEXT_MAX {
        return Err(Invalid::new(
            field,
            format!("must be at most {TEXT_MAX} characters"),
        ));
    }
    if v.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Invalid::new(field, "must not contain control characters"));
    }
    Ok(v.to_owned())
}

impl QuestionInput {
    /// Checks the question at `now`: text, and an answer deadline after `now` and at most
    /// [`MAX_ANSWER_DAYS`] ahead.
    pub fn parse(&self, now: DateTime<Utc>) -> Result<Question, Vec<Invalid>> {
        let mut errors = Vec::new();
        let question = match self.question.as_deref() {
            None => {
                errors.push(Invalid::new(
                    "question",
                    "is required to request information",
                ));
                None
            }
            Some(q) => text("question", q).map_err(|e| errors.push(e)).ok(),
        };
        let answer_by = match self.answer_by.as_deref() {
            None => Some(now + TimeDelta::days(DEFAULT_ANSWER_DAYS)),
            Some(t) => match DateTime::parse_from_rfc3339(t.trim()) {
                Ok(t) => {
                    let t = t.with_timezone(&Utc);
                    if t <= now {
                        errors.push(Invalid::new("answer_by", "must be in the future"));
                        None
                    } else if t > now + TimeDelta::days(MAX_ANSWER_DAYS) {
                        errors.push(Invalid::new(
                            "answer_by",
                            format!("must be at most {MAX_ANSWER_DAYS} days ahead"),
                        ));
                        None
                    } else {
                        Some(t)
                    }
                }
                Err(_) => {
                    errors.push(Invalid::new("answer_by", "must be an RFC 3339 time"));
                    None
                }
            },
        };
        match (question, answer_by) {
            (Some(question), Some(answer_by)) if errors.is_empty() => Ok(Question {
                question,
                answer_by,
            }),
            _ => Err(errors),
        }
    }
}

/// Whether a claim in `status` may be sent back with a question: only one the manufacturer could
/// decide now (pending, its unit arrived, disputed).
pub fn may_ask(status: ClaimStatus) -> bool {
    status.is_decidable()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(e: Vec<Invalid>) -> Vec<String> {
        e.into_iter().map(|i| i.field).collect()
    }

    #[test]
    fn a_question_needs_text_and_a_deadline_ahead() {
        let now = Utc::now();
        let q = QuestionInput {
            question: Some("  Which cycle was running?  ".into()),
            answer_by: None,
        }
        .parse(now)
        .unwrap();
        assert_eq!(q.question, "Which cycle was running?");
        assert_eq!(q.answer_by, now + TimeDelta::days(DEFAULT_ANSWER_DAYS));
        assert_eq!(
            fields(QuestionInput::default().parse(now).unwrap_err()),
            ["question"]
        );
        let bad = QuestionInput {
            question: Some("a\u{0}b".into()),
            answer_by: Some((now - TimeDelta::hours(1)).to_rfc3339()),
        };
        assert_eq!(
            fields(bad.parse(now).unwrap_err()),
            ["question", "answer_by"]
        );
        let far = QuestionInput {
            question: Some("?".into()),
            answer_by: Some((now + TimeDelta::days(MAX_ANSWER_DAYS + 1)).to_rfc3339()),
        };
        assert_eq!(fields(far.parse(now).unwrap_err()), ["answer_by"]);
        assert!(may_ask(ClaimStatus::Pending));
        assert!(may_ask(ClaimStatus::Disputed));
        assert!(!may_ask(ClaimStatus::Accepted));
        assert!(!may_ask(ClaimStatus::InformationRequested));
    }
}
