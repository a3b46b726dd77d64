//! Tickets, their messages, events and notes, the queues and thread lookups.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use chrono::Duration;
use serde::{Deserialize, Serialize};

use super::customers::{customer_items, identity_link};
use super::items::{Attributes, Item, from_attributes, n, s};
use super::keys::{self, GSI1, GSI1PK, GSI2, GSI2PK, META, ONE};
use super::orders::order_put;
use super::{DynamoStore, backend, cursor};
use crate::domain::{
    DeliveryState, Message, MessageId, Note, TenantId, Ticket, TicketEvent, TicketId, TicketStatus,
};
use crate::store::{
    InboundContext, InboundLookup, InboundOutcome, InboundWrite, Page, PageRequest, StoreError,
    StoreResult, ThreadKey, TicketFilter, TicketQueue, TicketStore, TicketView, TicketWrite,
};

/// How long a seen record keeps a redelivered event from being recorded twice. SQS keeps a
/// message 14 days at most; marketplaces re-list a conversation for longer, so keep 90.
const SEEN_RETENTION: Duration = Duration::days(90);

#[derive(Debug, Serialize, Deserialize)]
struct ThreadLink {
    ticket: TicketId,
}

#[derive(Debug, Serialize, Deserialize)]
struct SeenRecord {
    ticket: TicketId,
    message: MessageId,
}

/// The ticket item with its queue keys: GSI1 by status, GSI2 by assignee.
fn ticket_item(ticket: &Ticket) -> StoreResult<Attributes> {
    let mut item = Item::new(keys::ticket_pk(&ticket.tenant, &ticket.id), META, ticket);
    item.gsi1pk = Some(keys::status_queue_pk(&ticket.tenant, ticket.status));
    // Resolved tickets are listed most recently updated first by their own queue; the others
    // by risk lane, then deadline.
    let band = ticket.queue_band();
    item.gsi1sk = Some(match ticket.status {
        TicketStatus::Resolved => keys::due_sk(Some(ticket.updated_at), &ticket.id),
        _ => keys::queue_sk(band, ticket.queue_due(), &ticket.id),
    });
    if let Some(agent) = &ticket.assignee {
        item.gsi2pk = Some(keys::agent_queue_pk(&ticket.tenant, agent));
        item.gsi2sk = Some(keys::queue_sk(band, ticket.queue_due(), &ticket.id));
    }
    let mut attributes = item.to_attributes()?;
    // The deadline the `overdue` filter compares (fixed width, so it compares as text).
    if let Some(due) = ticket.queue_due() {
        attributes.insert(QUEUE_DUE.to_owned(), s(keys::sortable(due)));
    }
    Ok(attributes)
}

/// Top-level attribute of a ticket item: its queue deadline, fixed-width UTC.
const QUEUE_DUE: &str = "queue_due";

/// A message item; a reply still queued for delivery is also on the outbox index until its
/// delivery is recorded (the item is then written again without those keys).
pub(super) fn message_item(tenant: &TenantId, message: &Message) -> StoreResult<Attributes> {
    let mut item = Item::new(
        keys::ticket_pk(tenant, &message.ticket),
        keys::message_sk(message.sent_at, &message.id),
        message,
    );
    if message.delivery == Some(DeliveryState::Queued) {
        item.gsi2pk = Some(keys::outbox_pk(tenant));
        item.gsi2sk = Some(keys::message_sk(message.sent_at, &message.id));
    }
    item.to_attributes()
}

pub(super) fn event_item(tenant: &TenantId, event: &TicketEvent) -> StoreResult<Attributes> {
    Item::new(
        keys::ticket_pk(tenant, &event.ticket),
        keys::event_sk(event.at, &event.id),
        event,
    )
    .to_attributes()
}

fn note_item(tenant: &TenantId, note: &Note) -> StoreResult<Attributes> {
    Item::new(
        keys::ticket_pk(tenant, &note.ticket),
        keys::note_sk(note.at, &note.id),
        note,
    )
    .to_attributes()
}

/// A transactional Put of `item` under `condition`; `version` fills `#v = :expected`.
pub(super) fn put(
    table: &str,
    item: Attributes,
    condition: &str,
    version: Option<u64>,
) -> StoreResult<TransactWriteItem> {
    let mut builder = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression(condition);
    if let Some(v) = version {
        builder = builder
            .expression_attribute_names("#v", "version")
            .expression_attribute_values(":expected", n(v));
    }
    let put = builder.build().map_err(|e| StoreError::Corrupt {
        key: table.to_string(),
        reason: e.to_string(),
    })?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// A transactional Put that overwrites whatever is there (links that may be re-pointed).
pub(super) fn upsert(table: &str, item: Attributes) -> StoreResult<TransactWriteItem> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .build()
        .map_err(|e| StoreError::Corrupt {
            key: table.to_string(),
            reason: e.to_string(),
        })?;
    Ok(TransactWriteItem::builder().put(put).build())
}

