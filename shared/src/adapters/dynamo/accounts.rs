//! Channel accounts and their poll cursors with leases.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{Delete, Put, ReturnValue, TransactWriteItem};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::items::{Attributes, Item, from_attributes, n, s};
use super::keys::{self, CURSOR, ONE};
use super::tickets::is_conditional_failure;
use super::{DynamoStore, audit_put, backend};
use crate::domain::{AccountId, AuditEntry, ChannelAccount, SellerId, TenantId};
use crate::store::{AccountStore, PollCursor, ROUTING_TENANT, StoreError, StoreResult};

/// The only content of a seller route: where the seller's notifications go.
#[derive(Serialize, Deserialize)]
struct SellerRoute {
    tenant: TenantId,
    account: AccountId,
}

fn built<T, E: std::fmt::Display>(table: &str, result: Result<T, E>) -> StoreResult<T> {
    result.map_err(|e| StoreError::Corrupt {
        key: table.to_string(),
        reason: e.to_string(),
    })
}

/// The account's Put: new, or replacing the version the caller read.
fn account_put(
    table: &str,
    item: Attributes,
    expected_version: Option<u64>,
) -> StoreResult<TransactWriteItem> {
    let put = Put::builder().table_name(table).set_item(Some(item));
    let put = match expected_version {
        None => put.condition_expression("attribute_not_exists(PK)"),
        Some(v) => put
            .condition_expression("#v = :expected")
            .expression_attribute_names("#v", "version")
            .expression_attribute_values(":expected", n(v)),
    };
    Ok(TransactWriteItem::builder()
        .put(built(table, put.build())?)
        .build())
}

/// The seller's route to this account. A tenant may move its own route to another of its
/// accounts, but never take over a seller that another tenant has connected: that would
/// redirect the other tenant's order notifications.
fn route_put(
    table: &str,
    seller: &SellerId,
    account: &ChannelAccount,
) -> StoreResult<TransactWriteItem> {
    let route = SellerRoute {
        tenant: account.tenant.clone(),
        account: account.id.clone(),
    };
    let item = Item::new(keys::seller_route_pk(seller), ONE, route).to_attributes()?;
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(PK) OR #tenant = :tenant")
        .expression_attribute_names("#tenant", "tenant")
        .expression_attribute_values(":tenant", s(account.tenant.as_str()));
    Ok(TransactWriteItem::builder()
        .put(built(table, put.build())?)
        .build())
}

/// Which items of a cancelled transaction failed their condition, in item order.
fn failed_conditions<R>(err: &SdkError<TransactWriteItemsError, R>) -> Option<Vec<bool>> {
    let Some(TransactWriteItemsError::TransactionCanceledException(c)) = err.as_service_error()
    else {
        return None;
    };
    Some(
        c.cancellation_reasons()
            .iter()
            .map(|r| r.code() == Some("ConditionalCheckFailed"))
            .collect(),
    )
}

fn cursor_from(attrs: Attributes, account: &AccountId) -> StoreResult<PollCursor> {
    let get_s = |k: &str| attrs.get(k).and_then(|v| v.as_s().ok()).cloned();
    let get_n = |k: &str| {
        attrs
            .get(k)
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse::<i64>().ok())
    };
    Ok(PollCursor {
        account: account.clone(),
        position: get_s("position"),
        lease_owner: get_s("lease_owner"),
        lease_until: get_n("lease_until_ms").and_then(DateTime::<Utc>::from_timestamp_millis),
        version: get_n("version")
            .and_then(|v| u64::try_from(v).ok())
            .unwrap_or(0),
    })
}

fn lease_conflict<R>(err: &SdkError<UpdateItemError, R>) -> bool {
    matches!(
        err.as_service_error(),
        Some(UpdateItemError::ConditionalCheckFailedException(_))
    )
}

