//! AWS Organizations' identifiers as the organization condition keys hold them. An
//! organization's id is `o-` and 10 to 32 lowercase letters or digits; an account's path in it
//! is the organization, its root (`r-` and 4 to 32) and each organizational unit down to the
//! account (`ou-`, 4 to 32, `-`, 8 to 32), each followed by `/`
//! (`o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/`). The patterns are the Organizations API
//! reference's; the path's form is the IAM guide's for `aws:PrincipalOrgPaths`. A value of
//! neither shape is in no request: a condition that needs one lets nobody in.

use crate::{
    evaluate::{missing_key, Tri},
    pattern::{has_variable, has_wildcard, strip_prefix_ignore_case},
    policy::{BaseOperator, Condition, Operator, Statement},
    text::text,
    validity::holds_opaque,
};

/// What an organization condition key holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrgKey {
    /// `aws:PrincipalOrgID`, `aws:ResourceOrgID`, `aws:SourceOrgID`.
    Id,
    /// `aws:PrincipalOrgPaths`, `aws:ResourceOrgPaths`, `aws:SourceOrgPaths`.
    Path,
}

/// The kind of organization key `key` is, or `None` for another key. Names ignore case.
pub(crate) fn org_key(key: &str) -> Option<OrgKey> {
    // Most keys are no organization key: told by their length (`aws:SourceOrgID` to
    // `aws:PrincipalOrgPaths`) and last letter first.
    if !(15..=21).contains(&key.len()) || !matches!(key.as_bytes().last(), Some(b'D' | b'd' | b'S' | b's')) {
        return None;
    }
    let whose = strip_prefix_ignore_case(key, "aws:")?;
    let what = ["Principal", "Resource", "Source"]
        .into_iter()
        .find_map(|owner| strip_prefix_ignore_case(whose, owner))?;
    if what.eq_ignore_ascii_case("OrgID") {
        Some(OrgKey::Id)
    } else if what.eq_ignore_ascii_case("OrgPaths") {
        Some(OrgKey::Path)
    } else {
        None
    }
}

/// A condition of the Allow `s` that no request meets: a positive string comparison of an
/// organization key whose every value is no organization id or path, nor a pattern one matches
/// (`O-ABC123` in capitals, `r-ab12` for the organization, a path without its last `/`). A caller
/// in no organization sends no such key, and fails it too. A value with a variable or one a
/// template leaves open may be any.
pub(crate) fn organization_none_has<'p>(s: &'p Statement<'p>) -> Option<&'p Condition<'p>> {
    s.conditions.iter().find(|c| holds_for_no_request(c))
}

/// Whether `condition` holds for no request: the test of [`organization_none_has`].
pub(crate) fn holds_for_no_request(condition: &Condition) -> bool {
    let Operator::Known { base, set, if_exists } = condition.operator else {
        return false;
    };
    let Some(kind) = org_key(&condition.key) else {
        return false;
    };
    let Some((like, folds)) = base.positive_string_comparison() else {
        return false;
    };
    !condition.values.is_empty()
        && missing_key(base, set, if_exists, &condition.values) == Tri::False
        && (condition.values.iter()).all(|v| !may_be_held(v, kind, like, folds))
}

/// Whether `condition` holds for every request: a negated string comparison of an organization
/// key (`StringNotEquals aws:PrincipalOrgID O-ABC123DEFG`) whose every value is no id or path
/// ([`organization_none_has`]), under an operator that holds where the key is missing too. A
/// perimeter Deny so written stops everyone it names, its own organization's callers included.
pub(crate) fn holds_for_every_request(condition: &Condition) -> bool {
    let Operator::Known { base, set, if_exists } = condition.operator else {
        return false;
    };
    let Some((like, folds)) = base.negated_string_comparison() else {
        return false;
    };
    org_key(&condition.key).is_some_and(|kind| {
        !condition.values.is_empty()
            && missing_key(base, set, if_exists, &condition.values) == Tri::True
            && (condition.values.iter()).all(|v| !may_be_held(v, kind, like, folds))
    })
}

/// Whether `key` is an organization key that never holds `value` as `base` compares it (a
/// negated operator as its positive form).
pub(crate) fn never_held(key: &str, base: BaseOperator, value: &str) -> bool {
    let Some((like, folds)) = base.positive_string_comparison().or(base.negated_string_comparison()) else {
        return false;
    };
    org_key(key).is_some_and(|kind| !may_be_held(value, kind, like, folds))
}

