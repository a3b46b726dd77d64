//! Amazon seller feedback: items `{order}_{yyyymmdd}` (the feedback key) of the tenant's
//! partition `T#{tenant}#FDBK`, so the tenant's feedback is one Query and an order's is one
//! Query on its prefix; the account's report job is `T#{tenant}#ACCT#{account}` /
//! `FEEDBACK_REPORT`, beside its poll cursor. Both versioned, every write conditional.

use serde::Serialize;

use super::items::{Item, from_attributes, n, s};
use super::tickets::is_conditional_failure;
use super::{DynamoStore, backend, cursor, keys};
use crate::domain::{AccountId, OrderId, TenantId};
use crate::feedback::{FeedbackRecord, ReportJob};
use crate::store::{FeedbackStore, Page, PageRequest, StoreError, StoreResult};

const JOB_SK: &str = "FEEDBACK_REPORT";

fn feedback_pk(tenant: &TenantId) -> String {
    format!("{}FDBK", keys::tenant_prefix(tenant))
}

impl DynamoStore {
    /// Puts `item`, new (`expected` `None`) or over the version read; a lost race is
    /// `Conflict` naming `entity` and the item's sort key.
    pub(super) async fn conditional_put<T: Serialize>(
        &self,
        tenant: &TenantId,
        item: Item<T>,
        expected: Option<u64>,
        entity: &'static str,
        operation: &'static str,
    ) -> StoreResult<()> {
        let sk = item.sk.clone();
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item.to_attributes()?));
        let request = match expected {
            None => request.condition_expression("attribute_not_exists(PK)"),
            Some(v) => request
                .condition_expression("#v = :expected")
                .expression_attribute_names("#v", "version")
                .expression_attribute_values(":expected", n(v)),
        };
        match request.send().await {
            Ok(_) => Ok(()),
            Err(e) if is_conditional_failure(&e) => Err(StoreError::Conflict {
                tenant: tenant.clone(),
                entity,
                id: sk,
                expected,
            }),
            Err(e) => Err(backend(tenant, operation, e)),
        }
    }

    pub(super) async fn get_one<T: serde::de::DeserializeOwned>(
        &self,
        tenant: &TenantId,
        pk: String,
        sk: &str,
        operation: &'static str,
    ) -> StoreResult<Option<T>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(pk))
            .key("SK", s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| backend(tenant, operation, e))?;
        out.item.map(from_attributes).transpose()
    }
}

impl FeedbackStore for DynamoStore {
    async fn feedback(&self, tenant: &TenantId, id: &str) -> StoreResult<Option<FeedbackRecord>> {
        self.get_one(tenant, feedback_pk(tenant), id, "GetFeedback")
            .await
    }

    async fn save_feedback(
        &self,
        record: &FeedbackRecord,
        expected_version: Option<u64>,
    ) -> StoreResult<FeedbackRecord> {
        let mut next = record.clone();
        next.version = expected_version.map_or(1, |v| v + 1);
        let tenant = &record.tenant;
        self.conditional_put(
            tenant,
            Item::new(feedback_pk(tenant), record.id.clone(), &next),
            expected_version,
            "feedback",
            "SaveFeedback",
        )
        .await?;
        Ok(next)
    }

    async fn feedback_page(
        &self,
        tenant: &TenantId,
        page: &PageRequest,
    ) -> StoreResult<Page<FeedbackRecord>> {
        let pk = feedback_pk(tenant);
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
            .limit(page.effective_limit() as i32)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| backend(tenant, "QueryFeedback", e))?;
        let items = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(from_attributes)
            .collect::<StoreResult<Vec<FeedbackRecord>>>()?;
        Ok(Page {
            items,
            next: cursor::encode(out.last_evaluated_key.as_ref()),
        })
    }

    async fn order_feedback(
        &self,
        tenant: &TenantId,
        order: &OrderId,
    ) -> StoreResult<Vec<FeedbackRecord>> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :order)")
            .expression_attribute_values(":pk", s(feedback_pk(tenant)))
            .expression_attribute_values(":order", s(format!("{order}_")))
            .send()
            .await
            .map_err(|e| backend(tenant, "QueryOrderFeedback", e))?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(from_attributes)
            .collect()
    }

    async fn report_job(
        &self,
        tenant: &TenantId,
        account: &AccountId,
    ) -> StoreResult<Option<ReportJob>> {
        self.get_one(
            tenant,
            keys::account_pk(tenant, account),
            JOB_SK,
            "GetReportJob",
        )
        .await
    }

    async fn save_report_job(
        &self,
        tenant: &TenantId,
        job: &ReportJob,
        expected_version: Option<u64>,
    ) -> StoreResult<ReportJob> {
        let mut next = job.clone();
        next.version = expected_version.map_or(1, |v| v + 1);
        self.conditional_put(
            tenant,
            Item::new(keys::account_pk(tenant, &job.account), JOB_SK, &next),
            expected_version,
            "feedback report job",
            "SaveReportJob",
        )
        .await?;
        Ok(next)
    }
}
