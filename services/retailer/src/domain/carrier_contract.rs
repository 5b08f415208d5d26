//! The terms of a carrier contract (issue 18), checked once: postcode prefixes (letters and
//! digits, upper-cased, each inside the carrier's granted regions), ISO weekdays, a daily
//! capacity.

/// Most prefixes one contract lists.
pub const PREFIXES_MAX: usize = 50;
/// Longest prefix.
pub const PREFIX_MAX: usize = 10;
/// Highest daily capacity.
pub const CAPACITY_MAX: i64 = 10_000;

/// Checked terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub postcode_prefixes: Vec<String>,
    /// Sorted, each 1 (Monday) to 7 (Sunday); empty: every day.
    pub weekdays: Vec<i32>,
    pub daily_capacity: Option<i32>,
}

/// Parses the terms; the errors per field (`postcode_prefixes`, `weekdays`, `daily_capacity`).
pub fn parse_terms(
    prefixes: &[String],
    weekdays: &[i64],
    daily_capacity: Option<i64>,
) -> Result<Terms, Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    let mut out: Vec<String> = Vec::new();
    if prefixes.is_empty() {
        errors.push(("postcode_prefixes", "list at least one prefix".to_owned()));
    } else if prefixes.len() > PREFIXES_MAX {
        errors.push((
            "postcode_prefixes",
            format!("list at most {PREFIXES_MAX} prefixes"),
        ));
    }
    for p in prefixes {
        let p = p.trim();
        let len = p.chars().count();
        if len == 0 || len > PREFIX_MAX || !p.chars().all(|c| c.is_ascii_alphanumeric()) {
            errors.push((
                "postcode_prefixes",
                format!("{p:?}: each prefix is 1 to {PREFIX_MAX} letters or digits"),
            ));
            continue;
        }
        let p = p.to_ascii_uppercase();
        if !out.contains(&p) {
            out.push(p);
        }
    }
    let mut days = Vec::new();
    for d in weekdays {
        match i32::try_from(*d).ok().filter(|d| (1..=7).contains(d)) {
            Some(d) if !days.contains(&d) => days.push(d),
            Some(_) => {}
            None => errors.push((
                "weekdays",
                format!("{d}: weekdays are 1 (Monday) to 7 (Sunday)"),
            )),
        }
    }
    days.sort_unstable();
    let capacity = match daily_capacity {
        None => None,
        Some(n) if (1..=CAPACITY_MAX).contains(&n) => i32::try_from(n).ok(),
        Some(_) => {
            errors.push((
                "daily_capacity",
                format!("must be between 1 and {CAPACITY_MAX}"),
            ));
            None
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Terms {
        postcode_prefixes: out,
        weekdays: days,
        daily_capacity: capacity,
    })
}

/// The prefixes that lie outside the carrier's granted `regions` (a prefix is inside when it
/// starts with a granted one).
pub fn outside(prefixes: &[String], regions: &[String]) -> Vec<String> {
    prefixes
        .iter()
        .filter(|p| !regions.iter().any(|r| p.starts_with(r.as_str())))
        .cloned()
        .collect()
}

/// A weekday list in words ("every day" when empty).
pub fn days_text(weekdays: &[i32]) -> String {
    const NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    if weekdays.is_empty() {
        return "every day".to_owned();
    }
    weekdays
        .iter()
        .filter_map(|d| usize::try_from(*d - 1).ok().and_then(|i| NAMES.get(i)))
        .copied()
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn terms_are_normalised_and_checked_per_field() {
        let t = parse_terms(&v(&[" 10", "sw1", "10"]), &[5, 1, 1], Some(3)).unwrap();
        assert_eq!(t.postcode_prefixes, v(&["10", "SW1"]));
        assert_eq!(t.weekdays, [1, 5]);
        assert_eq!(t.daily_capacity, Some(3));
        let errs = parse_terms(&v(&["1 0"]), &[0, 8], Some(0)).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.0).collect();
        assert_eq!(
            fields,
            [
                "postcode_prefixes",
                "weekdays",
                "weekdays",
                "daily_capacity"
            ]
        );
        assert!(parse_terms(&[], &[], None).is_err());
    }

    #[test]
    fn a_contract_lies_inside_the_carriers_regions() {
        assert!(outside(&v(&["10", "101"]), &v(&["10"])).is_empty());
        assert_eq!(outside(&v(&["1", "80"]), &v(&["10"])), ["1", "80"]);
        assert_eq!(days_text(&[]), "every day");
        assert_eq!(days_text(&[1, 6]), "Mon, Sat");
    }
}
