//! What an admin may save as a rule: checked once on save, so ingestion never meets a rule it
//! cannot run.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{Actions, Conditions, KeywordSet};

pub const MAX_NAME_CHARS: usize = 100;
/// Per keyword list.
pub const MAX_KEYWORDS: usize = 200;
pub const MAX_KEYWORD_CHARS: usize = 100;
pub const MAX_TAGS: usize = 30;
pub const MAX_TAG_CHARS: usize = 50;
const MAX_TEMPLATE_ID_CHARS: usize = 100;

/// A rule as an admin writes it (create, replace, or try out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub name: String,
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    /// Evaluation order, lowest first.
    #[serde(default)]
    pub position: u32,
    pub conditions: Conditions,
    pub actions: Actions,
    #[serde(default)]
    pub stop_processing: bool,
}

fn enabled_by_default() -> bool {
    true
}

/// Why a rule cannot be saved, naming the field (`conditions.keywords.any_of[3]`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct RuleError {
    pub field: String,
    pub reason: String,
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> RuleError {
    RuleError {
        field: field.into(),
        reason: reason.into(),
    }
}

/// One line of text: trimmed, not blank, at most `max` chars, no control characters.
fn line(field: &str, value: &str, max: usize) -> Result<String, RuleError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(invalid(field, "must not be blank"));
    }
    if value.chars().count() > max {
        return Err(invalid(field, format!("is longer than {max} chars")));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(
            field,
            "must be one line without control characters",
        ));
    }
    Ok(value.to_owned())
}

/// A list of lines, trimmed, deduplicated in order, `normalise` applied to each.
fn lines(
    field: &str,
    values: &[String],
    max_len: usize,
    max_chars: usize,
    normalise: impl Fn(String) -> String,
) -> Result<Vec<String>, RuleError> {
    if values.len() > max_len {
        return Err(invalid(field, format!("has more than {max_len} entries")));
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let v = normalise(line(&format!("{field}[{i}]"), v, max_chars)?);
        if seen.insert(v.clone()) {
            out.push(v);
        }
    }
    Ok(out)
}

fn keywords(field: &str, values: &[String]) -> Result<Vec<String>, RuleError> {
    let out = lines(field, values, MAX_KEYWORDS, MAX_KEYWORD_CHARS, |k| k)?;
    for (i, k) in out.iter().enumerate() {
        // A keyword of punctuation only can never be a whole word.
        if !k.chars().any(char::is_alphanumeric) {
            return Err(invalid(
                format!("{field}[{i}]"),
                "must contain a letter or digit",
            ));
        }
    }
    Ok(out)
}

/// Checks `spec` and returns it normalised (trimmed, tags and languages lowercased, lists
/// deduplicated).
pub fn validate(spec: &RuleSpec) -> Result<RuleSpec, RuleError> {
    let name = line("name", &spec.name, MAX_NAME_CHARS)?;
    let c = &spec.conditions;
    let k = &c.keywords;
    let keywords = KeywordSet {
        any_of: keywords("conditions.keywords.any_of", &k.any_of)?,
        all_of: keywords("conditions.keywords.all_of", &k.all_of)?,
        none_of: keywords("conditions.keywords.none_of", &k.none_of)?,
    };
    let languages = lines("conditions.languages", &c.languages, 10, 2, |l| {
        l.to_ascii_lowercase()
    })?;
    if let Some(i) = languages
        .iter()
        .position(|l| l.len() != 2 || !l.bytes().all(|b| b.is_ascii_lowercase()))
    {
        return Err(invalid(
            format!("conditions.languages[{i}]"),
            "must be a two-letter ISO 639-1 code such as `it`",
        ));
    }
    let conditions = Conditions {
        channels: dedup(&c.channels),
        intents: dedup(&c.intents),
        priorities: dedup(&c.priorities),
        risks: dedup(&c.risks),
        languages,
        keywords,
        fulfillment: c.fulfillment,
        repeat_customer: c.repeat_customer,
    };
    if conditions.is_empty() {
        return Err(invalid("conditions", "needs at least one condition"));
    }
    // Only none_of would match nearly every message: still a condition, allowed on purpose
    // ("everything not mentioning X").

    let a = &spec.actions;
    let add_tags = lines(
        "actions.add_tags",
        &a.add_tags,
        MAX_TAGS,
        MAX_TAG_CHARS,
        |t| t.to_lowercase(),
    )?;
    let suggest_template = a
        .suggest_template
        .as_deref()
        .map(|t| {
            let t = line("actions.suggest_template", t, MAX_TEMPLATE_ID_CHARS)?;
            if !t
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(invalid(
                    "actions.suggest_template",
                    "must be a template id (letters, digits, `_`, `-`)",
                ));
            }
            Ok(t)
        })
        .transpose()?;
    let actions = Actions {
        add_tags,
        set_priority: a.set_priority,
        assign_to: a.assign_to.clone(),
        suggest_template,
    };
    if actions.is_empty() {
        return Err(invalid("actions", "needs at least one action"));
    }
    Ok(RuleSpec {
        name,
        enabled: spec.enabled,
        position: spec.position,
        conditions,
        actions,
        stop_processing: spec.stop_processing,
    })
}

fn dedup<T: PartialEq + Clone>(values: &[T]) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for v in values {
        if !out.contains(v) {
            out.push(v.clone());
        }
    }
    out
}
