//! The reads ingestion plans with: one BatchGetItem of everything keyed by what the message
//! says, then one of what those keys point at.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::KeysAndAttributes;
use serde::Deserialize;

use super::items::{Attributes, from_attributes, s};
use super::keys::{self, META, ONE};
use super::{DynamoStore, backend};
use crate::domain::{Customer, CustomerId, Order, OrderId, TenantId, Ticket, TicketId};
use crate::store::{InboundContext, InboundLookup, StoreError, StoreResult};

/// BatchGetItem answers at most this many keys; a lookup never needs as many.
const BATCH_LIMIT: usize = 100;

/// Rounds of unprocessed keys (throttling) retried before giving up.
const UNPROCESSED_ROUNDS: usize = 5;

#[derive(Deserialize)]
struct TicketLink {
    ticket: TicketId,
}

#[derive(Deserialize)]
struct CustomerLink {
    customer: CustomerId,
}

#[derive(Deserialize)]
pub(super) struct OrderLinkItem {
    pub(super) order: OrderId,
}

fn key(pk: String, sk: &str) -> Attributes {
    HashMap::from([("PK".to_owned(), s(pk)), ("SK".to_owned(), s(sk))])
}

fn pk_of(item: &Attributes) -> String {
    item.get("PK")
        .and_then(|v| v.as_s().ok())
        .cloned()
        .unwrap_or_default()
}

impl DynamoStore {
    /// Reads `keys` in one BatchGetItem (retrying only what DynamoDB left unprocessed), by PK.
    pub(super) async fn batch_get(
        &self,
        tenant: &TenantId,
        wanted: Vec<(String, &str)>,
    ) -> StoreResult<HashMap<String, Attributes>> {
        // DynamoDB rejects a batch that names a key twice; every PK here has one item.
        let mut unique = std::collections::HashSet::new();
        let wanted: Vec<Attributes> = wanted
            .into_iter()
            .filter(|(pk, _)| unique.insert(pk.clone()))
            .take(BATCH_LIMIT)
            .map(|(pk, sk)| key(pk, sk))
            .collect();
        let mut found = HashMap::new();
        let mut pending = Some(
            KeysAndAttributes::builder()
                .set_keys(Some(wanted))
                .consistent_read(true)
                .build()
                .map_err(|e| StoreError::Corrupt {
                    key: "BatchGet".into(),
                    reason: e.to_string(),
                })?,
        );
        let mut round = 0;
        while let Some(request) = pending.take() {
            if request.keys().is_empty() {
                break;
            }
            round += 1;
            if round > UNPROCESSED_ROUNDS {
                return Err(StoreError::Backend {
                    tenant: tenant.clone(),
                    operation: "BatchGetInbound",
                    message: "keys left unprocessed after retries (throttled)".into(),
                });
            }
            if round > 1 {
                tokio::time::sleep(std::time::Duration::from_millis(50 << round)).await;
            }
            let out = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
                .map_err(|e| backend(tenant, "BatchGetInbound", e))?;
            for item in out
                .responses
                .and_then(|mut r| r.remove(&self.table))
                .unwrap_or_default()
            {
                found.insert(pk_of(&item), item);
            }
            pending = out.unprocessed_keys.and_then(|mut u| u.remove(&self.table));
        }
        Ok(found)
    }

