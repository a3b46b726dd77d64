//! Tenant configuration: SLA policies (`SLA#{id}`), reply templates (`TPL#{id}`) and the record
//! of the tenant's own carrier credentials (`CARRIERS`) in the tenant's `CONFIG` partition. Other kinds in the same partition (automation rules, `RULE#`)
//! belong to other loaders and are skipped here.

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{ConditionCheck, Delete, Put, TransactWriteItem};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::items::{Attributes, Item, from_attributes, n, s};
use super::keys::{self, META, POLICY_PREFIX, RULE_PREFIX, TEMPLATE_PREFIX};
use super::{DynamoStore, backend};
use crate::connectors::carrier_accounts::CarrierProviders;
use crate::domain::{AgentId, AuditEntry, TenantId, Ticket, TicketId};
use crate::sla::SlaPolicy;
use crate::store::{
    ConfigChange, ConfigEntry, ConfigKey, ConfigStore, ReplyContext, StoreError, StoreResult,
    Stored, StoredConfig,
};
use crate::templates::{Template, TemplateId};

fn sk_of(key: &ConfigKey) -> String {
    match key {
        ConfigKey::Policy(id) => keys::policy_sk(id),
        ConfigKey::Template(id) => keys::template_sk(id),
        ConfigKey::Carriers => keys::CARRIERS_SK.to_owned(),
    }
}

fn describe(key: &ConfigKey) -> (&'static str, String) {
    match key {
        ConfigKey::Policy(id) => ("sla policy", id.clone()),
        ConfigKey::Template(id) => ("template", id.to_string()),
        ConfigKey::Carriers => ("carrier credentials", "carriers".to_owned()),
    }
}

fn built<T, E: std::fmt::Display>(result: Result<T, E>) -> StoreResult<T> {
    result.map_err(|e| StoreError::Corrupt {
        key: "config transaction".into(),
        reason: e.to_string(),
    })
}

fn stored_item<T: Serialize>(
    tenant: &TenantId,
    sk: String,
    entry: T,
    version: u64,
    by: &AgentId,
    at: DateTime<Utc>,
) -> StoreResult<Attributes> {
    Item::new(
        keys::config_pk(tenant),
        sk,
        Stored {
            entry,
            version,
            updated_at: at,
            updated_by: by.clone(),
        },
    )
    .to_attributes()
}

fn transact_item(
    table: &str,
    tenant: &TenantId,
    change: &ConfigChange,
    by: &AgentId,
    at: DateTime<Utc>,
) -> StoreResult<TransactWriteItem> {
    let pk = keys::config_pk(tenant);
    Ok(match change {
        ConfigChange::Put { entry, expected } => {
            let sk = sk_of(&entry.key());
            let version = expected.map_or(1, |v| v + 1);
            let item = match entry {
                ConfigEntry::Policy(p) => stored_item(tenant, sk, p, version, by, at)?,
                ConfigEntry::Template(t) => stored_item(tenant, sk, t, version, by, at)?,
                ConfigEntry::Carriers(c) => stored_item(tenant, sk, c, version, by, at)?,
            };
            let put = Put::builder().table_name(table).set_item(Some(item));
            let put = match expected {
                None => put.condition_expression("attribute_not_exists(PK)"),
                Some(v) => put
                    .condition_expression("#v = :expected")
                    .expression_attribute_names("#v", "version")
                    .expression_attribute_values(":expected", n(v)),
            };
            TransactWriteItem::builder()
                .put(built(put.build())?)
                .build()
        }
        ConfigChange::Delete { key, expected } => {
            let delete = Delete::builder()
                .table_name(table)
                .key(keys::PK, s(pk))
                .key(keys::SK, s(sk_of(key)))
                .condition_expression("#v = :expected")
                .expression_attribute_names("#v", "version")
                .expression_attribute_values(":expected", n(expected));
            TransactWriteItem::builder()
                .delete(built(delete.build())?)
                .build()
        }
        ConfigChange::Unchanged { key, version } => {
            let check = ConditionCheck::builder()
                .table_name(table)
                .key(keys::PK, s(pk))
                .key(keys::SK, s(sk_of(key)))
                .condition_expression("#v = :expected")
                .expression_attribute_names("#v", "version")
                .expression_attribute_values(":expected", n(version));
            TransactWriteItem::builder()
                .condition_check(built(check.build())?)
                .build()
        }
    })
}

impl DynamoStore {
    /// Every item of the tenant's config partition whose sort key starts with `prefix`
    /// (everything with `None`). One Query; a partition beyond 1 MB (hundreds of long
    /// templates) continues with the next page.
    async fn config_items(
        &self,
        tenant: &TenantId,
        prefix: Option<&str>,
    ) -> StoreResult<Vec<Attributes>> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .consistent_read(true)
                .expression_attribute_values(":pk", s(keys::config_pk(tenant)))
                .set_exclusive_start_key(start.take());
            query = match prefix {
                Some(prefix) => query
                    .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
                    .expression_attribute_values(":prefix", s(prefix)),
                None => query.key_condition_expression("PK = :pk"),
            };
            let out = query
                .send()
                .await
                .map_err(|e| backend(tenant, "QueryConfig", e))?;
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(items),
            }
        }
    }

    async fn config_item<T: DeserializeOwned>(
        &self,
        tenant: &TenantId,
        sk: String,
    ) -> StoreResult<Option<Stored<T>>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .consistent_read(true)
            .key(keys::PK, s(keys::config_pk(tenant)))
            .key(keys::SK, s(sk))
            .send()
            .await
            .map_err(|e| backend(tenant, "GetConfig", e))?;
        out.item.map(from_attributes).transpose()
    }
}