impl DynamoStore {
    async fn save(
        &self,
        account: &ChannelAccount,
        expected_version: Option<u64>,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<ChannelAccount> {
        let tenant = &account.tenant;
        let mut next = account.clone();
        next.version = expected_version.map_or(1, |v| v + 1);
        let item = Item::new(
            keys::accounts_pk(tenant),
            keys::account_sk(&account.id),
            &next,
        )
        .to_attributes()?;
        let conflict = |entity, id: String, expected| StoreError::Conflict {
            tenant: tenant.clone(),
            entity,
            id,
            expected,
        };
        let account_conflict =
            || conflict("channel account", account.id.to_string(), expected_version);
        if account.seller_id.is_none() && audit.is_none() {
            let mut request = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item));
            request = match expected_version {
                None => request.condition_expression("attribute_not_exists(PK)"),
                Some(v) => request
                    .condition_expression("#v = :expected")
                    .expression_attribute_names("#v", "version")
                    .expression_attribute_values(":expected", n(v)),
            };
            return match request.send().await {
                Ok(_) => Ok(next),
                Err(e) if is_conditional_failure(&e) => Err(account_conflict()),
                Err(e) => Err(backend(tenant, "SaveAccount", e)),
            };
        }
        // Item order matters: cancellation reasons come in it (account, route if any, audit).
        let mut items = vec![account_put(&self.table, item, expected_version)?];
        if let Some(seller) = &account.seller_id {
            items.push(route_put(&self.table, seller, account)?);
        }
        if let Some(audit) = audit {
            items.push(audit_put(&self.table, tenant, audit)?);
        }
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match (result, &account.seller_id) {
            (Ok(_), _) => Ok(next),
            (Err(e), seller) => match (failed_conditions(&e).as_deref(), seller) {
                (Some([true, ..]), _) => Err(account_conflict()),
                (Some([_, true, ..]), Some(seller)) => {
                    Err(conflict("seller route", seller.to_string(), None))
                }
                _ => Err(backend(tenant, "SaveAccount", e)),
            },
        }
    }
}

