//! The manufacturer's claim analytics: counts and shares per product and defect category, the
//! acceptance rate. Pure: it aggregates counts the database grouped.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

/// Claims of one product (sku) with one defect category, as the database counts them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupCount {
    pub sku: String,
    pub product_name: String,
    pub defect_category: String,
    pub claims: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    pub key: String,
    pub claims: i64,
    /// `claims` over the whole it is part of, 0 to 1 with four places.
    pub share: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductShare {
    pub sku: String,
    pub name: String,
    pub claims: i64,
    pub share: Decimal,
    /// The product's claims per defect category; shares of the product's claims.
    pub defect_categories: Vec<Share>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breakdown {
    pub claims: i64,
    /// Most claims first, then by sku.
    pub by_product: Vec<ProductShare>,
    /// Most claims first, then by category.
    pub by_defect_category: Vec<Share>,
}

/// `part / whole` rounded to four places; `None` when the whole is zero.
pub fn ratio(part: i64, whole: i64) -> Option<Decimal> {
    if whole <= 0 {
        return None;
    }
    let mut r = (Decimal::from(part) / Decimal::from(whole)).round_dp(4);
    r.rescale(4);
    Some(r)
}

fn shares(counts: BTreeMap<String, i64>, whole: i64) -> Vec<Share> {
    let mut out: Vec<Share> = counts
        .into_iter()
        .map(|(key, claims)| Share {
            key,
            claims,
            share: ratio(claims, whole).unwrap_or_default(),
        })
        .collect();
    out.sort_by(|a, b| b.claims.cmp(&a.claims).then_with(|| a.key.cmp(&b.key)));
    out
}

pub fn breakdown(groups: &[GroupCount]) -> Breakdown {
    let total: i64 = groups.iter().map(|g| g.claims).sum();
    let mut products: BTreeMap<&str, (String, BTreeMap<String, i64>)> = BTreeMap::new();
    let mut categories: BTreeMap<String, i64> = BTreeMap::new();
    for g in groups {
        let (_, cats) = products
            .entry(&g.sku)
            .or_insert_with(|| (g.product_name.clone(), BTreeMap::new()));
        *cats.entry(g.defect_category.clone()).or_default() += g.claims;
        *categories.entry(g.defect_category.clone()).or_default() += g.claims;
    }
    let mut by_product: Vec<ProductShare> = products
        .into_iter()
        .map(|(sku, (name, cats))| {
            let claims = cats.values().sum();
            ProductShare {
                sku: sku.to_owned(),
                name,
                claims,
                share: ratio(claims, total).unwrap_or_default(),
                defect_categories: shares(cats, claims),
            }
        })
        .collect();
    by_product.sort_by(|a, b| b.claims.cmp(&a.claims).then_with(|| a.sku.cmp(&b.sku)));
    Breakdown {
        claims: total,
        by_product,
        by_defect_category: shares(categories, total),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn g(sku: &str, cat: &str, claims: i64) -> GroupCount {
        GroupCount {
            sku: sku.into(),
            product_name: format!("Product {sku}"),
            defect_category: cat.into(),
            claims,
        }
    }

    #[test]
    fn shares_per_product_and_category() {
        let b = breakdown(&[g("A", "noise", 1), g("A", "leak", 2), g("B", "leak", 1)]);
        assert_eq!(b.claims, 4);
        assert_eq!(b.by_product[0].sku, "A");
        assert_eq!(b.by_product[0].claims, 3);
        assert_eq!(b.by_product[0].share.to_string(), "0.7500");
        assert_eq!(b.by_product[0].defect_categories[0].key, "leak");
        assert_eq!(
            b.by_product[0].defect_categories[0].share.to_string(),
            "0.6667"
        );
        assert_eq!(b.by_product[1].share.to_string(), "0.2500");
        assert_eq!(b.by_defect_category[0].key, "leak");
        assert_eq!(b.by_defect_category[0].claims, 3);
        assert_eq!(b.by_defect_category[1].share.to_string(), "0.2500");
    }

    #[test]
    fn nothing_to_count() {
        let b = breakdown(&[]);
        assert_eq!(b.claims, 0);
        assert!(b.by_product.is_empty());
        assert_eq!(ratio(1, 0), None);
        assert_eq!(ratio(2, 3).unwrap().to_string(), "0.6667");
        assert_eq!(ratio(1, 1).unwrap().to_string(), "1.0000");
    }
}
