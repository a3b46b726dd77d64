//! Automation rules: items `RULE#{id}` of the tenant's configuration partition
//! `T#{tenant}#CONFIG`, which SLA policies and templates share; every read here is limited to
//! the `RULE#` prefix.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Delete, TransactWriteItem};

use super::items::{Item, from_attributes, n, s};
use super::keys::{self, RULE_PREFIX};
use super::tickets::{is_conditional_failure, put};
use super::{DynamoStore, audit_put, backend};
use crate::automation::Rule;
use crate::domain::{AuditEntry, RuleId, TenantId};
use crate::store::{RuleStore, StoreError, StoreResult};

fn conflict(tenant: &TenantId, id: &RuleId, expected: Option<u64>) -> StoreError {
    StoreError::Conflict {
        tenant: tenant.clone(),
        entity: "automation rule",
        id: id.to_string(),
        expected,
    }
}

fn delete_conflict<R>(err: &SdkError<DeleteItemError, R>) -> bool {
    matches!(
        err.as_service_error(),
        Some(DeleteItemError::ConditionalCheckFailedException(_))
    )
}

impl DynamoStore {
    /// The rule's write with its audit entries, in one transaction.
    async fn audited_rule_write(
        &self,
        tenant: &TenantId,
        id: &RuleId,
        write: TransactWriteItem,
        expected: Option<u64>,
        audit: &[AuditEntry],
        operation: &'static str,
    ) -> StoreResult<()> {
        let mut items = vec![write];
        for entry in audit {
            items.push(audit_put(&self.table, tenant, entry)?);
        }
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) => match err.as_service_error() {
                // The rule's condition is the only one that can fail (audit ids are unique);
                // moto may omit the reasons.
                Some(TransactWriteItemsError::TransactionCanceledException(e))
                    if e.cancellation_reasons().is_empty()
                        || e.cancellation_reasons()
                            .iter()
                            .any(|r| r.code() == Some("ConditionalCheckFailed")) =>
                {
                    Err(conflict(tenant, id, expected))
                }
                _ => Err(backend(tenant, operation, err)),
            },
        }
    }
}

impl RuleStore for DynamoStore {
    async fn rules(&self, tenant: &TenantId) -> StoreResult<Vec<Rule>> {
        let mut rules = Vec::new();
        let mut start = None;
        // One page in practice (rules are small); a tenant with more than 1 MB of rules costs
        // one more Query per megabyte rather than silently losing rules.
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
                .expression_attribute_values(":pk", s(keys::config_pk(tenant)))
                .expression_attribute_values(":prefix", s(RULE_PREFIX))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| backend(tenant, "QueryRules", e))?;
            for item in out.items.unwrap_or_default() {
                rules.push(from_attributes::<Rule>(item)?);
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(rules),
            }
        }
    }

    async fn rule(&self, tenant: &TenantId, id: &RuleId) -> StoreResult<Option<Rule>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(keys::config_pk(tenant)))
            .key("SK", s(keys::rule_sk(id)))
            .send()
            .await
            .map_err(|e| backend(tenant, "GetRule", e))?;
        out.item.map(from_attributes).transpose()
    }

    async fn save_rule(
        &self,
        rule: &Rule,
        expected_version: Option<u64>,
        audit: &[AuditEntry],
    ) -> StoreResult<Rule> {
        let tenant = &rule.tenant;
        let mut next = rule.clone();
        next.version = expected_version.map_or(1, |v| v + 1);
        let item =
            Item::new(keys::config_pk(tenant), keys::rule_sk(&rule.id), &next).to_attributes()?;
        if !audit.is_empty() {
            let write = match expected_version {
                None => put(&self.table, item, "attribute_not_exists(PK)", None)?,
                Some(v) => put(&self.table, item, "#v = :expected", Some(v))?,
            };
            self.audited_rule_write(tenant, &rule.id, write, expected_version, audit, "SaveRule")
                .await?;
            return Ok(next);
        }
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        let request = match expected_version {
            None => request.condition_expression("attribute_not_exists(PK)"),
            Some(v) => request
                .condition_expression("#v = :expected")
                .expression_attribute_names("#v", "version")
                .expression_attribute_values(":expected", n(v)),
        };
        match request.send().await {
            Ok(_) => Ok(next),
            Err(e) if is_conditional_failure(&e) => {
                Err(conflict(tenant, &rule.id, expected_version))
            }
            Err(e) => Err(backend(tenant, "SaveRule", e)),
        }
    }

    async fn delete_rule(
        &self,
        tenant: &TenantId,
        id: &RuleId,
        expected_version: u64,
        audit: &[AuditEntry],
    ) -> StoreResult<()> {
        if !audit.is_empty() {
            let delete = Delete::builder()
                .table_name(&self.table)
                .key("PK", s(keys::config_pk(tenant)))
                .key("SK", s(keys::rule_sk(id)))
                .condition_expression("#v = :expected")
                .expression_attribute_names("#v", "version")
                .expression_attribute_values(":expected", n(expected_version))
                .build()
                .map_err(|e| StoreError::Corrupt {
                    key: "rule delete".into(),
                    reason: e.to_string(),
                })?;
            let write = TransactWriteItem::builder().delete(delete).build();
            return self
                .audited_rule_write(
                    tenant,
                    id,
                    write,
                    Some(expected_version),
                    audit,
                    "DeleteRule",
                )
                .await;
        }
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("PK", s(keys::config_pk(tenant)))
            .key("SK", s(keys::rule_sk(id)))
            .condition_expression("#v = :expected")
            .expression_attribute_names("#v", "version")
            .expression_attribute_values(":expected", n(expected_version))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if delete_conflict(&e) => Err(conflict(tenant, id, Some(expected_version))),
            Err(e) => Err(backend(tenant, "DeleteRule", e)),
        }
    }
}