    pub(super) async fn load_inbound_context(
        &self,
        tenant: &TenantId,
        lookup: &InboundLookup,
    ) -> StoreResult<InboundContext> {
        let seen_pk = keys::seen_pk(tenant, &lookup.seen);
        let thread_pks: Vec<String> = lookup
            .threads
            .iter()
            .map(|t| keys::thread_pk(tenant, t))
            .collect();
        let identity_pks: Vec<String> = lookup
            .identities
            .iter()
            .map(|i| keys::identity_pk(tenant, i))
            .collect();
        let order_pk = lookup
            .order
            .as_ref()
            .map(|o| keys::order_pk(tenant, o.channel, &o.order));
        let link_pk = lookup
            .order_link
            .as_ref()
            .map(|l| keys::order_link_pk(tenant, l));

        let mut wanted = vec![(seen_pk.clone(), ONE)];
        wanted.extend(thread_pks.iter().map(|pk| (pk.clone(), ONE)));
        wanted.extend(identity_pks.iter().map(|pk| (pk.clone(), ONE)));
        wanted.extend(order_pk.iter().map(|pk| (pk.clone(), META)));
        wanted.extend(link_pk.iter().map(|pk| (pk.clone(), ONE)));
        let mut first = self.batch_get(tenant, wanted).await?;

        let mut ctx = InboundContext {
            seen: first.contains_key(&seen_pk),
            ..Default::default()
        };
        let mut ticket_id = None;
        for (thread, pk) in lookup.threads.iter().zip(&thread_pks) {
            if let Some(item) = first.remove(pk) {
                ticket_id = Some(from_attributes::<TicketLink>(item)?.ticket);
                ctx.thread = Some(thread.clone());
                break;
            }
        }
        for (identity, pk) in lookup.identities.iter().zip(&identity_pks) {
            if let Some(item) = first.remove(pk) {
                let link = from_attributes::<CustomerLink>(item)?;
                ctx.customers.push((identity.clone(), link.customer));
            }
        }
        if let Some(item) = order_pk.as_ref().and_then(|pk| first.remove(pk)) {
            ctx.order = Some(from_attributes::<Order>(item)?);
        }
        let linked_order = match (&ctx.order, &lookup.order_link, link_pk) {
            (None, Some(link), Some(pk)) => first
                .remove(&pk)
                .map(from_attributes::<OrderLinkItem>)
                .transpose()?
                .map(|l| keys::order_pk(tenant, link.channel, &l.order)),
            _ => None,
        };

        // The second read: what the first one pointed at.
        let ticket_pk = ticket_id.as_ref().map(|id| keys::ticket_pk(tenant, id));
        let customer_pk = ctx
            .customers
            .first()
            .map(|(_, c)| keys::customer_pk(tenant, c));
        // The stored order's buyer may be known under identities the message does not carry.
        let order_identities: Vec<_> = ctx
            .order
            .iter()
            .flat_map(|o| o.buyer_identities.iter())
            .filter(|i| !lookup.identities.contains(i))
            .map(|i| (i.clone(), keys::identity_pk(tenant, i)))
            .collect();
        ctx.order_identities_known = ctx.order.is_some();
        let mut wanted = Vec::new();
        wanted.extend(order_identities.iter().map(|(_, pk)| (pk.clone(), ONE)));
        wanted.extend(ticket_pk.iter().map(|pk| (pk.clone(), META)));
        // The ticket's report item rides along in the same request (reports: open messages).
        let report_pk = ticket_id
            .as_ref()
            .map(|id| keys::report_ticket_pk(tenant, id));
        wanted.extend(report_pk.iter().map(|pk| (pk.clone(), ONE)));
        wanted.extend(linked_order.iter().map(|pk| (pk.clone(), META)));
        wanted.extend(customer_pk.iter().map(|pk| (pk.clone(), META)));
        if wanted.is_empty() {
            return Ok(ctx);
        }
        let mut second = self.batch_get(tenant, wanted).await?;
        for (identity, pk) in order_identities {
            if let Some(item) = second.remove(&pk) {
                let link = from_attributes::<CustomerLink>(item)?;
                ctx.customers.push((identity, link.customer));
            }
        }
        if let Some(pk) = &ticket_pk {
            ctx.ticket = second
                .remove(pk)
                .map(from_attributes::<Ticket>)
                .transpose()?;
            if ctx.ticket.is_none() {
                // A thread link whose ticket is gone: treat the message as a new thread.
                ctx.thread = None;
            } else if let Some(pk) = &report_pk {
                ctx.report = second
                    .remove(pk)
                    .map(super::reports::facts_from_item)
                    .transpose()?;
            }
        }
        if let Some(pk) = &linked_order {
            ctx.order = second
                .remove(pk)
                .map(from_attributes::<Order>)
                .transpose()?;
        }
        if let Some(pk) = &customer_pk
            && let Some(item) = second.remove(pk)
        {
            let customer = from_attributes::<Customer>(item)?;
            ctx.lifetime_value_minor = customer.lifetime_value_minor;
            ctx.customer_since = Some(customer.created_at);
        }
        Ok(ctx)
    }
}
