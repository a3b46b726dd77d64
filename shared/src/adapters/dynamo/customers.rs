//! Customers, their identities and their history across channels.

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::TransactWriteItem;
use serde::{Deserialize, Serialize};

use super::items::{Item, from_attributes, s};
use super::keys::{self, HISTORY_PREFIX, META, ONE, PK};
use super::tickets::put;
use super::{DynamoStore, backend, cursor};
use crate::domain::{Customer, CustomerId, Identity, TenantId};
use crate::store::{CustomerStore, HistoryEntry, Page, PageRequest, StoreError, StoreResult};

#[derive(Debug, Serialize, Deserialize)]
struct IdentityLink {
    customer: CustomerId,
}

/// The customer item and one link per identity, each written only if new: two workers never
/// create two customers for one identity.
pub(super) fn customer_items(
    table: &str,
    tenant: &TenantId,
    customer: &Customer,
) -> StoreResult<Vec<TransactWriteItem>> {
    let mut items = vec![put(
        table,
        Item::new(keys::customer_pk(tenant, &customer.id), META, customer).to_attributes()?,
        "attribute_not_exists(PK)",
        None,
    )?];
    for identity in &customer.identities {
        items.push(identity_link(table, tenant, identity, &customer.id)?);
    }
    Ok(items)
}

/// Links `identity` to `customer` unless it belongs to someone already.
pub(super) fn identity_link(
    table: &str,
    tenant: &TenantId,
    identity: &Identity,
    customer: &CustomerId,
) -> StoreResult<TransactWriteItem> {
    let link = Item::new(
        keys::identity_pk(tenant, identity),
        ONE,
        IdentityLink {
            customer: customer.clone(),
        },
    );
    put(
        table,
        link.to_attributes()?,
        "attribute_not_exists(PK)",
        None,
    )
}

impl DynamoStore {
    async fn write_identities(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
        items: Vec<TransactWriteItem>,
    ) -> StoreResult<()> {
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(TransactWriteItemsError::TransactionCanceledException(_))
                ) =>
            {
                Err(StoreError::Conflict {
                    tenant: tenant.clone(),
                    entity: "customer identity",
                    id: customer.to_string(),
                    expected: None,
                })
            }
            Err(e) => Err(backend(tenant, "WriteIdentities", e)),
        }
    }
}

impl CustomerStore for DynamoStore {
    async fn customer(&self, tenant: &TenantId, id: &CustomerId) -> StoreResult<Option<Customer>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(keys::customer_pk(tenant, id)))
            .key("SK", s(META))
            .send()
            .await
            .map_err(|e| backend(tenant, "GetCustomer", e))?;
        out.item.map(from_attributes).transpose()
    }

    async fn find_by_identity(
        &self,
        tenant: &TenantId,
        identity: &Identity,
    ) -> StoreResult<Option<CustomerId>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(keys::identity_pk(tenant, identity)))
            .key("SK", s(ONE))
            .send()
            .await
            .map_err(|e| backend(tenant, "FindIdentity", e))?;
        Ok(out
            .item
            .map(from_attributes::<IdentityLink>)
            .transpose()?
            .map(|l| l.customer))
    }

    async fn create_customer(&self, tenant: &TenantId, customer: &Customer) -> StoreResult<()> {
        let items = customer_items(&self.table, tenant, customer)?;
        self.write_identities(tenant, &customer.id, items).await
    }

    async fn link_identities(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
        identities: &[Identity],
    ) -> StoreResult<()> {
        if identities.is_empty() {
            return Ok(());
        }
        let items = identities
            .iter()
            .map(|i| identity_link(&self.table, tenant, i, customer))
            .collect::<StoreResult<Vec<_>>>()?;
        self.write_identities(tenant, customer, items).await
    }

    async fn add_history(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
        entry: &HistoryEntry,
    ) -> StoreResult<()> {
        let sk = match entry {
            HistoryEntry::Ticket { ticket, at, .. } => keys::history_ticket_sk(*at, ticket),
            HistoryEntry::Order {
                channel, order, at, ..
            } => keys::history_order_sk(*at, *channel, order),
        };
        let item = Item::new(keys::customer_pk(tenant, customer), sk, entry).to_attributes()?;
        // Re-adding the same entry is harmless: it is the same item.
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| backend(tenant, "AddHistory", e))?;
        Ok(())
    }

    async fn history(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
        page: &PageRequest,
    ) -> StoreResult<Page<HistoryEntry>> {
        let pk = keys::customer_pk(tenant, customer);
        let start = page
            .cursor
            .as_deref()
            .map(|c| cursor::decode(c, PK, &pk))
            .transpose()?;
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :h)")
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":h", s(HISTORY_PREFIX))
            .scan_index_forward(false)
            .limit(page.effective_limit() as i32)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| backend(tenant, "QueryHistory", e))?;
        let items = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(from_attributes)
            .collect::<StoreResult<Vec<HistoryEntry>>>()?;
        Ok(Page {
            items,
            next: cursor::encode(out.last_evaluated_key.as_ref()),
        })
    }
}
