//! Claims: items `{claim id}` of the tenant's partition `T#{tenant}#CLAIM` (an order's claims
//! are one Query on the `{order}_` prefix), on GSI1 under `T#{tenant}#CLAIMS` sorted by
//! `{status rank}#{respond_by}#{id}`, so the list reads open claims first, soonest deadline
//! first, one Query per page. Versioned, every write conditional.

use super::items::{Item, from_attributes, s};
use super::{DynamoStore, backend, cursor, keys};
use crate::claims::{ClaimRecord, ClaimStatus};
use crate::domain::{ClaimId, OrderId, TenantId};
use crate::store::{ClaimStore, Page, PageRequest, StoreResult};

fn claim_pk(tenant: &TenantId) -> String {
    format!("{}CLAIM", keys::tenant_prefix(tenant))
}

fn list_pk(tenant: &TenantId) -> String {
    format!("{}CLAIMS", keys::tenant_prefix(tenant))
}

fn list_sk(record: &ClaimRecord) -> String {
    format!(
        "{}#{}#{}",
        record.status.rank(),
        keys::sortable(record.respond_by),
        record.id
    )
}

impl ClaimStore for DynamoStore {
    async fn claim(&self, tenant: &TenantId, id: &ClaimId) -> StoreResult<Option<ClaimRecord>> {
        self.get_one(tenant, claim_pk(tenant), id.as_str(), "GetClaim")
            .await
    }

    async fn save_claim(
        &self,
        record: &ClaimRecord,
        expected_version: Option<u64>,
    ) -> StoreResult<ClaimRecord> {
        let mut next = record.clone();
        next.version = expected_version.map_or(1, |v| v + 1);
        let tenant = &record.tenant;
        let mut item = Item::new(claim_pk(tenant), record.id.as_str(), &next);
        item.gsi1pk = Some(list_pk(tenant));
        item.gsi1sk = Some(list_sk(&next));
        self.conditional_put(tenant, item, expected_version, "claim", "SaveClaim")
            .await?;
        Ok(next)
    }

    async fn claims_page(
        &self,
        tenant: &TenantId,
        status: Option<ClaimStatus>,
        page: &PageRequest,
    ) -> StoreResult<Page<ClaimRecord>> {
        let pk = list_pk(tenant);
        let start = page
            .cursor
            .as_deref()
            .map(|c| cursor::decode(c, keys::GSI1PK, &pk))
            .transpose()?;
        let request = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI1)
            .expression_attribute_names("#pk", keys::GSI1PK)
            .expression_attribute_values(":pk", s(pk))
            .limit(page.effective_limit() as i32)
            .set_exclusive_start_key(start);
        let request = match status {
            None => request.key_condition_expression("#pk = :pk"),
            Some(status) => request
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :rank)")
                .expression_attribute_names("#sk", keys::GSI1SK)
                .expression_attribute_values(":rank", s(format!("{}#", status.rank()))),
        };
        let out = request
            .send()
            .await
            .map_err(|e| backend(tenant, "QueryClaims", e))?;
        let items = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(from_attributes)
            .collect::<StoreResult<Vec<ClaimRecord>>>()?;
        Ok(Page {
            items,
            next: cursor::encode(out.last_evaluated_key.as_ref()),
        })
    }

    async fn order_claims(
        &self,
        tenant: &TenantId,
        order: &OrderId,
    ) -> StoreResult<Vec<ClaimRecord>> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :order)")
            .expression_attribute_values(":pk", s(claim_pk(tenant)))
            .expression_attribute_values(":order", s(format!("{order}_")))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| backend(tenant, "QueryOrderClaims", e))?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(from_attributes)
            .collect()
    }
}
