//! The demo history is exactly what the reports say: the figures the reports compute from the
//! day aggregates equal those brute-forced from the tickets and messages the seeding stored.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, Utc};
use marketdesk::domain::{AuthorKind, Direction, TenantId};
use marketdesk::reports::report::{self, Filter, ReportData};
use marketdesk::reports::{local_day, tenant_time_zone};
use marketdesk::sla::seed_policies;
use marketdesk::store::{ClaimStore, ReportStore, TicketStore};
use marketdesk_devstack::history::seed_history;
use marketdesk_devstack::testing::fresh_table;

#[tokio::test]
async fn the_reports_of_the_seeded_history_match_its_stored_tickets() {
    let table = fresh_table().await;
    let tenant = TenantId::parse("demo").unwrap();
    let now = Utc::now();
    let days = 10;
    let summary = seed_history(&table.store, &tenant, now, days, 7)
        .await
        .unwrap();
    assert!(summary.tickets >= 40, "{summary:?}");
    assert_eq!(summary.ticket_ids.len(), summary.tickets);
    // Amazon's claims have their records, one of them still running.
    let claims = table
        .store
        .claims_page(
            &tenant,
            Some(marketdesk::claims::ClaimStatus::Open),
            &marketdesk::store::PageRequest::first(100),
        )
        .await
        .unwrap();
    assert!(!claims.items.is_empty(), "an open claim is seeded");
    for claim in &claims.items {
        assert!(claim.respond_by > now, "{claim:?}");
        let ticket = table.store.ticket(&tenant, &claim.ticket).await.unwrap();
        assert_eq!(
            ticket.and_then(|t| t.risk),
            Some(marketdesk::domain::Risk::AToZClaim)
        );
    }

    let tz = tenant_time_zone(&seed_policies());
    let to = local_day(now, tz);
    let from = to - Duration::days(days + 1);
    let data = ReportData {
        tz: Some(tz),
        rows: table.store.report_rows(&tenant, from, to).await.unwrap(),
        open: table
            .store
            .open_facts(&tenant, now - Duration::days(days + 2))
            .await
            .unwrap(),
        breaches: Vec::new(),
    };
    let filter = Filter {
        from,
        to,
        channel: None,
        account: None,
        agent: None,
    };

    // Brute force from what is stored: each ticket's awaited message and how it was first
    // answered (an agent, or an eBay automatic reply, whichever came first).
    let mut arrivals: BTreeMap<NaiveDate, u64> = BTreeMap::new();
    let mut by_agent: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut auto_replied = 0;
    for id in &summary.ticket_ids {
        let view = table
            .store
            .ticket_view(&tenant, id)
            .await
            .unwrap()
            .expect("a seeded ticket is stored");
        let mut messages = view.messages.clone();
        messages.sort_by_key(|m| m.sent_at);
        let inbound: Vec<_> = messages
            .iter()
            .filter(|m| m.direction == Direction::Inbound)
            .collect();
        assert_eq!(inbound.len(), 1, "one awaited message per history ticket");
        let arrival = inbound[0].sent_at;
        *arrivals.entry(local_day(arrival, tz)).or_default() += 1;
        match messages
            .iter()
            .find(|m| m.direction == Direction::Outbound)
            .map(|m| (&m.author, m.sent_at))
        {
            Some((AuthorKind::Agent { agent }, at)) => {
                let entry = by_agent.entry(agent.to_string()).or_default();
                entry.0 += 1;
                entry.1 += u64::from(at - arrival <= Duration::hours(24));
            }
            Some((AuthorKind::Automation { .. }, _)) => auto_replied += 1,
            _ => {}
        }
    }

    let volume = report::volume(&data, &filter);
    let reported: BTreeMap<NaiveDate, u64> = volume
        .by_day
        .iter()
        .filter(|d| d.messages > 0)
        .map(|d| (d.day, d.messages))
        .collect();
    assert_eq!(reported, arrivals, "arrivals per local day");
    let total = data.total(&filter);
    assert_eq!(total.received, summary.tickets as u64);
    assert_eq!(total.conversations, summary.tickets as u64);
    assert_eq!(total.auto_replied, auto_replied);
    let agents: BTreeMap<String, (u64, u64)> = report::agents(&data, &filter)
        .into_iter()
        .filter(|a| a.answered > 0)
        .map(|a| (a.agent.to_string(), (a.answered, a.answered_within_24h)))
        .collect();
    assert_eq!(agents, by_agent, "(answered, within 24 h) per agent");
    assert!(by_agent.len() >= 2, "several agents answered: {by_agent:?}");
}
