//! Automation rules: a tenant's keyword rules that tag, prioritise, route and draft a ticket
//! after triage (DESIGN §1, §2). Pure: no I/O, no clock; [`apply`] reads a [`RuleInput`] and
//! says what each matching rule does, the ingest planner then changes the ticket.
//!
//! Semantics, in one place:
//! - Rules run in `position` order (ties by id); disabled rules are skipped; a matching rule
//!   with `stop_processing` ends the run.
//! - Every condition that is set must hold (lists are any-of within themselves).
//! - Conditions read the message as triage left it, not as earlier rules changed it: a rule's
//!   outcome never depends on which other rules exist before it, except through
//!   `stop_processing` and the precedence below.
//! - Tags add up; for priority, assignee and draft the first rule in order that sets one wins.
//! - A ticket at account risk is never lowered in priority, an assigned ticket is not taken
//!   from its agent, and a draft is only ever suggested, never sent.

mod keywords;
mod validate;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{
    AgentId, Channel, FulfillmentChannel, Intent, Priority, Risk, RuleAction, RuleId, TenantId,
};

pub use keywords::KeywordSet;
pub use validate::{
    MAX_KEYWORD_CHARS, MAX_KEYWORDS, MAX_NAME_CHARS, MAX_TAG_CHARS, MAX_TAGS, RuleError, RuleSpec,
    validate,
};

/// A tenant's stored rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub id: RuleId,
    pub tenant: TenantId,
    pub name: String,
    pub enabled: bool,
    /// Evaluation order, lowest first.
    pub position: u32,
    pub conditions: Conditions,
    pub actions: Actions,
    /// No later rule runs once this one matched.
    #[serde(default)]
    pub stop_processing: bool,
    /// Optimistic-locking counter: every write is conditional on it.
    pub version: u64,
    pub updated_at: DateTime<Utc>,
    pub updated_by: AgentId,
}

impl Rule {
    /// A rule from a validated spec, at `version`, last changed by `by` at `at`.
    pub fn from_spec(
        id: RuleId,
        tenant: TenantId,
        spec: RuleSpec,
        version: u64,
        at: DateTime<Utc>,
        by: AgentId,
    ) -> Self {
        Rule {
            id,
            tenant,
            name: spec.name,
            enabled: spec.enabled,
            position: spec.position,
            conditions: spec.conditions,
            actions: spec.actions,
            stop_processing: spec.stop_processing,
            version,
            updated_at: at,
            updated_by: by,
        }
    }
}

/// What must hold for a rule to act; every condition set must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// Any of these channels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<Channel>,
    /// Any of these triaged intents.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intents: Vec<Intent>,
    /// Any of these priorities (as triage set them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub priorities: Vec<Priority>,
    /// Any of these account risks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub risks: Vec<Risk>,
    /// Any of these message languages (ISO 639-1, `it`); a message of unknown language fails.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    /// Words or phrases in subject and body, whole words, ignoring case and accents.
    #[serde(default, skip_serializing_if = "KeywordSet::is_empty")]
    pub keywords: KeywordSet,
    /// Who fulfils the ticket's order: `marketplace` (FBA) or `merchant` (FBM); a ticket
    /// without an order fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment: Option<FulfillmentChannel>,
    /// The customer wrote or ordered before this conversation (true) or is new (false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_customer: Option<bool>,
}

impl Conditions {
    pub fn is_empty(&self) -> bool {
        *self == Conditions::default()
    }
}

/// What a rule does when it matches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actions {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add_tags: Vec<String>,
    /// Raises or lowers the priority, except that a ticket at account risk is never lowered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_priority: Option<Priority>,
    /// Assigns an unassigned ticket to this agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assign_to: Option<AgentId>,
    /// Suggests a reply from this template id; an agent reviews and sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggest_template: Option<String>,
}

impl Actions {
    pub fn is_empty(&self) -> bool {
        *self == Actions::default()
    }
}

/// The message and ticket a run of rules looks at.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleInput<'a> {
    pub channel: Channel,
    pub subject: &'a str,
    pub body: &'a str,
    pub language: Option<&'a str>,
    pub intent: Option<Intent>,
    pub priority: Priority,
    pub risk: Option<Risk>,
    pub fulfillment: Option<FulfillmentChannel>,
    pub repeat_customer: bool,
    /// The ticket's state the actions are weighed against.
    pub tags: &'a BTreeSet<String>,
    pub assignee: Option<&'a AgentId>,
    /// The template the ticket already suggests: suggesting it again changes nothing.
    pub suggested_template: Option<&'a str>,
}

