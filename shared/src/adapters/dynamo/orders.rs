//! Orders with their items and shipments.

use super::items::{Item, from_attributes, n, s};
use super::keys::{self, META};
use super::tickets::is_conditional_failure;
use super::{DynamoStore, backend};
use crate::domain::{Channel, Order, OrderId, TenantId};
use crate::store::{OrderStore, StoreResult};

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
        let mut item = Item::new(
            keys::order_pk(tenant, order.channel, &order.id),
            META,
            order,
        )
        .to_attributes()?;
        // The channel's modification time, numeric, guards against an older copy arriving late
        // (pollers and ORDER_CHANGE notifications race): the channel's clock is the version.
        let updated_ms = order.updated_at.timestamp_millis();
        item.insert("updated_ms".into(), n(updated_ms));
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK) OR updated_ms <= :u")
            .expression_attribute_values(":u", n(updated_ms))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if is_conditional_failure(&e) => Ok(false),
            Err(e) => Err(backend(tenant, "SaveOrder", e)),
        }
    }
}