/// Whether some organization id or path (per `kind`) is `value`, or matches it as a `StringLike`
/// pattern (`like`), or equals it ignoring case (`folds`).
fn may_be_held(value: &str, kind: OrgKey, like: bool, folds: bool) -> bool {
    // What IAM's case folding makes of a character beyond ASCII is not documented.
    if has_variable(value) || holds_opaque(value) || (folds && !value.is_ascii()) {
        return true;
    }
    let lower;
    let value = if folds {
        lower = value.to_ascii_lowercase();
        lower.as_str()
    } else {
        value
    };
    if !(like && has_wildcard(value)) {
        return match kind {
            OrgKey::Id => is_org_id(value),
            OrgKey::Path => is_org_path(value),
        };
    }
    // A pattern: each of its other characters must be one an id or a path holds, it must start
    // as they do (`o-`), and a path's must end as every path does (`/`).
    let wildcard = |b: u8| b == b'*' || b == b'?';
    let held = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || (kind == OrgKey::Path && b == b'/');
    let starts = (value.bytes().zip(*b"o-"))
        .take_while(|(b, _)| !wildcard(*b))
        .all(|(b, wanted)| b == wanted);
    let ends = kind == OrgKey::Id || value.ends_with(['/', '*', '?']);
    value.bytes().all(|b| wildcard(b) || held(b)) && starts && ends
}

