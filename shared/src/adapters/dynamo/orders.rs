//! Orders with their items and shipments.

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::items::{Item, from_attributes, n, s};
use super::keys::{self, GSI2, GSI2PK, GSI2SK, META, ONE};
use super::tickets::upsert;
use super::{DynamoStore, backend};
use crate::domain::{
    Channel, FulfillmentChannel, IdentityKind, Order, OrderId, Shipment, TenantId,
};
use crate::store::{OrderHistoryKey, OrderLink, OrderStore, StoreError, StoreResult};

#[derive(Serialize)]
struct OrderLinkItem<'a> {
    order: &'a OrderId,
}

/// The order's Put, unless a copy with a newer channel modification time is stored: pollers and
/// ORDER_CHANGE notifications race, and the channel's clock is the version.
pub(super) fn order_put(
    table: &str,
    tenant: &TenantId,
    order: &Order,
) -> StoreResult<TransactWriteItem> {
    let mut item = Item::new(
        keys::order_pk(tenant, order.channel, &order.id),
        META,
        order,
    )
    .to_attributes()?;
    let updated_ms = order.updated_at.timestamp_millis();
    item.insert("updated_ms".into(), n(updated_ms));
    if order.fulfillment == FulfillmentChannel::Merchant && !order.shipments.is_empty() {
        item.insert(GSI2PK.into(), s(keys::shipped_pk(tenant)));
        item.insert(
            GSI2SK.into(),
            s(keys::shipped_sk(order.updated_at, order.channel, &order.id)),
        );
    }
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(PK) OR updated_ms <= :u")
        .expression_attribute_values(":u", n(updated_ms))
        .build()
        .map_err(|e| StoreError::Corrupt {
            key: table.to_string(),
            reason: e.to_string(),
        })?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// eBay conversations name a buyer and a listing, not an order: one link per item lets a
/// message find its order.
pub fn order_links(order: &Order) -> Vec<OrderLink> {
    if order.channel != Channel::Ebay {
        return Vec::new();
    }
    let buyers = order
        .buyer_identities
        .iter()
        .filter(|i| i.kind == IdentityKind::EbayUser);
    buyers
        .flat_map(|buyer| {
            order.items.iter().map(|item| OrderLink {
                channel: order.channel,
                buyer: buyer.value.clone(),
                listing: item.product_id.clone(),
            })
        })
        .collect()
}

impl OrderStore for DynamoStore {
    async fn order(
        &self,
        tenant: &TenantId,
        channel: Channel,
        id: &OrderId,
    ) -> StoreResult<Option<Order>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(keys::order_pk(tenant, channel, id)))
            .key("SK", s(META))
            .send()
            .await
            .map_err(|e| backend(tenant, "GetOrder", e))?;
        out.item.map(from_attributes).transpose()
    }

    async fn save_order(&self, tenant: &TenantId, order: &Order) -> StoreResult<bool> {
        let mut items = vec![order_put(&self.table, tenant, order)?];
        for link in order_links(order) {
            let item = Item::new(
                keys::order_link_pk(tenant, &link),
                ONE,
                OrderLinkItem { order: &order.id },
            );
            items.push(upsert(&self.table, item.to_attributes()?)?);
        }
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            // Only the order's own condition can fail: a newer copy is stored.
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(TransactWriteItemsError::TransactionCanceledException(c))
                        if c.cancellation_reasons().first().and_then(|r| r.code())
                            == Some("ConditionalCheckFailed")
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(backend(tenant, "SaveOrder", e)),
        }
    }

    async fn shipped_orders(
        &self,
        tenant: &TenantId,
        since: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<Order>> {
        let pk = keys::shipped_pk(tenant);
        let low = keys::sortable(since);
        self.query_all(
            tenant,
            "QueryShippedOrders",
            |q| {
                q.index_name(GSI2)
                    .key_condition_expression("GSI2PK = :pk AND GSI2SK >= :lo")
                    .expression_attribute_values(":pk", s(pk.clone()))
                    .expression_attribute_values(":lo", s(low.clone()))
            },
            Some(limit),
        )
        .await?
        .into_iter()
        .take(limit)
        .map(from_attributes)
        .collect()
    }

    async fn claim_tracking_refresh(
        &self,
        tenant: &TenantId,
        entry: &OrderHistoryKey,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::customer_pk(tenant, &entry.customer)))
            .key(
                "SK",
                s(keys::history_order_sk(
                    entry.at,
                    entry.channel,
                    &entry.order,
                )),
            )
            .update_expression("SET tracking_claimed_ms = :now")
            .condition_expression(
                "attribute_exists(PK) AND (attribute_not_exists(tracking_claimed_ms) \
                 OR tracking_claimed_ms < :stale)",
            )
            .expression_attribute_values(":now", n(now.timestamp_millis()))
            .expression_attribute_values(":stale", n(stale_before.timestamp_millis()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(UpdateItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(backend(tenant, "ClaimTrackingRefresh", e)),
        }
    }

    async fn store_shipments(
        &self,
        tenant: &TenantId,
        entry: &OrderHistoryKey,
        shipments: &[Shipment],
    ) -> StoreResult<bool> {
        let value: aws_sdk_dynamodb::types::AttributeValue =
            serde_dynamo::to_attribute_value(shipments).map_err(|e| StoreError::Corrupt {
                key: entry.order.to_string(),
                reason: e.to_string(),
            })?;
        let update = |pk: String, sk: String, path: &str| {
            Update::builder()
                .table_name(&self.table)
                .key("PK", s(pk))
                .key("SK", s(sk))
                .update_expression(format!("SET {path} = :s"))
                .condition_expression("attribute_exists(PK)")
                .expression_attribute_values(":s", value.clone())
                .build()
                .map(|u| TransactWriteItem::builder().update(u).build())
                .map_err(|e| StoreError::Corrupt {
                    key: self.table.clone(),
                    reason: e.to_string(),
                })
        };
        let items = vec![
            update(
                keys::order_pk(tenant, entry.channel, &entry.order),
                META.to_owned(),
                "shipments",
            )?,
            update(
                keys::customer_pk(tenant, &entry.customer),
                keys::history_order_sk(entry.at, entry.channel, &entry.order),
                "details.shipments",
            )?,
        ];
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(TransactWriteItemsError::TransactionCanceledException(_))
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(backend(tenant, "StoreShipments", e)),
        }
    }
}