impl AccountStore for DynamoStore {
    async fn accounts(&self, tenant: &TenantId) -> StoreResult<Vec<ChannelAccount>> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", s(keys::accounts_pk(tenant)))
            .send()
            .await
            .map_err(|e| backend(tenant, "QueryAccounts", e))?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(from_attributes)
            .collect()
    }

    async fn account(
        &self,
        tenant: &TenantId,
        id: &AccountId,
    ) -> StoreResult<Option<ChannelAccount>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(keys::accounts_pk(tenant)))
            .key("SK", s(keys::account_sk(id)))
            .send()
            .await
            .map_err(|e| backend(tenant, "GetAccount", e))?;
        out.item.map(from_attributes).transpose()
    }

    async fn save_account(
        &self,
        account: &ChannelAccount,
        expected_version: Option<u64>,
    ) -> StoreResult<ChannelAccount> {
        self.save(account, expected_version, None).await
    }

    async fn save_account_audited(
        &self,
        account: &ChannelAccount,
        expected_version: Option<u64>,
        audit: &AuditEntry,
    ) -> StoreResult<ChannelAccount> {
        self.save(account, expected_version, Some(audit)).await
    }

    async fn delete_account(
        &self,
        account: &ChannelAccount,
        expected_version: u64,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        let tenant = &account.tenant;
        let account_delete = Delete::builder()
            .table_name(&self.table)
            .key("PK", s(keys::accounts_pk(tenant)))
            .key("SK", s(keys::account_sk(&account.id)))
            .condition_expression("#v = :expected")
            .expression_attribute_names("#v", "version")
            .expression_attribute_values(":expected", n(expected_version));
        let cursor_delete = Delete::builder()
            .table_name(&self.table)
            .key("PK", s(keys::account_pk(tenant, &account.id)))
            .key("SK", s(CURSOR));
        let mut items = vec![
            TransactWriteItem::builder()
                .delete(built(&self.table, account_delete.build())?)
                .build(),
            TransactWriteItem::builder()
                .delete(built(&self.table, cursor_delete.build())?)
                .build(),
            audit_put(&self.table, tenant, audit)?,
        ];
        // The route goes only while it is still this account's: another tenant (after this one
        // released it) or another account of this tenant may hold it now.
        if let Some(seller) = &account.seller_id
            && self.account_for_seller(seller).await? == Some((tenant.clone(), account.id.clone()))
        {
            let route_delete = Delete::builder()
                .table_name(&self.table)
                .key("PK", s(keys::seller_route_pk(seller)))
                .key("SK", s(ONE))
                .condition_expression("#tenant = :tenant AND #account = :account")
                .expression_attribute_names("#tenant", "tenant")
                .expression_attribute_names("#account", "account")
                .expression_attribute_values(":tenant", s(tenant.as_str()))
                .expression_attribute_values(":account", s(account.id.as_str()));
            items.push(
                TransactWriteItem::builder()
                    .delete(built(&self.table, route_delete.build())?)
                    .build(),
            );
        }
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // The account changed, or the route moved between the read and the write: either
            // way nothing was deleted, and a retry reads afresh.
            Err(e) if failed_conditions(&e).is_some_and(|f| f.contains(&true)) => {
                Err(StoreError::Conflict {
                    tenant: tenant.clone(),
                    entity: "channel account",
                    id: account.id.to_string(),
                    expected: Some(expected_version),
                })
            }
            Err(e) => Err(backend(tenant, "DeleteAccount", e)),
        }
    }

    async fn account_for_seller(
        &self,
        seller: &SellerId,
    ) -> StoreResult<Option<(TenantId, AccountId)>> {
        let routing = TenantId::parse(ROUTING_TENANT).expect("valid tenant id");
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(keys::seller_route_pk(seller)))
            .key("SK", s(ONE))
            .send()
            .await
            .map_err(|e| backend(&routing, "GetSellerRoute", e))?;
        let route: Option<SellerRoute> = out.item.map(from_attributes).transpose()?;
        Ok(route.map(|r| (r.tenant, r.account)))
    }

    async fn acquire_lease(
        &self,
        tenant: &TenantId,
        account: &AccountId,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<PollCursor> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::account_pk(tenant, account)))
            .key("SK", s(CURSOR))
            .update_expression(
                "SET lease_owner = :owner, lease_until_ms = :until, \
                 version = if_not_exists(version, :zero) + :one",
            )
            .condition_expression(
                "attribute_not_exists(lease_until_ms) OR lease_until_ms < :now OR lease_owner = :owner",
            )
            .expression_attribute_values(":owner", s(owner))
            .expression_attribute_values(":until", n(until.timestamp_millis()))
            .expression_attribute_values(":now", n(now.timestamp_millis()))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":one", n(1))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => cursor_from(out.attributes.unwrap_or_default(), account),
            Err(e) if lease_conflict(&e) => Err(StoreError::Conflict {
                tenant: tenant.clone(),
                entity: "poll lease",
                id: account.to_string(),
                expected: None,
            }),
            Err(e) => Err(backend(tenant, "AcquireLease", e)),
        }
    }

    async fn advance_cursor(
        &self,
        tenant: &TenantId,
        cursor: &PollCursor,
        owner: &str,
        position: Option<String>,
        release: bool,
    ) -> StoreResult<PollCursor> {
        let mut set = vec!["version = version + :one"];
        let mut remove = Vec::new();
        match &position {
            Some(_) => set.push("#pos = :position"),
            None => remove.push("#pos"),
        }
        if release {
            remove.extend(["lease_owner", "lease_until_ms"]);
        }
        let mut expression = format!("SET {}", set.join(", "));
        if !remove.is_empty() {
            expression.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(keys::account_pk(tenant, &cursor.account)))
            .key("SK", s(CURSOR))
            .update_expression(expression)
            .condition_expression("lease_owner = :owner AND version = :v")
            // POSITION is a DynamoDB reserved word.
            .expression_attribute_names("#pos", "position")
            .set_expression_attribute_values(Some(
                [
                    (":owner".to_string(), s(owner)),
                    (":v".to_string(), n(cursor.version)),
                    (":one".to_string(), n(1)),
                ]
                .into_iter()
                .chain(position.clone().map(|p| (":position".to_string(), s(p))))
                .collect(),
            ))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => cursor_from(out.attributes.unwrap_or_default(), &cursor.account),
            Err(e) if lease_conflict(&e) => Err(StoreError::Conflict {
                tenant: tenant.clone(),
                entity: "poll cursor",
                id: cursor.account.to_string(),
                expected: Some(cursor.version),
            }),
            Err(e) => Err(backend(tenant, "AdvanceCursor", e)),
        }
    }
}
