//! Quarantined payloads per tenant, newest first, each findable by its id.

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::items::{Item, from_attributes, s};
use super::keys::{self, ONE};
use super::tickets::{put, upsert};
use super::{DynamoStore, audit_put, backend, cursor};
use crate::domain::{AgentId, AuditEntry, TenantId};
use crate::store::{Page, PageRequest, QuarantineRecord, QuarantineStore, StoreResult};

/// Where a quarantine id's record sits in the time-ordered partition.
#[derive(Debug, Serialize, Deserialize)]
struct QuarantineLink {
    at: DateTime<Utc>,
}

fn record_item(record: &QuarantineRecord) -> StoreResult<super::items::Attributes> {
    Item::new(
        keys::quarantine_pk(&record.tenant),
        keys::quarantine_sk(record.at, &record.id),
        record,
    )
    .to_attributes()
}

/// A DateTime as the records store it (serde's RFC 3339), for conditions on stored values.
fn stored_instant(at: DateTime<Utc>) -> String {
    serde_json::to_value(at)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl DynamoStore {
    async fn transact(
        &self,
        tenant: &TenantId,
        items: Vec<aws_sdk_dynamodb::types::TransactWriteItem>,
        id: &str,
        operation: &'static str,
    ) -> StoreResult<()> {
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) => match err.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(e))
                    if e.cancellation_reasons()
                        .iter()
                        .any(|r| r.code() == Some("ConditionalCheckFailed")) =>
                {
                    Err(Self::conflict(tenant, "quarantine record", id, None))
                }
                _ => Err(backend(tenant, operation, err)),
            },
        }
    }
}

impl QuarantineStore for DynamoStore {
    async fn quarantine(&self, record: &QuarantineRecord) -> StoreResult<()> {
        let link = Item::new(
            keys::quarantine_id_pk(&record.tenant, &record.id),
            ONE,
            QuarantineLink { at: record.at },
        );
        let items = vec![
            upsert(&self.table, record_item(record)?)?,
            upsert(&self.table, link.to_attributes()?)?,
        ];
        self.transact(&record.tenant, items, &record.id, "Quarantine")
            .await
    }

    async fn quarantined(
        &self,
        tenant: &TenantId,
        page: &PageRequest,
    ) -> StoreResult<Page<QuarantineRecord>> {
        let pk = keys::quarantine_pk(tenant);
        let start = page
            .cursor
            .as_deref()
            .map(|c| cursor::decode(c, "PK", &pk))
            .transpose()?;
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", s(pk))
            .scan_index_forward(false)
            .limit(page.effective_limit() as i32)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| backend(tenant, "QueryQuarantine", e))?;
        let items = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(from_attributes)
            .collect::<StoreResult<Vec<QuarantineRecord>>>()?;
        Ok(Page {
            items,
            next: cursor::encode(out.last_evaluated_key.as_ref()),
        })
    }

    async fn quarantine_record(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> StoreResult<Option<QuarantineRecord>> {
        let link = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(keys::quarantine_id_pk(tenant, id)))
            .key("SK", s(ONE))
            .send()
            .await
            .map_err(|e| backend(tenant, "GetQuarantineLink", e))?;
        let Some(link) = link
            .item
            .map(from_attributes::<QuarantineLink>)
            .transpose()?
        else {
            return Ok(None);
        };
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(keys::quarantine_pk(tenant)))
            .key("SK", s(keys::quarantine_sk(link.at, id)))
            .send()
            .await
            .map_err(|e| backend(tenant, "GetQuarantine", e))?;
        out.item.map(from_attributes).transpose()
    }

    async fn mark_redriven(
        &self,
        record: &QuarantineRecord,
        by: &AgentId,
        at: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> StoreResult<QuarantineRecord> {
        let mut marked = record.clone();
        marked.redriven_at = Some(at);
        marked.redriven_by = Some(by.clone());
        let items = vec![
            put(
                &self.table,
                record_item(&marked)?,
                "attribute_exists(PK) AND attribute_not_exists(redriven_at)",
                None,
            )?,
            audit_put(&self.table, &record.tenant, audit)?,
        ];
        self.transact(&record.tenant, items, &record.id, "MarkRedriven")
            .await?;
        Ok(marked)
    }

    async fn unmark_redriven(
        &self,
        record: &QuarantineRecord,
        by: &AgentId,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut unmarked = record.clone();
        unmarked.redriven_at = None;
        unmarked.redriven_by = None;
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(record_item(&unmarked)?))
            .condition_expression("redriven_by = :by AND redriven_at = :at")
            .expression_attribute_values(":by", s(by.as_str()))
            .expression_attribute_values(":at", s(stored_instant(at)))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if super::tickets::is_conditional_failure(&e) => Err(Self::conflict(
                &record.tenant,
                "quarantine record",
                &record.id,
                None,
            )),
            Err(e) => Err(backend(&record.tenant, "UnmarkRedriven", e)),
        }
    }
}