fn sk_starts_with(item: &Attributes, prefix: &str) -> bool {
    item.get(keys::SK)
        .and_then(|v| v.as_s().ok())
        .is_some_and(|sk| sk.starts_with(prefix))
}

fn decode_all<T: DeserializeOwned>(items: Vec<Attributes>) -> StoreResult<Vec<Stored<T>>> {
    items.into_iter().map(from_attributes).collect()
}

impl ConfigStore for DynamoStore {
    async fn tenant_config(&self, tenant: &TenantId) -> StoreResult<StoredConfig> {
        let items = self.config_items(tenant, None).await?;
        let (policies, rest): (Vec<_>, Vec<_>) = items
            .into_iter()
            .partition(|i| sk_starts_with(i, POLICY_PREFIX));
        let (templates, rest): (Vec<_>, Vec<_>) = rest
            .into_iter()
            .partition(|i| sk_starts_with(i, TEMPLATE_PREFIX));
        let rules = rest
            .into_iter()
            .filter(|i| sk_starts_with(i, RULE_PREFIX))
            .map(from_attributes)
            .collect::<StoreResult<_>>()?;
        Ok(StoredConfig {
            policies: decode_all(policies)?,
            templates: decode_all(templates)?,
            rules,
        })
    }

    async fn policies(&self, tenant: &TenantId) -> StoreResult<Vec<Stored<SlaPolicy>>> {
        decode_all(self.config_items(tenant, Some(POLICY_PREFIX)).await?)
    }

    async fn policy(&self, tenant: &TenantId, id: &str) -> StoreResult<Option<Stored<SlaPolicy>>> {
        self.config_item(tenant, keys::policy_sk(id)).await
    }

    async fn templates(&self, tenant: &TenantId) -> StoreResult<Vec<Stored<Template>>> {
        decode_all(self.config_items(tenant, Some(TEMPLATE_PREFIX)).await?)
    }

    async fn template(
        &self,
        tenant: &TenantId,
        id: &TemplateId,
    ) -> StoreResult<Option<Stored<Template>>> {
        self.config_item(tenant, keys::template_sk(id)).await
    }

    async fn carrier_settings(
        &self,
        tenant: &TenantId,
    ) -> StoreResult<Option<Stored<CarrierProviders>>> {
        self.config_item(tenant, keys::CARRIERS_SK.to_owned()).await
    }

    async fn write_config(
        &self,
        tenant: &TenantId,
        changes: &[ConfigChange],
        audit: &[AuditEntry],
        by: &AgentId,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let Some(first) = changes.first() else {
            return Ok(());
        };
        // The changes first: a cancellation reason's index names the change that lost.
        let items = changes
            .iter()
            .map(|c| transact_item(&self.table, tenant, c, by, at))
            .chain(
                audit
                    .iter()
                    .map(|e| super::audit_put(&self.table, tenant, e)),
            )
            .collect::<StoreResult<Vec<_>>>()?;
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) => match err.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(e)) => {
                    // Name the change that lost, not the whole write.
                    let lost = e
                        .cancellation_reasons()
                        .iter()
                        .position(|r| r.code() == Some("ConditionalCheckFailed"));
                    let Some(lost) = lost.and_then(|i| changes.get(i)).or(
                        // moto may omit the reasons: attribute it to the first change.
                        e.cancellation_reasons().is_empty().then_some(first),
                    ) else {
                        return Err(backend(tenant, "WriteConfig", err));
                    };
                    let (key, expected) = match lost {
                        ConfigChange::Put { entry, expected } => (entry.key(), *expected),
                        ConfigChange::Delete { key, expected } => (key.clone(), Some(*expected)),
                        ConfigChange::Unchanged { key, version } => (key.clone(), Some(*version)),
                    };
                    let (entity, id) = describe(&key);
                    Err(StoreError::Conflict {
                        tenant: tenant.clone(),
                        entity,
                        id,
                        expected,
                    })
                }
                _ => Err(backend(tenant, "WriteConfig", err)),
            },
        }
    }

    async fn reply_context(
        &self,
        tenant: &TenantId,
        ticket: &TicketId,
        template: &TemplateId,
    ) -> StoreResult<ReplyContext> {
        let ticket_pk = keys::ticket_pk(tenant, ticket);
        let config_pk = keys::config_pk(tenant);
        let template_sk = keys::template_sk(template);
        let mut found = self
            .batch_get(
                tenant,
                vec![(ticket_pk.clone(), META), (config_pk.clone(), &template_sk)],
            )
            .await?;
        let ticket: Option<Ticket> = found.remove(&ticket_pk).map(from_attributes).transpose()?;
        let template = found.remove(&config_pk).map(from_attributes).transpose()?;
        Ok(ReplyContext { ticket, template })
    }
}
