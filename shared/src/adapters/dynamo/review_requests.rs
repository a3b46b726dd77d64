//! Review requests (decision 0022): the tenant's settings (`T#{t}#REVIEWREQ` / `SETTINGS`,
//! versioned), one record per order (`T#{t}#REVIEWREQ#amazon#{order}` / `A`, claimed with a
//! conditional put so the request is made once per order, ever) and the outcome counts per UTC
//! day (`T#{t}#REVIEWSTATS#{yyyy-mm}` / `{dd}`, atomic ADD in the outcome's transaction).

use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::items::{Item, from_attributes, n, s};
use super::keys::ONE;
use super::tickets::is_conditional_failure;
use super::{DynamoStore, backend};
use crate::domain::{AgentId, AuditEntry, OrderId, TenantId};
use crate::review_requests::ReviewRequestSettings;
use crate::store::{
    ReviewClaim, ReviewCounts, ReviewOutcome, ReviewRequestRecord, ReviewRequestStore, StoreError,
    StoreResult, Stored,
};

const SETTINGS_SK: &str = "SETTINGS";
/// The claim's expiry in epoch milliseconds, beside the record, for the claim's condition.
const CLAIM_UNTIL: &str = "claim_until_ms";
const COUNTER_PREFIX: &str = "c_";

fn settings_pk(tenant: &TenantId) -> String {
    format!("T#{tenant}#REVIEWREQ")
}

fn record_pk(tenant: &TenantId, order: &OrderId) -> String {
    format!("T#{tenant}#REVIEWREQ#amazon#{order}")
}

fn stats_pk(tenant: &TenantId, year: i32, month: u32) -> String {
    format!("T#{tenant}#REVIEWSTATS#{year:04}-{month:02}")
}

fn corrupt(key: &str, reason: impl ToString) -> StoreError {
    StoreError::Corrupt {
        key: key.to_owned(),
        reason: reason.to_string(),
    }
}

/// The counter attributes of one outcome: `c_sent`, `c_failed`, `c_skipped_{reason}`,
/// `c_not_eligible_{reason}`.
fn counter_names(counts: &ReviewCounts) -> Vec<String> {
    let mut names = Vec::new();
    if counts.sent > 0 {
        names.push(format!("{COUNTER_PREFIX}sent"));
    }
    if counts.failed > 0 {
        names.push(format!("{COUNTER_PREFIX}failed"));
    }
    names.extend(
        counts
            .skipped
            .keys()
            .map(|r| format!("{COUNTER_PREFIX}skipped_{r}")),
    );
    names.extend(
        counts
            .not_eligible
            .keys()
            .map(|r| format!("{COUNTER_PREFIX}not_eligible_{r}")),
    );
    names
}

fn add_counter(counts: &mut ReviewCounts, name: &str, value: u64) {
    let Some(name) = name.strip_prefix(COUNTER_PREFIX) else {
        return;
    };
    if name == "sent" {
        counts.sent += value;
    } else if name == "failed" {
        counts.failed += value;
    } else if let Some(reason) = name.strip_prefix("skipped_") {
        *counts.skipped.entry(reason.to_owned()).or_default() += value;
    } else if let Some(reason) = name.strip_prefix("not_eligible_") {
        *counts.not_eligible.entry(reason.to_owned()).or_default() += value;
    }
}

