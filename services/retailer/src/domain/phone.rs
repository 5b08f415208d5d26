//! Phone numbers in E.164 (`+49305550106`), so that a number is found however it was typed:
//! `030 5550106` in Germany, `+49 30 5550106`, `0049 (30) 555-0106`. A number typed without its
//! country code is read in a region: the customer's country when a sale is written, the
//! retailer's country when the desk searches (DE where the code is not a region we know).

use phonenumber::country::Id;
use phonenumber::{Mode, parse};

/// The region `country` (an ISO 3166 alpha-2 code, any case) names, DE if none.
fn region(country: &str) -> Id {
    country.trim().to_uppercase().parse().unwrap_or(Id::DE)
}

/// `raw` in E.164, or `None` when it is not a phone number.
pub fn e164(raw: &str, country: &str) -> Option<String> {
    parse(Some(region(country)), raw)
        .ok()
        .map(|n| n.format().mode(Mode::E164).to_string())
}

/// What a search term typed as (the start of) a phone number means in E.164: `None` when it is
/// not one — letters in it, or fewer than `min_digits` digits.
pub fn e164_prefix(q: &str, country: &str, min_digits: usize) -> Option<String> {
    let phone_like = q
        .chars()
        .all(|c| c.is_ascii_digit() || " +-/().".contains(c));
    let digits = q.chars().filter(char::is_ascii_digit).count();
    if !phone_like || digits < min_digits {
        return None;
    }
    // Too short for the library to read: an international start is still one.
    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    let q = q.trim_start();
    e164(q, country).or_else(|| {
        q.starts_with('+')
            .then(|| format!("+{digits}"))
            .or_else(|| digits.strip_prefix("00").map(|d| format!("+{d}")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_and_international_numbers_read_alike() {
        for typed in [
            "030 5550106",
            "+49 30 5550106",
            "0049 (30) 555-0106",
            "+49305550106",
        ] {
            assert_eq!(
                e164(typed, "DE").as_deref(),
                Some("+49305550106"),
                "{typed}"
            );
        }
        assert_eq!(e164("01 234 56 78", "AT").as_deref(), Some("+4312345678"));
        assert_eq!(e164("not a number", "DE"), None);
    }

    #[test]
    fn a_search_term_is_a_phone_number_only_with_digits_alone() {
        assert_eq!(e164_prefix("030 555", "DE", 4).as_deref(), Some("+4930555"));
        assert_eq!(e164_prefix("SN-1234", "DE", 4), None);
        assert_eq!(e164_prefix("030", "DE", 4), None);
        assert_eq!(e164_prefix("+49 30", "DE", 4).as_deref(), Some("+4930"));
    }
}
