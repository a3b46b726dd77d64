//! A tenant's effective configuration: its SLA policies and reply templates as stored, with the
//! shipped defaults where it has none of its own, plus the rules a change must keep.
//!
//! Semantics (docs/api.md "SLA policies", "Templates"):
//! - Policies: a tenant without a stored policy uses [`seed_policies`]. Its first write copies
//!   the seed set into its partition together with the change (one transaction), so from then
//!   on the stored set is the whole set and the seed no longer applies. Selection takes the
//!   narrowest policy first: policies with match criteria before plain ones, a channel's own
//!   before `any`, then by id.
//! - No change may leave a channel that had a catch-all policy (no match criteria) without one.
//! - Templates: the starter set plus the tenant's own; a tenant template with a starter id
//!   overrides it. Every variant must pass the compliance checker of each channel it serves.
//!
//! The pure parts take their inputs; [`ConfigCache`] reads through a [`ConfigStore`] with a TTL.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::automation::Rule;
use crate::compliance::{self, CheckRequest, Finding, Severity};
use crate::domain::{Channel, TenantId};
use crate::sla::{ChannelScope, SlaPolicy, seed_policies};
use crate::store::{ConfigStore, StoreResult, Stored, StoredConfig};
use crate::templates::{Template, TemplateId, starter, starter_set};
use crate::tenant_cache::TenantCache;

/// How long workers reuse a tenant's configuration before reading it again.
pub const CONFIG_TTL: Duration = Duration::from_secs(60);

/// Selection order: narrower policies first (match criteria, then a channel of its own).
pub fn narrowest_first(a: &SlaPolicy, b: &SlaPolicy) -> Ordering {
    let rank = |p: &SlaPolicy| {
        (
            p.matches.is_empty(),
            p.channel == ChannelScope::Any,
            p.id.clone(),
        )
    };
    rank(a).cmp(&rank(b))
}

/// Puts stored policies in selection order.
pub fn in_selection_order(mut policies: Vec<SlaPolicy>) -> Vec<SlaPolicy> {
    policies.sort_by(narrowest_first);
    policies
}

/// The policies SLA clocks use for a tenant: its stored set in selection order, or the seed
/// set when it has stored none (`defaults` tells which).
#[derive(Debug, Clone, PartialEq)]
pub struct EffectivePolicies {
    pub policies: Vec<SlaPolicy>,
    pub defaults: bool,
}

pub fn effective_policies(stored: &[Stored<SlaPolicy>]) -> EffectivePolicies {
    if stored.is_empty() {
        return EffectivePolicies {
            policies: seed_policies(),
            defaults: true,
        };
    }
    EffectivePolicies {
        policies: in_selection_order(stored.iter().map(|s| s.entry.clone()).collect()),
        defaults: false,
    }
}

/// Channels with a policy that applies to every one of their tickets (no match criteria).
pub fn covered_channels(policies: &[SlaPolicy]) -> Vec<Channel> {
    Channel::ALL
        .into_iter()
        .filter(|c| {
            policies
                .iter()
                .any(|p| p.matches.is_empty() && p.channel.includes(*c))
        })
        .collect()
}

/// The channels covered by `before` but not by `after`: a change that leaves any is refused.
pub fn lost_coverage(before: &[SlaPolicy], after: &[SlaPolicy]) -> Vec<Channel> {
    let still = covered_channels(after);
    covered_channels(before)
        .into_iter()
        .filter(|c| !still.contains(c))
        .collect()
}

/// Where a listed template comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateOrigin {
    /// Shipped, not changed by the tenant.
    Starter,
    /// The tenant's own wording of a starter template.
    Override,
    /// A template the tenant created.
    Tenant,
}

/// A template as a tenant sees it, with its version (0 for an unchanged starter one).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EffectiveTemplate {
    pub template: Template,
    pub origin: TemplateOrigin,
    pub version: u64,
}

pub fn effective_template(stored: Option<Stored<Template>>, id: &str) -> Option<EffectiveTemplate> {
    match stored {
        Some(s) => Some(EffectiveTemplate {
            origin: if starter(s.entry.id.as_str()).is_some() {
                TemplateOrigin::Override
            } else {
                TemplateOrigin::Tenant
            },
            version: s.version,
            template: s.entry,
        }),
        None => starter(id).map(|t| EffectiveTemplate {
            template: t.clone(),
            origin: TemplateOrigin::Starter,
            version: 0,
        }),
    }
}