/// One rule that matched and what it changed (possibly nothing: its tags were there already).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleMatch {
    pub rule_id: RuleId,
    pub name: String,
    pub actions: Vec<RuleAction>,
    pub stopped_processing: bool,
}

/// Everything a run decided: per rule, and the resulting changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RuleOutcome {
    pub matched: Vec<RuleMatch>,
    pub tags_added: Vec<String>,
    pub priority: Option<Priority>,
    pub assignee: Option<AgentId>,
    pub suggested_template: Option<(RuleId, String)>,
}

impl RuleOutcome {
    /// True if no rule changed anything.
    pub fn is_noop(&self) -> bool {
        self.matched.iter().all(|m| m.actions.is_empty())
    }
}

/// Whether `rule`'s conditions hold for `input` (its `enabled` flag aside).
pub fn matches(rule: &Rule, input: &RuleInput<'_>) -> bool {
    let c = &rule.conditions;
    any_of(&c.channels, input.channel)
        && (c.intents.is_empty() || input.intent.is_some_and(|i| c.intents.contains(&i)))
        && any_of(&c.priorities, input.priority)
        && (c.risks.is_empty() || input.risk.is_some_and(|r| c.risks.contains(&r)))
        && (c.languages.is_empty()
            || input.language.is_some_and(|tag| {
                // A BCP 47 tag (`pt-BR`) matches its primary language (`pt`).
                let primary = tag.split(['-', '_']).next().unwrap_or(tag);
                c.languages.iter().any(|w| w.eq_ignore_ascii_case(primary))
            }))
        && c.fulfillment.is_none_or(|f| input.fulfillment == Some(f))
        && c.repeat_customer
            .is_none_or(|repeat| repeat == input.repeat_customer)
        && (c.keywords.is_empty() || c.keywords.matches(input.subject, input.body))
}

/// An empty list allows every value.
fn any_of<T: PartialEq>(list: &[T], value: T) -> bool {
    list.is_empty() || list.contains(&value)
}

/// The order rules run in: by `position`, ties by id.
pub fn evaluation_order(a: &Rule, b: &Rule) -> std::cmp::Ordering {
    (a.position, &a.id).cmp(&(b.position, &b.id))
}

/// Runs `rules` on `input`: see the module documentation for the order and precedence.
pub fn apply(rules: &[Rule], input: &RuleInput<'_>) -> RuleOutcome {
    let mut ordered: Vec<&Rule> = rules.iter().filter(|r| r.enabled).collect();
    ordered.sort_by(|a, b| evaluation_order(a, b));

    let mut outcome = RuleOutcome::default();
    let mut tags = input.tags.clone();
    let mut priority = input.priority;
    let mut priority_set = false;
    let mut draft_set = false;
    for rule in ordered {
        if !matches(rule, input) {
            continue;
        }
        let a = &rule.actions;
        let mut done = Vec::new();
        let added: Vec<String> = a
            .add_tags
            .iter()
            .filter(|t| tags.insert((*t).clone()))
            .cloned()
            .collect();
        if !added.is_empty() {
            outcome.tags_added.extend(added.iter().cloned());
            done.push(RuleAction::AddTags { tags: added });
        }
        if let Some(to) = a.set_priority
            && !priority_set
        {
            // A claim, chargeback or negative feedback stays on top whatever a rule says.
            let lowers_risk = input.risk.is_some() && to < priority;
            if !lowers_risk {
                priority_set = true;
                if to != priority {
                    done.push(RuleAction::SetPriority { from: priority, to });
                    priority = to;
                    outcome.priority = Some(to);
                }
            }
        }
        if let Some(agent) = &a.assign_to
            && input.assignee.is_none()
            && outcome.assignee.is_none()
        {
            outcome.assignee = Some(agent.clone());
            done.push(RuleAction::Assign { to: agent.clone() });
        }
        if let Some(template) = &a.suggest_template
            && !draft_set
        {
            draft_set = true;
            if input.suggested_template != Some(template.as_str()) {
                outcome.suggested_template = Some((rule.id.clone(), template.clone()));
                done.push(RuleAction::SuggestDraft {
                    template: template.clone(),
                });
            }
        }
        outcome.matched.push(RuleMatch {
            rule_id: rule.id.clone(),
            name: rule.name.clone(),
            actions: done,
            stopped_processing: rule.stop_processing,
        });
        if rule.stop_processing {
            break;
        }
    }
    outcome
}

#[cfg(test)]
mod tests;
