//! Operations' items: presences on tickets, the audit log and the badge counts' projection.

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{ConditionCheck, Delete, TransactWriteItem};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Datelike;
use serde::{Deserialize, Serialize};

use super::items::{Item, from_attributes, s};
use super::keys::{self, GSI1, META};
use super::tickets::{put, upsert};
use super::{DynamoStore, backend};
use crate::domain::audit::months_newest_first;
use crate::domain::{AgentId, AuditEntry, Presence, TenantId, TicketId, TicketStatus};
use crate::store::{
    AuditQuery, InsightStore, Page, PageRequest, PresenceStore, QueueEntry, StoreError, StoreResult,
};

fn build_error(table: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        key: table.to_string(),
        reason: e.to_string(),
    }
}

/// The audit entry as a transactional Put: append it to any transaction that makes the change
/// it records (never overwrites: ids are unique).
pub fn audit_put(
    table: &str,
    tenant: &TenantId,
    entry: &AuditEntry,
) -> StoreResult<TransactWriteItem> {
    let item = Item::new(
        keys::audit_pk(tenant, entry.at.year(), entry.at.month()),
        keys::audit_sk(entry.at, &entry.id),
        entry,
    );
    put(
        table,
        item.to_attributes()?,
        "attribute_not_exists(PK)",
        None,
    )
}

/// A check, inside a transaction, that the ticket exists (an unknown ticket and another
/// tenant's look the same: the key names the caller's tenant).
fn ticket_exists(
    table: &str,
    tenant: &TenantId,
    ticket: &TicketId,
) -> StoreResult<TransactWriteItem> {
    let check = ConditionCheck::builder()
        .table_name(table)
        .key("PK", s(keys::ticket_pk(tenant, ticket)))
        .key("SK", s(META))
        .condition_expression("attribute_exists(PK)")
        .build()
        .map_err(|e| build_error(table, e))?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}

impl DynamoStore {
    /// Runs a presence transaction whose first item is the ticket check: `false` when that
    /// check failed.
    async fn presence_transaction(
        &self,
        tenant: &TenantId,
        items: Vec<TransactWriteItem>,
        operation: &'static str,
    ) -> StoreResult<bool> {
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(err) => match err.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(e))
                    if e.cancellation_reasons().first().and_then(|r| r.code())
                        == Some("ConditionalCheckFailed") =>
                {
                    Ok(false)
                }
                _ => Err(backend(tenant, operation, err)),
            },
        }
    }
}

impl PresenceStore for DynamoStore {
    async fn set_presence(&self, tenant: &TenantId, presence: &Presence) -> StoreResult<bool> {
        let mut item = Item::new(
            keys::ticket_pk(tenant, &presence.ticket),
            keys::presence_sk(&presence.agent),
            presence,
        );
        // DynamoDB deletes it some time after this; readers filter on `expires_at` meanwhile.
        item.ttl = Some(presence.expires_at.timestamp());
        let items = vec![
            ticket_exists(&self.table, tenant, &presence.ticket)?,
            upsert(&self.table, item.to_attributes()?)?,
        ];
        self.presence_transaction(tenant, items, "SetPresence")
            .await
    }

    async fn clear_presence(
        &self,
        tenant: &TenantId,
        ticket: &TicketId,
        agent: &AgentId,
    ) -> StoreResult<bool> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .key("PK", s(keys::ticket_pk(tenant, ticket)))
            .key("SK", s(keys::presence_sk(agent)))
            .build()
            .map_err(|e| build_error(&self.table, e))?;
        let items = vec![
            ticket_exists(&self.table, tenant, ticket)?,
            TransactWriteItem::builder().delete(delete).build(),
        ];
        self.presence_transaction(tenant, items, "ClearPresence")
            .await
    }
}

/// Where an audit page ended: the month partition and the last key read in it (`None`: the
/// month's start).
#[derive(Debug, Serialize, Deserialize)]
struct AuditCursor {
    month: (i32, u32),
    #[serde(default, skip_serializing_if = "Option::is_none")]
    after: Option<String>,
}

impl AuditCursor {
    fn encode(&self) -> Option<String> {
        serde_json::to_vec(self)
            .ok()
            .map(|b| URL_SAFE_NO_PAD.encode(b))
    }

