//! Report facts and day aggregates (`crate::reports`): the ticket's report item (open
//! messages, on the sparse open-messages index while any is open), day aggregates updated with
//! atomic ADDs inside the transaction of the happening they count, breach records and
//! account-health alert states.

use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::items::{Attributes, Item, from_attributes, n, s};
use super::keys::{self, GSI2, META, ONE};
use super::tickets::{put, upsert};
use super::{DynamoStore, backend};
use crate::domain::{AccountId, AgentId, Channel, TenantId, Ticket, TicketId};
use crate::reports::facts::Breach;
use crate::reports::forecast::AlertState;
use crate::reports::{AggKey, Counters, ReportWrite, TicketFacts};
use crate::store::{ReportStore, StoreError, StoreResult};

pub(super) fn facts_from_item(item: Attributes) -> StoreResult<TicketFacts> {
    from_attributes::<TicketFacts>(item)
}

/// The months (year, month) that local days `from..=to` touch.
fn months(from: NaiveDate, to: NaiveDate) -> Vec<(i32, u32)> {
    let mut out = Vec::new();
    let (mut y, mut m) = (from.year(), from.month());
    while (y, m) <= (to.year(), to.month()) {
        out.push((y, m));
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    out
}

fn parse_day_sk(sk: &str) -> Option<AggKey> {
    let mut parts = sk.splitn(5, '#');
    (parts.next()? == "D").then_some(())?;
    let day = parts.next()?.parse().ok()?;
    let channel: Channel =
        serde_json::from_value(serde_json::Value::String(parts.next()?.into())).ok()?;
    let account = AccountId::parse(parts.next()?).ok()?;
    let agent = match parts.next()? {
        "" => None,
        a => Some(AgentId::parse(a).ok()?),
    };
    Some(AggKey {
        day,
        channel,
        account,
        agent,
    })
}

fn build_err(key: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        key: key.to_owned(),
        reason: e.to_string(),
    }
}

/// The transaction items of a report write: the ticket's report item (conditional on its
/// revision), one ADD per aggregate, the breach records.
pub(super) fn report_items(
    table: &str,
    tenant: &TenantId,
    write: &ReportWrite,
) -> StoreResult<Vec<TransactWriteItem>> {
    let mut items = Vec::new();
    if let Some(facts) = &write.facts {
        let mut next = facts.clone();
        next.revision = facts.revision + 1;
        let mut item = Item::new(keys::report_ticket_pk(tenant, &facts.ticket), ONE, &next);
        if let Some(latest) = next.latest_open() {
            item.gsi2pk = Some(keys::report_open_pk(tenant));
            item.gsi2sk = Some(keys::report_open_sk(latest, &facts.ticket));
        }
        let attributes = item.to_attributes()?;
        items.push(if facts.revision == 0 {
            put(table, attributes, "attribute_not_exists(PK)", None)?
        } else {
            let mut p = aws_sdk_dynamodb::types::Put::builder()
                .table_name(table)
                .set_item(Some(attributes))
                .condition_expression("#rev = :rev")
                .expression_attribute_names("#rev", "revision")
                .expression_attribute_values(":rev", n(facts.revision));
            p = p.return_values_on_condition_check_failure(
                aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::None,
            );
            TransactWriteItem::builder()
                .put(p.build().map_err(|e| build_err(table, e))?)
                .build()
        });
    }
    for (key, counters) in &write.counters {
        let fields = counters.fields();
        if fields.is_empty() {
            continue;
        }
        let pk = keys::report_day_pk(tenant, key.day.year(), key.day.month());
        let sk = keys::report_day_sk(key);
        let mut update = Update::builder()
            .table_name(table)
            .key("PK", s(pk))
            .key("SK", s(sk.clone()));
        let mut clauses = Vec::with_capacity(fields.len());
        for (i, (name, value)) in fields.iter().enumerate() {
            clauses.push(format!("#f{i} :v{i}"));
            update = update
                .expression_attribute_names(format!("#f{i}"), name)
                .expression_attribute_values(format!(":v{i}"), n(*value));
        }
        let update = update
            .update_expression(format!("ADD {}", clauses.join(", ")))
            .build()
            .map_err(|e| build_err(&sk, e))?;
        items.push(TransactWriteItem::builder().update(update).build());
    }
    for breach in &write.breaches {
        let item = Item::new(
            keys::report_breach_pk(tenant, breach.day.year(), breach.day.month()),
            keys::report_breach_sk(breach),
            breach,
        );
        items.push(upsert(table, item.to_attributes()?)?);
    }
    Ok(items)
}

impl DynamoStore {
    /// Every page of a Query (stopping once `limit` items are read).
    pub(super) async fn query_all(
        &self,
        tenant: &TenantId,
        operation: &'static str,
        build: impl Fn(
            aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
        ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
        limit: Option<usize>,
    ) -> StoreResult<Vec<Attributes>> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let query = build(self.client.query().table_name(&self.table))
                .set_exclusive_start_key(start.take());
            let out = query
                .send()
                .await
                .map_err(|e| backend(tenant, operation, e))?;
            items.extend(out.items.unwrap_or_default());
            if limit.is_some_and(|l| items.len() >= l) {
                return Ok(items);
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(items),
            }
        }
    }
}