fn lower_alphanumerics(text: &str, lengths: std::ops::RangeInclusive<usize>) -> bool {
    lengths.contains(&text.len()) && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// `o-` and 10 to 32 lowercase letters or digits.
pub(crate) fn is_org_id(text: &str) -> bool {
    text.strip_prefix("o-")
        .is_some_and(|id| lower_alphanumerics(id, 10..=32))
}

fn is_root_id(text: &str) -> bool {
    text.strip_prefix("r-")
        .is_some_and(|id| lower_alphanumerics(id, 4..=32))
}

fn is_ou_id(text: &str) -> bool {
    let Some((root, own)) = text.strip_prefix("ou-").and_then(|id| id.split_once('-')) else {
        return false;
    };
    lower_alphanumerics(root, 4..=32) && lower_alphanumerics(own, 8..=32)
}

/// `o-…/r-…/` and any organizational units, each followed by `/`.
pub(crate) fn is_org_path(text: &str) -> bool {
    let Some(inner) = text.strip_suffix('/') else {
        return false;
    };
    let mut parts = inner.split('/');
    parts.next().is_some_and(is_org_id) && parts.next().is_some_and(is_root_id) && parts.all(is_ou_id)
}

/// The id or path a value no organization has was meant as, when a slip of form alone made it
/// so: letters in capitals, spaces around it, a path's last `/` left out. `None` when that is
/// not enough, or when the value mended would name no one organization: an id's pattern
/// (`O-*` would become every organization's), a path's whose organization is one.
fn meant(value: &str, kind: OrgKey, like: bool) -> Option<String> {
    let mut fixed = value.trim().to_ascii_lowercase();
    if kind == OrgKey::Path && !fixed.ends_with(['/', '*']) {
        // The smaller reading: the accounts right in that unit, not all below it too.
        fixed.push('/');
    }
    let organization = fixed.split('/').next().unwrap_or_default();
    let one_organization = !has_wildcard(organization);
    (one_organization && may_be_held(&fixed, kind, like, false)).then_some(fixed)
}

/// The values of `condition`, which no organization's id or path meets, as [`meant`] each; `None`
/// when one of them is no slip of form.
pub(crate) fn mended(condition: &Condition) -> Option<Vec<String>> {
    let kind = org_key(&condition.key)?;
    let like = matches!(condition.operator, Operator::Known { base, .. } if base.reads_wildcards());
    condition.values.iter().map(|v| meant(v, kind, like)).collect()
}

/// What to write for `condition` of statement `index`, which no organization's id or path meets.
pub(crate) fn fix_text(condition: &Condition, index: usize) -> String {
    let form = match org_key(&condition.key).unwrap_or(OrgKey::Id) {
        OrgKey::Id => "an organization's id is o- and 10 to 32 lowercase letters or digits (aws organizations describe-organization)",
        OrgKey::Path => "a path is the organization's id, its root's and its units' (aws organizations list-parents), each followed by /",
    };
    match mended(condition) {
        Some(values) => text!(
            "write ",
            condition.key.as_ref(),
            " in statement ",
            index,
            " as ",
            values.join(", "),
            ", as AWS Organizations writes it: ",
            form
        ),
        None => text!(
            "write the value of ",
            condition.key.as_ref(),
            " in statement ",
            index,
            " as AWS Organizations writes it (",
            form,
            "), or remove the statement"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_told_by_name_in_any_case() {
        assert_eq!(org_key("aws:PrincipalOrgID"), Some(OrgKey::Id));
        assert_eq!(org_key("AWS:sourceorgid"), Some(OrgKey::Id));
        assert_eq!(org_key("aws:ResourceOrgPaths"), Some(OrgKey::Path));
        for other in [
            "aws:PrincipalAccount",
            "aws:PrincipalOrgIDs",
            "aws:OrgID",
            "aws:SourceVpc",
            "PrincipalOrgID",
        ] {
            assert_eq!(org_key(other), None, "{other}");
        }
    }

    #[test]
    fn ids_and_paths_have_the_organizations_api_s_forms() {
        assert!(is_org_id("o-a1b2c3d4e5") && is_org_id(&format!("o-{}", "a".repeat(32))));
        for not in [
            "O-A1B2C3D4E5",
            "o-a1b2c3d4e",
            "o-a1b2c3d4e5-",
            "r-ab12",
            "123456789012",
            "o-",
            "",
        ] {
            assert!(!is_org_id(not), "{not}");
        }
        assert!(is_org_path("o-a1b2c3d4e5/r-ab12/"));
        assert!(is_org_path("o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ou-ab12-22222222/"));
        for not in [
            "o-a1b2c3d4e5/r-ab12",
            "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111",
            "o-a1b2c3d4e5/",
            "o-a1b2c3d4e5/ou-ab12-11111111/",
            "o-a1b2c3d4e5/r-ab12/ou-ab12/",
            "O-A1B2C3D4E5/R-AB12/",
            "/o-a1b2c3d4e5/r-ab12/",
        ] {
            assert!(!is_org_path(not), "{not}");
        }
    }

    #[test]
    fn patterns_are_judged_by_their_letters_start_and_end() {
        for (pattern, kind, may) in [
            ("o-*", OrgKey::Id, true),
            ("*", OrgKey::Id, true),
            ("O-*", OrgKey::Id, false),
            ("r-*", OrgKey::Id, false),
            ("?-*", OrgKey::Id, true),
            ("o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*", OrgKey::Path, true),
            ("o-a1b2c3d4e5/*/ou-ab12-11111111/", OrgKey::Path, true),
            ("o-a1b2c3d4e5/r-ab12/ou-ab12-*", OrgKey::Path, true),
            ("o-a1b2c3d4e5/r-ab12/ou-ab12-1111111?", OrgKey::Path, true),
            ("o-a1b2c3d4e5/*/ou-ab12-11111111", OrgKey::Path, false),
            ("o-a1b2c3d4e5/*/OU-AB12-11111111/*", OrgKey::Path, false),
            ("o-a1b2c3d4e5/r-ab12/ou-ab12-11111111 /*", OrgKey::Path, false),
        ] {
            assert_eq!(may_be_held(pattern, kind, true, false), may, "{pattern}");
            // Compared as written, a `*` is in no id or path.
            assert!(!may_be_held(pattern, kind, false, false), "{pattern} as written");
        }
        assert!(may_be_held("${aws:ResourceOrgID}", OrgKey::Id, false, false));
        assert!(may_be_held("O-A1B2C3D4E5", OrgKey::Id, false, true), "IgnoreCase");
    }

    #[test]
    fn slips_of_form_are_mended_and_others_are_not() {
        // (value, kind, under StringLike, as mended)
        for (value, kind, like, mended) in [
            (" O-A1B2C3D4E5 ", OrgKey::Id, false, Some("o-a1b2c3d4e5")),
            (
                "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111",
                OrgKey::Path,
                false,
                Some("o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/"),
            ),
            // The accounts right in the unit, not all below it too: the smaller reading.
            (
                "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111",
                OrgKey::Path,
                true,
                Some("o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/"),
            ),
            ("O-A1B2C3D4E5/*", OrgKey::Path, true, Some("o-a1b2c3d4e5/*")),
            // Mended, these would name every organization.
            ("O-*", OrgKey::Id, true, None),
            ("*/R-AB12/*", OrgKey::Path, true, None),
            ("r-ab12", OrgKey::Id, false, None),
            // Too short: no slip of form.
            ("o-abc", OrgKey::Id, false, None),
        ] {
            assert_eq!(meant(value, kind, like).as_deref(), mended, "{value}");
        }
    }
}
