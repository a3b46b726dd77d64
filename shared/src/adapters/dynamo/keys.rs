//! Key construction for the single table. Every partition key of tenant data starts with
//! `T#{tenant}#`; tenant ids cannot contain `#` (see `domain::ids`), so no key built for one
//! tenant can name another tenant's item.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::{
    AccountId, AgentId, Channel, CustomerId, Identity, OrderId, RuleId, SellerId, TenantId,
    TicketId, TicketStatus,
};
use crate::store::{OrderLink, SeenKey, ThreadKey};

pub const PK: &str = "PK";
pub const SK: &str = "SK";
pub const GSI1: &str = "GSI1";
pub const GSI1PK: &str = "GSI1PK";
pub const GSI1SK: &str = "GSI1SK";
pub const GSI2: &str = "GSI2";
pub const GSI2PK: &str = "GSI2PK";
pub const GSI2SK: &str = "GSI2SK";

/// Sort key of an entity's own item within its partition.
pub const META: &str = "A#META";
/// Sort key of single-item partitions (lookups, seen records).
pub const ONE: &str = "A";
pub const CURSOR: &str = "CURSOR";

/// Sorts after every real deadline, so tickets without one come last in a queue.
const NO_DEADLINE: &str = "9999-12-31T23:59:59.999Z";

pub fn tenant_prefix(tenant: &TenantId) -> String {
    format!("T#{tenant}#")
}