    fn decode(cursor: &str) -> StoreResult<AuditCursor> {
        let invalid = || StoreError::InvalidCursor("not an audit cursor".into());
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
        serde_json::from_slice(&bytes).map_err(|_| invalid())
    }
}

impl InsightStore for DynamoStore {
    async fn queue_entries(
        &self,
        tenant: &TenantId,
        status: TicketStatus,
    ) -> StoreResult<Vec<QueueEntry>> {
        let mut entries = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(GSI1)
                .key_condition_expression("GSI1PK = :pk")
                .expression_attribute_values(":pk", s(keys::status_queue_pk(tenant, status)))
                // Only what a count needs: a fraction of each ticket's size in read units.
                .projection_expression(
                    "channel, #st, sla.due_at, sla.internal_due_at, sla.clock_started_at, \
                     sla.paused_at, sla.breached, sla.warning_at",
                )
                .expression_attribute_names("#st", "status")
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| backend(tenant, "QueryQueueEntries", e))?;
            for item in out.items.unwrap_or_default() {
                entries.push(serde_dynamo::from_item::<_, QueueEntry>(item).map_err(|e| {
                    StoreError::Corrupt {
                        key: keys::status_queue_pk(tenant, status),
                        reason: e.to_string(),
                    }
                })?);
            }
            match out.last_evaluated_key.filter(|k| !k.is_empty()) {
                Some(next) => start = Some(next),
                None => return Ok(entries),
            }
        }
    }

    async fn audit_log(
        &self,
        tenant: &TenantId,
        query: &AuditQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEntry>> {
        let months = months_newest_first(query.from, query.to);
        let (mut index, mut after) = match page.cursor.as_deref() {
            None => (0, None),
            Some(c) => {
                let cursor = AuditCursor::decode(c)?;
                let index = months
                    .iter()
                    .position(|m| *m == cursor.month)
                    .ok_or_else(|| StoreError::InvalidCursor("issued for another range".into()))?;
                (index, cursor.after)
            }
        };
        let limit = page.effective_limit() as usize;
        let low = keys::sortable(query.from);
        // `~` sorts after every id character: entries at exactly `to` are in range.
        let high = format!("{}#~", keys::sortable(query.to));
        let mut items = Vec::new();
        while let Some(&(year, month)) = months.get(index) {
            let pk = keys::audit_pk(tenant, year, month);
            let start = after.take().map(|sk| {
                [("PK".to_string(), s(pk.clone())), ("SK".to_string(), s(sk))]
                    .into_iter()
                    .collect()
            });
            let mut request = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk AND SK BETWEEN :low AND :high")
                .expression_attribute_values(":pk", s(pk))
                .expression_attribute_values(":low", s(low.clone()))
                .expression_attribute_values(":high", s(high.clone()))
                .scan_index_forward(false)
                .limit((limit - items.len()) as i32)
                .set_exclusive_start_key(start);
            let mut filters = Vec::new();
            if let Some(actor) = &query.actor {
                filters.push("actor = :actor");
                request = request.expression_attribute_values(":actor", s(actor.clone()));
            }
            if let Some(action) = &query.action {
                filters.push("#action = :action");
                request = request
                    .expression_attribute_names("#action", "action")
                    .expression_attribute_values(":action", s(action.clone()));
            }
            if !filters.is_empty() {
                request = request.filter_expression(filters.join(" AND "));
            }
            let out = request
                .send()
                .await
                .map_err(|e| backend(tenant, "QueryAudit", e))?;
            for item in out.items.unwrap_or_default() {
                items.push(from_attributes::<AuditEntry>(item)?);
            }
            let last_sk = out
                .last_evaluated_key
                .as_ref()
                .and_then(|k| k.get("SK"))
                .and_then(|v| v.as_s().ok())
                .cloned();
            if let Some(sk) = last_sk {
                let next = AuditCursor {
                    month: (year, month),
                    after: Some(sk),
                };
                return Ok(Page {
                    items,
                    next: next.encode(),
                });
            }
            index += 1;
            if items.len() >= limit {
                let next = months
                    .get(index)
                    .and_then(|&month| AuditCursor { month, after: None }.encode());
                return Ok(Page { items, next });
            }
        }
        Ok(Page { items, next: None })
    }
}
