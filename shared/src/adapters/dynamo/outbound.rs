//! Outbound replies: queued messages, send claims and delivery records.

use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use chrono::{DateTime, Duration, Utc};

use super::items::{Item, from_attributes, s};
use super::keys::{self, GSI2, GSI2PK, GSI2SK, ONE};
use super::tickets::{event_item, is_conditional_failure, message_item, put};
use super::{DynamoStore, backend};
use crate::domain::{Message, TenantId, TicketEvent};
use crate::store::{ClaimOutcome, OutboundStore, SeenKey, SendClaim, StoreError, StoreResult};

/// A claim outlives every redelivery of its queue record (SQS keeps one 14 days at most).
const CLAIM_RETENTION: Duration = Duration::days(30);

fn claim_pk(tenant: &TenantId, claim: &SendClaim) -> String {
    keys::seen_pk(
        tenant,
        &SeenKey {
            source: "outbound".into(),
            external_id: claim.message.to_string(),
        },
    )
}

impl OutboundStore for DynamoStore {
    async fn append_outbound(&self, tenant: &TenantId, message: &Message) -> StoreResult<()> {
        self.put_new(tenant, message_item(tenant, message)?, "AppendOutbound")
            .await
    }

    async fn claim_send(&self, tenant: &TenantId, claim: &SendClaim) -> StoreResult<ClaimOutcome> {
        let pk = claim_pk(tenant, claim);
        let mut item = Item::new(pk.clone(), ONE, claim);
        item.ttl = Some((claim.claimed_at + CLAIM_RETENTION).timestamp());
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item.to_attributes()?))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(ClaimOutcome::Claimed),
            Err(e) if is_conditional_failure(&e) => {
                let out = self
                    .client
                    .get_item()
                    .table_name(&self.table)
                    .key("PK", s(pk))
                    .key("SK", s(ONE))
                    .consistent_read(true)
                    .send()
                    .await
                    .map_err(|e| backend(tenant, "ReadSendClaim", e))?;
                match out.item {
                    Some(item) => Ok(ClaimOutcome::Taken(from_attributes(item)?)),
                    // Released in between: the caller may try again.
                    None => Err(Self::conflict(
                        tenant,
                        "send claim",
                        claim.message.as_str(),
                        None,
                    )),
                }
            }
            Err(e) => Err(backend(tenant, "ClaimSend", e)),
        }
    }

    async fn release_send(&self, tenant: &TenantId, claim: &SendClaim) -> StoreResult<()> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("PK", s(claim_pk(tenant, claim)))
            .key("SK", s(ONE))
            .condition_expression("#o = :owner")
            .expression_attribute_names("#o", "owner")
            .expression_attribute_values(":owner", s(claim.owner.clone()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(DeleteItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Err(Self::conflict(
                    tenant,
                    "send claim",
                    claim.message.as_str(),
                    None,
                ))
            }
            Err(e) => Err(backend(tenant, "ReleaseSend", e)),
        }
    }

    async fn record_delivery(
        &self,
        tenant: &TenantId,
        message: &Message,
        events: &[TicketEvent],
    ) -> StoreResult<()> {
        let still_queued = Put::builder()
            .table_name(&self.table)
            .set_item(Some(message_item(tenant, message)?))
            .condition_expression("attribute_exists(PK) AND #d.#s = :queued")
            .expression_attribute_names("#d", "delivery")
            .expression_attribute_names("#s", "state")
            .expression_attribute_values(":queued", s("queued"))
            .build()
            .map_err(|e| StoreError::Corrupt {
                key: self.table.clone(),
                reason: e.to_string(),
            })?;
        let mut items = vec![TransactWriteItem::builder().put(still_queued).build()];
        for event in events {
            items.push(put(
                &self.table,
                event_item(tenant, event)?,
                "attribute_not_exists(PK)",
                None,
            )?);
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
                Some(TransactWriteItemsError::TransactionCanceledException(e))
                    if e.cancellation_reasons()
                        .iter()
                        .any(|r| r.code() == Some("ConditionalCheckFailed")) =>
                {
                    Err(Self::conflict(tenant, "message", message.id.as_str(), None))
                }
                _ => Err(backend(tenant, "RecordDelivery", err)),
            },
        }
    }

    async fn queued_replies(
        &self,
        tenant: &TenantId,
        before: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Message>> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI2)
            .key_condition_expression("#pk = :pk AND #sk < :before")
            .expression_attribute_names("#pk", GSI2PK)
            .expression_attribute_names("#sk", GSI2SK)
            .expression_attribute_values(":pk", s(keys::outbox_pk(tenant)))
            .expression_attribute_values(":before", s(keys::message_sk(before, &"")))
            .limit(limit.clamp(1, 1000) as i32)
            .send()
            .await
            .map_err(|e| backend(tenant, "QueryOutbox", e))?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(from_attributes)
            .collect()
    }
}