/// Fixed-width UTC timestamp: sorts lexicographically in time order.
pub fn sortable(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub fn ticket_pk(tenant: &TenantId, ticket: &TicketId) -> String {
    format!("T#{tenant}#TKT#{ticket}")
}

pub fn message_sk(at: DateTime<Utc>, id: &impl std::fmt::Display) -> String {
    format!("MSG#{}#{id}", sortable(at))
}

pub fn event_sk(at: DateTime<Utc>, id: &impl std::fmt::Display) -> String {
    format!("EVT#{}#{id}", sortable(at))
}

pub fn note_sk(at: DateTime<Utc>, id: &impl std::fmt::Display) -> String {
    format!("NOTE#{}#{id}", sortable(at))
}

pub fn status_queue_pk(tenant: &TenantId, status: TicketStatus) -> String {
    format!("T#{tenant}#Q#{}", status.as_str())
}

pub fn agent_queue_pk(tenant: &TenantId, agent: &AgentId) -> String {
    format!("T#{tenant}#AGENT#{agent}")
}

/// Merchant-fulfilled orders with a shipment, on the sparse GSI2 by when they were marked
/// shipped: what the VTR watch reads (one Query per page of a period, never a scan).
pub fn shipped_pk(tenant: &TenantId) -> String {
    format!("T#{tenant}#SHIPPED")
}

pub fn shipped_sk(at: DateTime<Utc>, channel: Channel, order: &OrderId) -> String {
    format!("{}#{}#{order}", sortable(at), channel.as_str())
}

/// Replies queued for delivery, on the sparse GSI2 beside the agents' queues: what the sender's
/// sweep hands to the outbound queue again when the API stored a reply but could not queue it.
pub fn outbox_pk(tenant: &TenantId) -> String {
    format!("T#{tenant}#OUTBOX")
}

/// A queue's sort key: the ticket's risk lane (`Ticket::queue_band`, one digit) before its
/// deadline, so an A-to-z claim sorts above every ticket without a risk, breached or not,
/// and one Query still reads a page in (lane, deadline) order.
pub fn queue_sk(band: u8, due: Option<DateTime<Utc>>, ticket: &TicketId) -> String {
    format!("{}#{}", band.min(9), due_sk(due, ticket))
}

pub fn due_sk(due: Option<DateTime<Utc>>, ticket: &TicketId) -> String {
    let due = due.map(sortable).unwrap_or_else(|| NO_DEADLINE.to_string());
    format!("{due}#{ticket}")
}

pub fn thread_pk(tenant: &TenantId, thread: &ThreadKey) -> String {
    format!("T#{tenant}#THREAD#{}#{}", thread.channel, thread.external)
}

pub fn identity_pk(tenant: &TenantId, identity: &Identity) -> String {
    format!(
        "T#{tenant}#ID#{}#{}",
        identity.kind.as_str(),
        identity.value
    )
}

pub fn customer_pk(tenant: &TenantId, customer: &CustomerId) -> String {
    format!("T#{tenant}#CUS#{customer}")
}

/// History entries sort by time within the customer's partition, across channels.
pub const HISTORY_PREFIX: &str = "H#";

pub fn history_ticket_sk(at: DateTime<Utc>, ticket: &TicketId) -> String {
    format!("H#{}#TKT#{ticket}", sortable(at))
}

pub fn history_order_sk(at: DateTime<Utc>, channel: Channel, order: &OrderId) -> String {
    format!("H#{}#ORD#{channel}#{order}", sortable(at))
}

pub fn order_pk(tenant: &TenantId, channel: Channel, order: &OrderId) -> String {
    format!("T#{tenant}#ORD#{channel}#{order}")
}

pub fn order_link_pk(tenant: &TenantId, link: &OrderLink) -> String {
    format!(
        "T#{tenant}#ORDLINK#{}#{}#{}",
        link.channel, link.buyer, link.listing
    )
}

pub fn quarantine_pk(tenant: &TenantId) -> String {
    format!("T#{tenant}#QUAR")
}

pub fn quarantine_sk(at: DateTime<Utc>, id: &str) -> String {
    format!("{}#{id}", sortable(at))
}

/// The link from a quarantine id to its record's time-ordered key.
pub fn quarantine_id_pk(tenant: &TenantId, id: &str) -> String {
    format!("T#{tenant}#QUARID#{id}")
}

/// An agent's presence on a ticket, in the ticket's own partition so the ticket view's Query
/// returns it.
pub fn presence_sk(agent: &AgentId) -> String {
    format!("PRES#{agent}")
}

pub fn audit_pk(tenant: &TenantId, year: i32, month: u32) -> String {
    format!("T#{tenant}#AUDIT#{year:04}-{month:02}")
}

pub fn audit_sk(at: DateTime<Utc>, id: &str) -> String {
    format!("{}#{id}", sortable(at))
}

pub fn seen_pk(tenant: &TenantId, seen: &SeenKey) -> String {
    format!("T#{tenant}#SEEN#{}#{}", seen.source, seen.external_id)
}

pub fn accounts_pk(tenant: &TenantId) -> String {
    format!("T#{tenant}#ACCOUNTS")
}

pub fn account_sk(account: &AccountId) -> String {
    format!("ACCT#{account}")
}

/// A tenant's configuration partition: SLA policies (`SLA#`), templates (`TPL#`) and
/// automation rules (`RULE#`) side by side, so workers read all of it in one Query.
pub fn config_pk(tenant: &TenantId) -> String {
    format!("T#{tenant}#CONFIG")
}

pub const RULE_PREFIX: &str = "RULE#";

pub fn rule_sk(rule: &RuleId) -> String {
    format!("{RULE_PREFIX}{rule}")
}

pub fn account_pk(tenant: &TenantId, account: &AccountId) -> String {
    format!("T#{tenant}#ACCT#{account}")
}

/// The route of an SP-API seller to its account. No tenant key family is named `SELLER`, so
/// this cannot address a tenant's item even for a tenant called `_routing`.
pub fn seller_route_pk(seller: &SellerId) -> String {
    format!("T#{}#SELLER#{seller}", crate::store::ROUTING_TENANT)
}

pub const POLICY_PREFIX: &str = "SLA#";
pub const TEMPLATE_PREFIX: &str = "TPL#";
/// Which carrier APIs the tenant stored its own credentials for.
pub const CARRIERS_SK: &str = "CARRIERS";

pub fn policy_sk(id: &str) -> String {
    format!("{POLICY_PREFIX}{id}")
}

pub fn template_sk(id: &crate::templates::TemplateId) -> String {
    format!("{TEMPLATE_PREFIX}{id}")
}

/// A ticket's report item (its open messages): its own partition, so ingestion's batch read
/// of the ticket fetches it in the same request.
pub fn report_ticket_pk(tenant: &TenantId, ticket: &TicketId) -> String {
    format!("T#{tenant}#RPTTKT#{ticket}")
}

/// The sparse index (GSI2) of report items with open messages, by latest open arrival.
pub fn report_open_pk(tenant: &TenantId) -> String {
    format!("T#{tenant}#RPTOPEN")
}

pub fn report_open_sk(latest: DateTime<Utc>, ticket: &TicketId) -> String {
    format!("{}#{ticket}", sortable(latest))
}

/// Day aggregates of one local month.
pub fn report_day_pk(tenant: &TenantId, year: i32, month: u32) -> String {
    format!("T#{tenant}#RPTDAY#{year:04}-{month:02}")
}

/// `D#{yyyy-mm-dd}#{channel}#{account}#{agent}` (empty agent: figures of no agent).
pub fn report_day_sk(key: &crate::reports::AggKey) -> String {
    format!(
        "D#{}#{}#{}#{}",
        key.day.format("%Y-%m-%d"),
        key.channel,
        key.account,
        key.agent.as_ref().map_or("", |a| a.as_str())
    )
}

/// Clock cycles answered late, by local month of their start.
pub fn report_breach_pk(tenant: &TenantId, year: i32, month: u32) -> String {
    format!("T#{tenant}#RPTBREACH#{year:04}-{month:02}")
}

pub fn report_breach_sk(b: &crate::reports::facts::Breach) -> String {
    format!("B#{}#{}", sortable(b.started_at), b.ticket)
}

/// Account-health alert states of a tenant.
pub fn report_health_pk(tenant: &TenantId) -> String {
    format!("T#{tenant}#RPTHEALTH")
}

pub fn stats_pk(tenant: &TenantId, year: i32, month: u32) -> String {
    format!("T#{tenant}#STATS#{year:04}-{month:02}")
}

pub fn stats_sk(day: NaiveDate, channel: Channel, agent: Option<&AgentId>) -> String {
    let agent = agent.map(AgentId::as_str).unwrap_or("-");
    format!("{}#{channel}#{agent}", day.format("%d"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant(s: &str) -> TenantId {
        TenantId::parse(s).unwrap()
    }

    #[test]
    fn every_tenant_key_starts_with_its_tenant_prefix() {
        let t = tenant("acme");
        let at = DateTime::parse_from_rfc3339("2026-03-29T01:30:00Z")
            .unwrap()
            .to_utc();
        let ticket = TicketId::parse("tkt_1").unwrap();
        let keys = [
            ticket_pk(&t, &ticket),
            status_queue_pk(&t, TicketStatus::Open),
            agent_queue_pk(&t, &AgentId::parse("u1").unwrap()),
            thread_pk(
                &t,
                &ThreadKey {
                    channel: Channel::Ebay,
                    external: "c#1".into(),
                },
            ),
            identity_pk(
                &t,
                &Identity::new(crate::domain::IdentityKind::Email, "a@b.c"),
            ),
            customer_pk(&t, &CustomerId::parse("cus_1").unwrap()),
            order_pk(
                &t,
                Channel::Amazon,
                &OrderId::parse("305-1234567-1234567").unwrap(),
            ),
            seen_pk(
                &t,
                &SeenKey {
                    source: "ebay-msg".into(),
                    external_id: "m1".into(),
                },
            ),
            accounts_pk(&t),
            account_pk(&t, &AccountId::parse("acct_1").unwrap()),
            stats_pk(&t, 2026, 3),
            audit_pk(&t, 2026, 3),
            quarantine_id_pk(&t, "q1"),
            config_pk(&t),
        ];
        for key in keys {
            assert!(key.starts_with("T#acme#"), "{key}");
            assert!(!key.starts_with(&tenant_prefix(&tenant("acm"))), "{key}");
        }
        assert_eq!(message_sk(at, &"m1"), "MSG#2026-03-29T01:30:00.000Z#m1");
    }

    #[test]
    fn deadlines_sort_in_time_order_and_missing_ones_last() {
        let id = TicketId::parse("tkt_1").unwrap();
        let early = DateTime::parse_from_rfc3339("2026-01-01T10:00:00.5Z")
            .unwrap()
            .to_utc();
        let late = DateTime::parse_from_rfc3339("2026-01-01T10:00:01Z")
            .unwrap()
            .to_utc();
        let mut keys = [
            due_sk(None, &id),
            due_sk(Some(late), &id),
            due_sk(Some(early), &id),
        ];
        keys.sort();
        assert_eq!(keys[0], due_sk(Some(early), &id));
        assert_eq!(keys[2], due_sk(None, &id));
    }

    #[test]
    fn a_risk_lane_sorts_before_any_deadline_of_a_lower_lane() {
        let id = TicketId::parse("tkt_1").unwrap();
        let long_breached = DateTime::parse_from_rfc3339("2020-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let claim_due = DateTime::parse_from_rfc3339("2026-01-02T00:00:00Z")
            .unwrap()
            .to_utc();
        let mut keys = [
            queue_sk(9, Some(long_breached), &id),
            queue_sk(9, None, &id),
            queue_sk(2, Some(claim_due), &id),
            queue_sk(1, None, &id),
            queue_sk(1, Some(claim_due), &id),
        ];
        keys.sort();
        assert_eq!(
            keys,
            [
                queue_sk(1, Some(claim_due), &id),
                queue_sk(1, None, &id),
                queue_sk(2, Some(claim_due), &id),
                queue_sk(9, Some(long_breached), &id),
                queue_sk(9, None, &id),
            ]
        );
    }
}