impl ReportStore for DynamoStore {
    async fn report_rows(
        &self,
        tenant: &TenantId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<(AggKey, Counters)>> {
        let mut rows = Vec::new();
        let low = format!("D#{}", from.format("%Y-%m-%d"));
        let high = format!("D#{}#~", to.format("%Y-%m-%d"));
        for (y, m) in months(from, to) {
            let pk = keys::report_day_pk(tenant, y, m);
            let items = self
                .query_all(
                    tenant,
                    "QueryReportDays",
                    |q| {
                        q.key_condition_expression("PK = :pk AND SK BETWEEN :lo AND :hi")
                            .expression_attribute_values(":pk", s(pk.clone()))
                            .expression_attribute_values(":lo", s(low.clone()))
                            .expression_attribute_values(":hi", s(high.clone()))
                    },
                    None,
                )
                .await?;
            for item in items {
                let sk = item
                    .get("SK")
                    .and_then(|v| v.as_s().ok())
                    .cloned()
                    .unwrap_or_default();
                let Some(key) = parse_day_sk(&sk) else {
                    return Err(build_err(&sk, "not a report day key"));
                };
                let counters = Counters::from_fields(item.iter().filter_map(|(k, v)| {
                    crate::reports::counters::is_counter_field(k)
                        .then(|| v.as_n().ok()?.parse::<u64>().ok().map(|v| (k.as_str(), v)))
                        .flatten()
                }));
                rows.push((key, counters));
            }
        }
        Ok(rows)
    }

    async fn open_facts(
        &self,
        tenant: &TenantId,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<TicketFacts>> {
        let pk = keys::report_open_pk(tenant);
        let low = keys::sortable(since);
        self.query_all(
            tenant,
            "QueryOpenFacts",
            |q| {
                q.index_name(GSI2)
                    .key_condition_expression("GSI2PK = :pk AND GSI2SK >= :lo")
                    .expression_attribute_values(":pk", s(pk.clone()))
                    .expression_attribute_values(":lo", s(low.clone()))
            },
            None,
        )
        .await?
        .into_iter()
        .map(facts_from_item)
        .collect()
    }

    async fn breaches(
        &self,
        tenant: &TenantId,
        from: NaiveDate,
        to: NaiveDate,
        limit: u32,
    ) -> StoreResult<Vec<Breach>> {
        let mut out = Vec::new();
        for (y, m) in months(from, to).into_iter().rev() {
            let pk = keys::report_breach_pk(tenant, y, m);
            let items = self
                .query_all(
                    tenant,
                    "QueryBreaches",
                    |q| {
                        q.key_condition_expression("PK = :pk")
                            .expression_attribute_values(":pk", s(pk.clone()))
                            .scan_index_forward(false)
                    },
                    None,
                )
                .await?;
            for item in items {
                let b: Breach = from_attributes(item)?;
                if b.day >= from && b.day <= to {
                    out.push(b);
                }
            }
            if out.len() >= limit as usize {
                break;
            }
        }
        out.truncate(limit as usize);
        Ok(out)
    }

    async fn ticket_facts(
        &self,
        tenant: &TenantId,
        ticket: &TicketId,
    ) -> StoreResult<Option<TicketFacts>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(keys::report_ticket_pk(tenant, ticket)))
            .key("SK", s(ONE))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| backend(tenant, "GetTicketFacts", e))?;
        out.item.map(facts_from_item).transpose()
    }

    async fn ticket_with_facts(
        &self,
        tenant: &TenantId,
        ticket: &TicketId,
    ) -> StoreResult<(Option<Ticket>, Option<TicketFacts>)> {
        let ticket_pk = keys::ticket_pk(tenant, ticket);
        let report_pk = keys::report_ticket_pk(tenant, ticket);
        let mut found = self
            .batch_get(
                tenant,
                vec![(ticket_pk.clone(), META), (report_pk.clone(), ONE)],
            )
            .await?;
        let t = found
            .remove(&ticket_pk)
            .map(from_attributes::<Ticket>)
            .transpose()?;
        let f = found.remove(&report_pk).map(facts_from_item).transpose()?;
        Ok((t, f))
    }

    async fn record_report(&self, tenant: &TenantId, write: &ReportWrite) -> StoreResult<()> {
        let items = report_items(&self.table, tenant, write)?;
        if items.is_empty() {
            return Ok(());
        }
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map_err(|e| backend(tenant, "RecordReport", e))?;
        Ok(())
    }

    async fn alert_state(&self, tenant: &TenantId, key: &str) -> StoreResult<Option<AlertState>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(keys::report_health_pk(tenant)))
            .key("SK", s(format!("ALERT#{key}")))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| backend(tenant, "GetAlertState", e))?;
        out.item.map(from_attributes).transpose()
    }

    async fn save_alert_state(
        &self,
        tenant: &TenantId,
        key: &str,
        state: &AlertState,
    ) -> StoreResult<bool> {
        let mut next = state.clone();
        next.version = state.version + 1;
        let item = Item::new(
            keys::report_health_pk(tenant),
            format!("ALERT#{key}"),
            &next,
        );
        let mut request = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item.to_attributes()?));
        request = if state.version == 0 {
            request.condition_expression("attribute_not_exists(PK)")
        } else {
            request
                .condition_expression("#v = :v")
                .expression_attribute_names("#v", "version")
                .expression_attribute_values(":v", n(state.version))
        };
        match request.send().await {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(backend(tenant, "SaveAlertState", e)),
        }
    }
}
