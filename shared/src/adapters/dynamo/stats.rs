//! Daily counters for reports, updated with atomic ADD.

use chrono::NaiveDate;

use super::items::{n, s};
use super::keys;
use super::{DynamoStore, backend};
use crate::domain::{AgentId, Channel, TenantId};
use crate::store::{DailyCounters, StatsStore, StoreResult};

impl StatsStore for DynamoStore {
    async fn add_counters(
        &self,
        tenant: &TenantId,
        day: NaiveDate,
        channel: Channel,
        agent: Option<&AgentId>,
        add: &DailyCounters,
    ) -> StoreResult<()> {
        use chrono::Datelike;
        self.client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::stats_pk(tenant, day.year(), day.month())))
            .key("SK", s(keys::stats_sk(day, channel, agent)))
            .update_expression(
                "ADD inbound :a, replies :b, replied_within_24h :c, first_response_seconds_sum :d",
            )
            .expression_attribute_values(":a", n(add.inbound))
            .expression_attribute_values(":b", n(add.replies))
            .expression_attribute_values(":c", n(add.replied_within_24h))
            .expression_attribute_values(":d", n(add.first_response_seconds_sum))
            .send()
            .await
            .map_err(|e| backend(tenant, "AddCounters", e))?;
        Ok(())
    }

    async fn month_counters(
        &self,
        tenant: &TenantId,
        year: i32,
        month: u32,
    ) -> StoreResult<Vec<(String, DailyCounters)>> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", s(keys::stats_pk(tenant, year, month)))
            .send()
            .await
            .map_err(|e| backend(tenant, "QueryCounters", e))?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(|item| {
                let sk = item
                    .get("SK")
                    .and_then(|v| v.as_s().ok())
                    .cloned()
                    .unwrap_or_default();
                let counters = super::items::from_attributes::<DailyCounters>(item)?;
                Ok((sk, counters))
            })
            .collect()
    }
}