/// The starter set with the tenant's overrides in place, then the tenant's own, by id.
pub fn effective_templates(stored: &[Stored<Template>]) -> Vec<EffectiveTemplate> {
    let mut by_id: HashMap<&TemplateId, &Stored<Template>> =
        stored.iter().map(|s| (&s.entry.id, s)).collect();
    let mut list: Vec<EffectiveTemplate> = starter_set()
        .iter()
        .map(|t| {
            effective_template(by_id.remove(&t.id).cloned(), t.id.as_str())
                .expect("a starter id always resolves")
        })
        .collect();
    let mut own: Vec<EffectiveTemplate> = by_id
        .into_values()
        .filter_map(|s| effective_template(Some(s.clone()), s.entry.id.as_str()))
        .collect();
    own.sort_by(|a, b| a.template.id.cmp(&b.template.id));
    list.extend(own);
    list
}

/// A blocking compliance finding of one template variant on one channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantFinding {
    /// Index into the template's `variants`.
    pub variant: usize,
    pub channel: Channel,
    #[serde(flatten)]
    pub finding: Finding,
}

/// Checks every variant against the rules of each channel it serves (every channel for a
/// variant without one), in its language. Placeholders are expected in a template and are not
/// findings here; what they are filled with is checked when a reply is sent.
pub fn blocking_findings(template: &Template) -> Vec<VariantFinding> {
    let mut out = Vec::new();
    for (index, variant) in template.variants.iter().enumerate() {
        let channels = match variant.channel {
            Some(c) => vec![c],
            None => Channel::ALL.to_vec(),
        };
        for channel in channels {
            let verdict = compliance::check(&CheckRequest {
                channel,
                marketplace: None,
                language: Some(variant.language.clone()),
                body: variant.body.clone(),
            });
            out.extend(
                verdict
                    .findings
                    .into_iter()
                    .filter(|f| {
                        f.severity == Severity::Block
                            && f.rule != compliance::Rule::TemplateUnfilledPlaceholder
                    })
                    .map(|finding| VariantFinding {
                        variant: index,
                        channel,
                        finding,
                    }),
            );
        }
    }
    out
}

/// A tenant's configuration as workers use it.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantConfig {
    pub policies: EffectivePolicies,
    pub templates: Vec<EffectiveTemplate>,
    /// The automation rules (`automation::apply` orders them).
    pub rules: Vec<Rule>,
}

impl TenantConfig {
    pub fn from_stored(stored: &StoredConfig) -> Self {
        TenantConfig {
            policies: effective_policies(&stored.policies),
            templates: effective_templates(&stored.templates),
            rules: stored.rules.clone(),
        }
    }

    /// The SLA policies the tenant's clocks use: its own in selection order, or the seed set.
    pub fn sla_policies(&self) -> &[SlaPolicy] {
        &self.policies.policies
    }
}

/// A tenant's SLA policies as read through a [`ConfigCache`]; derefs to the slice.
#[derive(Debug, Clone)]
pub struct TenantPolicies(Arc<TenantConfig>);

impl std::ops::Deref for TenantPolicies {
    type Target = [SlaPolicy];

    fn deref(&self) -> &[SlaPolicy] {
        self.0.sla_policies()
    }
}

/// Tenants' configuration read through `store` (one Query per tenant) and reused for
/// [`CONFIG_TTL`], so a worker pays nothing per message for it.
#[derive(Debug)]
pub struct ConfigCache(TenantCache<Arc<TenantConfig>>);

impl Default for ConfigCache {
    fn default() -> Self {
        ConfigCache(TenantCache::new(CONFIG_TTL))
    }
}

impl ConfigCache {
    pub async fn get<S: ConfigStore>(
        &self,
        store: &S,
        tenant: &TenantId,
    ) -> StoreResult<Arc<TenantConfig>> {
        self.0
            .get_or_load(tenant, || async {
                let stored = store.tenant_config(tenant).await?;
                Ok(Arc::new(TenantConfig::from_stored(&stored)))
            })
            .await
    }

