//! Quarantined payloads per tenant, newest first.

use super::items::{Item, from_attributes, s};
use super::keys;
use super::{DynamoStore, backend, cursor};
use crate::domain::TenantId;
use crate::store::{Page, PageRequest, QuarantineRecord, QuarantineStore, StoreResult};

impl QuarantineStore for DynamoStore {
    async fn quarantine(&self, record: &QuarantineRecord) -> StoreResult<()> {
        let item = Item::new(
            keys::quarantine_pk(&record.tenant),
            keys::quarantine_sk(record.at, &record.id),
            record,
        );
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item.to_attributes()?))
            .send()
            .await
            .map_err(|e| backend(&record.tenant, "Quarantine", e))?;
        Ok(())
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
}