impl ReviewRequestStore for DynamoStore {
    async fn review_settings(
        &self,
        tenant: &TenantId,
    ) -> StoreResult<Option<Stored<ReviewRequestSettings>>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(settings_pk(tenant)))
            .key("SK", s(SETTINGS_SK))
            .send()
            .await
            .map_err(|e| backend(tenant, "GetReviewSettings", e))?;
        out.item.map(from_attributes).transpose()
    }

    async fn save_review_settings(
        &self,
        tenant: &TenantId,
        settings: &ReviewRequestSettings,
        expected: Option<u64>,
        audit: &AuditEntry,
        by: &AgentId,
        at: DateTime<Utc>,
    ) -> StoreResult<Stored<ReviewRequestSettings>> {
        let stored = Stored {
            entry: settings.clone(),
            version: expected.unwrap_or(0) + 1,
            updated_at: at,
            updated_by: by.clone(),
        };
        let item = Item::new(settings_pk(tenant), SETTINGS_SK, &stored).to_attributes()?;
        let put = Put::builder().table_name(&self.table).set_item(Some(item));
        let put = match expected {
            None => put.condition_expression("attribute_not_exists(PK)"),
            Some(v) => put
                .condition_expression("#v = :v")
                .expression_attribute_names("#v", "version")
                .expression_attribute_values(":v", n(v)),
        };
        let put = put.build().map_err(|e| corrupt(SETTINGS_SK, e))?;
        // The settings and their audit entry together, or neither.
        let items = vec![
            TransactWriteItem::builder().put(put).build(),
            super::audit_put(&self.table, tenant, audit)?,
        ];
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match result {
            Ok(_) => Ok(stored),
            Err(err) => match err.as_service_error() {
                // moto may leave the reasons out; the only condition is the settings' version.
                Some(TransactWriteItemsError::TransactionCanceledException(e))
                    if e.cancellation_reasons().is_empty()
                        || e.cancellation_reasons()
                            .iter()
                            .any(|r| r.code() == Some("ConditionalCheckFailed")) =>
                {
                    Err(Self::conflict(
                        tenant,
                        "review-request settings",
                        SETTINGS_SK,
                        expected,
                    ))
                }
                _ => Err(backend(tenant, "SaveReviewSettings", err)),
            },
        }
    }

    async fn claim_review_request(
        &self,
        tenant: &TenantId,
        record: &ReviewRequestRecord,
        now: DateTime<Utc>,
    ) -> StoreResult<ReviewClaim> {
        let ReviewOutcome::Pending { until, .. } = &record.outcome else {
            return Err(corrupt(
                &record_pk(tenant, &record.order),
                "a claim must be pending",
            ));
        };
        let pk = record_pk(tenant, &record.order);
        let mut item = Item::new(pk.clone(), ONE, record).to_attributes()?;
        item.insert(CLAIM_UNTIL.into(), n(until.timestamp_millis()));
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK) OR (#o.#s = :pending AND #u < :now)")
            .expression_attribute_names("#o", "outcome")
            .expression_attribute_names("#s", "state")
            .expression_attribute_names("#u", CLAIM_UNTIL)
            .expression_attribute_values(":pending", s("pending"))
            .expression_attribute_values(":now", n(now.timestamp_millis()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(ReviewClaim::Claimed),
            Err(e) if is_conditional_failure(&e) => {
                match self.review_request(tenant, &record.order).await? {
                    Some(taken) => Ok(ReviewClaim::Taken(taken)),
                    // Released in between: the caller may try again.
                    None => Err(Self::conflict(
                        tenant,
                        "review request",
                        record.order.as_str(),
                        None,
                    )),
                }
            }
            Err(e) => Err(backend(tenant, "ClaimReviewRequest", e)),
        }
    }

    async fn release_review_request(
        &self,
        tenant: &TenantId,
        order: &OrderId,
        owner: &str,
    ) -> StoreResult<()> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("PK", s(record_pk(tenant, order)))
            .key("SK", s(ONE))
            .condition_expression("#o.#s = :pending AND #o.#w = :owner")
            .expression_attribute_names("#o", "outcome")
            .expression_attribute_names("#s", "state")
            .expression_attribute_names("#w", "owner")
            .expression_attribute_values(":pending", s("pending"))
            .expression_attribute_values(":owner", s(owner))
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
                    "review request",
                    order.as_str(),
                    None,
                ))
            }
            Err(e) => Err(backend(tenant, "ReleaseReviewRequest", e)),
        }
    }

    async fn record_review_outcome(
        &self,
        tenant: &TenantId,
        record: &ReviewRequestRecord,
        owner: &str,
    ) -> StoreResult<()> {
        let pk = record_pk(tenant, &record.order);
        let item = Item::new(pk.clone(), ONE, record).to_attributes()?;
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("#o.#s = :pending AND #o.#w = :owner")
            .expression_attribute_names("#o", "outcome")
            .expression_attribute_names("#s", "state")
            .expression_attribute_names("#w", "owner")
            .expression_attribute_values(":pending", s("pending"))
            .expression_attribute_values(":owner", s(owner))
            .build()
            .map_err(|e| corrupt(&pk, e))?;
        let mut items = vec![TransactWriteItem::builder().put(put).build()];
        let names = counter_names(&ReviewCounts::of(&record.outcome));
        if !names.is_empty() {
            let day = record.at.date_naive();
            let expression = (0..names.len())
                .map(|i| format!("#c{i} :one"))
                .collect::<Vec<_>>()
                .join(", ");
            let mut update = Update::builder()
                .table_name(&self.table)
                .key("PK", s(stats_pk(tenant, day.year(), day.month())))
                .key("SK", s(format!("{:02}", day.day())))
                .update_expression(format!("ADD {expression}"))
                .expression_attribute_values(":one", n(1));
            for (i, name) in names.iter().enumerate() {
                update = update.expression_attribute_names(format!("#c{i}"), name);
            }
            let update = update.build().map_err(|e| corrupt(&pk, e))?;
            items.push(TransactWriteItem::builder().update(update).build());
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
                    Err(Self::conflict(
                        tenant,
                        "review request",
                        record.order.as_str(),
                        None,
                    ))
                }
                _ => Err(backend(tenant, "RecordReviewOutcome", err)),
            },
        }
    }

    async fn review_request(
        &self,
        tenant: &TenantId,
        order: &OrderId,
    ) -> StoreResult<Option<ReviewRequestRecord>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(record_pk(tenant, order)))
            .key("SK", s(ONE))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| backend(tenant, "GetReviewRequest", e))?;
        out.item.map(from_attributes).transpose()
    }

    async fn review_counts(
        &self,
        tenant: &TenantId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<ReviewCounts> {
        let mut counts = ReviewCounts::default();
        let mut month = NaiveDate::from_ymd_opt(from.year(), from.month(), 1).unwrap_or(from);
        while month <= to {
            let mut start = None;
            loop {
                let out = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .key_condition_expression("PK = :pk")
                    .expression_attribute_values(
                        ":pk",
                        s(stats_pk(tenant, month.year(), month.month())),
                    )
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(|e| backend(tenant, "QueryReviewCounts", e))?;
                for item in out.items.unwrap_or_default() {
                    let day = item
                        .get("SK")
                        .and_then(|v| v.as_s().ok())
                        .and_then(|d| d.parse::<u32>().ok())
                        .and_then(|d| NaiveDate::from_ymd_opt(month.year(), month.month(), d));
                    if !day.is_some_and(|d| from <= d && d <= to) {
                        continue;
                    }
                    for (name, value) in &item {
                        if let Some(v) = value.as_n().ok().and_then(|v| v.parse::<u64>().ok()) {
                            add_counter(&mut counts, name, v);
                        }
                    }
                }
                start = out.last_evaluated_key;
                if start.is_none() {
                    break;
                }
            }
            month = match month.checked_add_months(chrono::Months::new(1)) {
                Some(next) => next,
                None => break,
            };
        }
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review_requests::{NotEligibleReason, SkipReason};

    #[test]
    fn counter_names_read_back_as_the_counts_they_came_from() {
        for outcome in [
            ReviewOutcome::Sent,
            ReviewOutcome::Failed { error: "x".into() },
            ReviewOutcome::Skipped {
                reason: SkipReason::ReturnOrRefund,
            },
            ReviewOutcome::NotEligible {
                reason: NotEligibleReason::NotOffered,
            },
        ] {
            let counts = ReviewCounts::of(&outcome);
            let mut back = ReviewCounts::default();
            for name in counter_names(&counts) {
                add_counter(&mut back, &name, 1);
            }
            assert_eq!(back, counts, "{outcome:?}");
        }
        let mut none = ReviewCounts::default();
        add_counter(&mut none, "version", 3);
        assert_eq!(none, ReviewCounts::default());
    }
}