pub(super) fn is_conditional_failure<R>(err: &SdkError<PutItemError, R>) -> bool {
    matches!(
        err.as_service_error(),
        Some(PutItemError::ConditionalCheckFailedException(_))
    )
}

impl DynamoStore {
    pub(super) fn conflict(
        tenant: &TenantId,
        entity: &'static str,
        id: &str,
        expected: Option<u64>,
    ) -> StoreError {
        StoreError::Conflict {
            tenant: tenant.clone(),
            entity,
            id: id.to_string(),
            expected,
        }
    }

    pub(super) async fn put_new(
        &self,
        tenant: &TenantId,
        item: Attributes,
        operation: &'static str,
    ) -> StoreResult<()> {
        let id = item
            .get("SK")
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default();
        match self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if is_conditional_failure(&e) => Err(Self::conflict(tenant, "item", &id, None)),
            Err(e) => Err(backend(tenant, operation, e)),
        }
    }
}

impl TicketStore for DynamoStore {
    async fn ticket(&self, tenant: &TenantId, id: &TicketId) -> StoreResult<Option<Ticket>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(keys::ticket_pk(tenant, id)))
            .key("SK", s(META))
            .send()
            .await
            .map_err(|e| backend(tenant, "GetTicket", e))?;
        out.item.map(from_attributes).transpose()
    }

    async fn ticket_view(
        &self,
        tenant: &TenantId,
        id: &TicketId,
    ) -> StoreResult<Option<TicketView>> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", s(keys::ticket_pk(tenant, id)))
            .send()
            .await
            .map_err(|e| backend(tenant, "QueryTicket", e))?;
        let mut ticket = None;
        let (mut messages, mut events, mut notes) = (Vec::new(), Vec::new(), Vec::new());
        let mut presences = Vec::new();
        for item in out.items.unwrap_or_default() {
            let sk = item
                .get("SK")
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default();
            match sk.split('#').next() {
                Some("A") => ticket = Some(from_attributes::<Ticket>(item)?),
                Some("MSG") => messages.push(from_attributes(item)?),
                Some("EVT") => events.push(from_attributes(item)?),
                Some("NOTE") => notes.push(from_attributes(item)?),
                Some("PRES") => presences.push(from_attributes(item)?),
                _ => {}
            }
        }
        Ok(ticket.map(|ticket| TicketView {
            ticket,
            messages,
            events,
            notes,
            presences,
        }))
    }

    async fn update_ticket(&self, ticket: &Ticket) -> StoreResult<Ticket> {
        let mut next = ticket.clone();
        next.version = ticket.version + 1;
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(ticket_item(&next)?))
            .condition_expression("#v = :expected")
            .expression_attribute_names("#v", "version")
            .expression_attribute_values(":expected", n(ticket.version))
            .send()
            .await;
        match result {
            Ok(_) => Ok(next),
            Err(e) if is_conditional_failure(&e) => Err(Self::conflict(
                &ticket.tenant,
                "ticket",
                ticket.id.as_str(),
                Some(ticket.version),
            )),
            Err(e) => Err(backend(&ticket.tenant, "UpdateTicket", e)),
        }
    }

    async fn write_ticket(&self, write: &TicketWrite) -> StoreResult<Ticket> {
        let tenant = &write.ticket.tenant;
        let expected = write.ticket.version;
        let mut next = write.ticket.clone();
        next.version = expected + 1;
        let not_exists = "attribute_not_exists(PK)";
        let mut items = vec![put(
            &self.table,
            ticket_item(&next)?,
            "#v = :expected",
            Some(expected),
        )?];
        for message in &write.messages {
            items.push(put(
                &self.table,
                message_item(tenant, message)?,
                not_exists,
                None,
            )?);
        }
        for event in &write.events {
            items.push(put(
                &self.table,
                event_item(tenant, event)?,
                not_exists,
                None,
            )?);
        }
        for note in &write.notes {
            items.push(put(
                &self.table,
                note_item(tenant, note)?,
                not_exists,
                None,
            )?);
        }
        for entry in &write.audit {
            items.push(super::audit_put(&self.table, tenant, entry)?);
        }
        items.extend(super::reports::report_items(
            &self.table,
            tenant,
            &write.report,
        )?);
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match result {
            Ok(_) => Ok(next),
            Err(err) => match err.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(e))
                    if e.cancellation_reasons()
                        .iter()
                        .any(|r| r.code() == Some("ConditionalCheckFailed")) =>
                {
                    Err(Self::conflict(
                        tenant,
                        "ticket",
                        next.id.as_str(),
                        Some(expected),
                    ))
                }
                _ => Err(backend(tenant, "WriteTicket", err)),
            },
        }
    }

    async fn record_inbound(&self, write: &InboundWrite) -> StoreResult<InboundOutcome> {
        let tenant = &write.ticket.tenant;
        let mut ticket = write.ticket.clone();
        ticket.version = write.expected_version.map_or(1, |v| v + 1);

        let mut seen = Item::new(
            keys::seen_pk(tenant, &write.seen),
            ONE,
            SeenRecord {
                ticket: ticket.id.clone(),
                message: write.message.id.clone(),
            },
        );
        seen.ttl = Some((write.message.received_at + SEEN_RETENTION).timestamp());

        let not_exists = "attribute_not_exists(PK)";
        // The seen record comes first: its index in the cancellation reasons tells a duplicate
        // from a concurrent ticket change.
        let mut items = vec![
            put(&self.table, seen.to_attributes()?, not_exists, None)?,
            put(
                &self.table,
                message_item(tenant, &write.message)?,
                not_exists,
                None,
            )?,
        ];
        if let Some(reply) = &write.auto_reply {
            items.push(put(
                &self.table,
                message_item(tenant, reply)?,
                not_exists,
                None,
            )?);
        }
        let ticket_condition = match write.expected_version {
            None => not_exists,
            Some(_) => "#v = :expected",
        };
        items.push(put(
            &self.table,
            ticket_item(&ticket)?,
            ticket_condition,
            write.expected_version,
        )?);
        if let Some(thread) = &write.thread {
            let link = Item::new(
                keys::thread_pk(tenant, thread),
                ONE,
                ThreadLink {
                    ticket: ticket.id.clone(),
                },
            );
            items.push(put(&self.table, link.to_attributes()?, not_exists, None)?);
        }
        if write.expected_version.is_none() {
            let entry = crate::store::HistoryEntry::Ticket {
                ticket: ticket.id.clone(),
                channel: ticket.channel,
                subject: ticket.subject.clone(),
                at: ticket.created_at,
            };
            let history = Item::new(
                keys::customer_pk(tenant, &ticket.customer),
                keys::history_ticket_sk(ticket.created_at, &ticket.id),
                entry,
            );
            items.push(put(
                &self.table,
                history.to_attributes()?,
                not_exists,
                None,
            )?);
        }
        for event in &write.events {
            items.push(put(
                &self.table,
                event_item(tenant, event)?,
                not_exists,
                None,
            )?);
        }
        for link in &write.links {
            let link = Item::new(
                keys::thread_pk(tenant, link),
                ONE,
                ThreadLink {
                    ticket: ticket.id.clone(),
                },
            );
            items.push(upsert(&self.table, link.to_attributes()?)?);
        }
        if let Some(customer) = &write.new_customer {
            items.extend(customer_items(&self.table, tenant, customer)?);
        }
        for (identity, customer) in &write.new_identities {
            items.push(identity_link(&self.table, tenant, identity, customer)?);
        }
        if let Some(order) = &write.order {
            items.push(order_put(&self.table, tenant, order)?);
            let entry = crate::store::HistoryEntry::Order {
                channel: order.channel,
                order: order.id.clone(),
                at: order.purchased_at,
                details: Some(Box::new(order.clone())),
            };
            let history = Item::new(
                keys::customer_pk(tenant, &ticket.customer),
                keys::history_order_sk(order.purchased_at, order.channel, &order.id),
                entry,
            );
            items.push(upsert(&self.table, history.to_attributes()?)?);
        }
        items.extend(super::reports::report_items(
            &self.table,
            tenant,
            &write.report,
        )?);

        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match result {
            Ok(_) => Ok(InboundOutcome::Recorded),
            Err(err) => {
                let reasons = match err.as_service_error() {
                    Some(TransactWriteItemsError::TransactionCanceledException(e)) => {
                        e.cancellation_reasons().to_vec()
                    }
                    _ => return Err(backend(tenant, "RecordInbound", err)),
                };
                let failed = |i: usize| {
                    reasons.get(i).and_then(|r| r.code()) == Some("ConditionalCheckFailed")
                };
                if failed(0) {
                    Ok(InboundOutcome::Duplicate)
                } else if reasons
                    .iter()
                    .any(|r| r.code() == Some("ConditionalCheckFailed"))
                {
                    Err(Self::conflict(
                        tenant,
                        "ticket",
                        ticket.id.as_str(),
                        write.expected_version,
                    ))
                } else {
                    Err(backend(tenant, "RecordInbound", err))
                }
            }
        }
    }

    async fn append_event(&self, tenant: &TenantId, event: &TicketEvent) -> StoreResult<()> {
        self.put_new(tenant, event_item(tenant, event)?, "AppendEvent")
            .await
    }

    async fn append_note(&self, tenant: &TenantId, note: &Note) -> StoreResult<()> {
        self.put_new(tenant, note_item(tenant, note)?, "AppendNote")
            .await
    }

    async fn queue(
        &self,
        tenant: &TenantId,
        queue: &TicketQueue,
        page: &PageRequest,
    ) -> StoreResult<Page<Ticket>> {
        self.queue_where(tenant, queue, &TicketFilter::default(), page)
            .await
    }

    async fn queue_where(
        &self,
        tenant: &TenantId,
        queue: &TicketQueue,
        filter: &TicketFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Ticket>> {
        let (index, pk_attr, pk) = match queue {
            TicketQueue::Status(status) => (GSI1, GSI1PK, keys::status_queue_pk(tenant, *status)),
            TicketQueue::Agent(agent) => (GSI2, GSI2PK, keys::agent_queue_pk(tenant, agent)),
        };
        let start = page
            .cursor
            .as_deref()
            .map(|c| cursor::decode(c, pk_attr, &pk))
            .transpose()?;
        let resolved = matches!(queue, TicketQueue::Status(TicketStatus::Resolved));
        let mut request = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .expression_attribute_names("#pk", pk_attr)
            .expression_attribute_values(":pk", s(pk))
            .scan_index_forward(!resolved)
            .limit(page.effective_limit() as i32)
            .set_exclusive_start_key(start);
        request = request.key_condition_expression("#pk = :pk");
        let mut expression: Vec<String> = Vec::new();
        // The key sorts by risk lane first, so "overdue" is a filter on the deadline itself:
        // still one Query per page, whose page may hold fewer tickets (follow the cursor).
        if let Some(due) = filter.due_before {
            expression.push("#qd < :due".into());
            request = request
                .expression_attribute_names("#qd", QUEUE_DUE)
                .expression_attribute_values(":due", s(keys::sortable(due)));
        }
        let mut conditions = Vec::new();
        let mut equal = |attribute: &str, value: Option<String>| {
            if let Some(value) = value {
                conditions.push((attribute.to_owned(), value));
            }
        };
        let word = |v: serde_json::Value| v.as_str().map(str::to_owned);
        equal("status", filter.status.map(|v| v.as_str().to_owned()));
        equal("channel", filter.channel.map(|v| v.as_str().to_owned()));
        equal(
            "priority",
            filter
                .priority
                .and_then(|v| serde_json::to_value(v).ok().and_then(word)),
        );
        equal(
            "intent",
            filter
                .intent
                .and_then(|v| serde_json::to_value(v).ok().and_then(word)),
        );
        for (i, (attribute, value)) in conditions.into_iter().enumerate() {
            expression.push(format!("#f{i} = :f{i}"));
            request = request
                .expression_attribute_names(format!("#f{i}"), attribute)
                .expression_attribute_values(format!(":f{i}"), s(value));
        }
        if let Some(tag) = &filter.tag {
            expression.push("contains(#tags, :tag)".into());
            request = request
                .expression_attribute_names("#tags", "tags")
                .expression_attribute_values(":tag", s(tag.clone()));
        }
        if !expression.is_empty() {
            request = request.filter_expression(expression.join(" AND "));
        }
        let out = request
            .send()
            .await
            .map_err(|e| backend(tenant, "QueryQueue", e))?;
        let items = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(from_attributes)
            .collect::<StoreResult<Vec<Ticket>>>()?;
        Ok(Page {
            items,
            next: cursor::encode(out.last_evaluated_key.as_ref()),
        })
    }

    async fn inbound_context(
        &self,
        tenant: &TenantId,
        lookup: &InboundLookup,
    ) -> StoreResult<InboundContext> {
        self.load_inbound_context(tenant, lookup).await
    }

    async fn find_thread(
        &self,
        tenant: &TenantId,
        thread: &ThreadKey,
    ) -> StoreResult<Option<TicketId>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(keys::thread_pk(tenant, thread)))
            .key("SK", s(ONE))
            .send()
            .await
            .map_err(|e| backend(tenant, "FindThread", e))?;
        Ok(out
            .item
            .map(from_attributes::<ThreadLink>)
            .transpose()?
            .map(|l| l.ticket))
    }
}