    /// The SLA policies of `tenant` ([`effective_policies`]: its own, or the seed set while it
    /// has stored none). Ingest, the sender, the escalator and the schedules they keep all
    /// resolve a ticket's policy through this, so a tenant-only policy id is known everywhere.
    pub async fn policies<S: ConfigStore>(
        &self,
        store: &S,
        tenant: &TenantId,
    ) -> StoreResult<TenantPolicies> {
        Ok(TenantPolicies(self.get(store, tenant).await?))
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::domain::AgentId;
    use crate::templates::Variant;

    fn stored<T>(entry: T, version: u64) -> Stored<T> {
        Stored {
            entry,
            version,
            updated_at: DateTime::parse_from_rfc3339("2026-11-20T10:00:00Z")
                .unwrap()
                .to_utc(),
            updated_by: AgentId::parse("alice").unwrap(),
        }
    }

    fn seed(id: &str) -> SlaPolicy {
        seed_policies().into_iter().find(|p| p.id == id).unwrap()
    }

    #[test]
    fn a_tenant_without_policies_gets_the_seed_set_marked_as_defaults() {
        let e = effective_policies(&[]);
        assert!(e.defaults);
        assert_eq!(e.policies, seed_policies());
    }

    #[test]
    fn stored_policies_replace_the_defaults_narrowest_first() {
        let mut vip = seed("amazon");
        vip.id = "a-vip".into();
        vip.matches.min_lifetime_value_minor = Some(10_000);
        let e = effective_policies(&[
            stored(seed("amazon"), 1),
            stored(seed("risk"), 1),
            stored(vip, 1),
        ]);
        assert!(!e.defaults);
        let ids: Vec<&str> = e.policies.iter().map(|p| p.id.as_str()).collect();
        // Both narrowed ones first; among them the channel's own before `any`.
        assert_eq!(ids, ["a-vip", "risk", "amazon"]);
    }

    #[test]
    fn removing_the_last_catch_all_of_a_channel_loses_its_coverage() {
        let before = seed_policies();
        let without_ebay: Vec<SlaPolicy> =
            before.iter().filter(|p| p.id != "ebay").cloned().collect();
        assert_eq!(lost_coverage(&before, &without_ebay), [Channel::Ebay]);
        let without_risk: Vec<SlaPolicy> =
            before.iter().filter(|p| p.id != "risk").cloned().collect();
        assert!(lost_coverage(&before, &without_risk).is_empty());
    }

    #[test]
    fn a_tenant_template_overrides_the_starter_one_and_its_own_follow() {
        let mut own = starter_set()[0].clone();
        own.name = "Ours".into();
        let mut new = starter_set()[0].clone();
        new.id = TemplateId::parse("aaa_custom").unwrap();
        let list = effective_templates(&[stored(new, 2), stored(own.clone(), 3)]);
        assert_eq!(list.len(), starter_set().len() + 1);
        assert_eq!(list[0].template, own);
        assert_eq!(
            (list[0].origin, list[0].version),
            (TemplateOrigin::Override, 3)
        );
        assert_eq!(list[1].origin, TemplateOrigin::Starter);
        let last = list.last().unwrap();
        assert_eq!(
            (last.template.id.as_str(), last.origin),
            ("aaa_custom", TemplateOrigin::Tenant)
        );
    }

    #[test]
    fn a_variant_for_every_channel_is_checked_against_amazon_rules_too() {
        let template = Template {
            id: TemplateId::parse("promo").unwrap(),
            name: "Promo".into(),
            intent: None,
            variants: vec![
                Variant {
                    channel: Some(Channel::Shopify),
                    language: "en".into(),
                    body: "Hello [BUYER_NAME], your order [ORDER_ID] has shipped.".into(),
                },
                Variant {
                    channel: None,
                    language: "en".into(),
                    body: "Hello, please leave us a five star review and get a discount!".into(),
                },
            ],
        };
        let findings = blocking_findings(&template);
        assert!(findings.iter().all(|f| f.variant == 1), "{findings:?}");
        assert!(findings.iter().any(|f| f.channel == Channel::Amazon));
    }

    #[test]
    fn every_starter_template_passes_the_save_check() {
        for t in starter_set() {
            assert_eq!(blocking_findings(t), [], "{}", t.id);
        }
    }
}
