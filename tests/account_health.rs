//! The account-health forecast end to end on the emulator: messages recorded through the
//! store's write path, the escalator's sweep judging each Amazon account, and a warning sent
//! once when the projection crosses the tenant's line, once for Amazon's 90 %, and not again
//! until the account recovers and crosses again.

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use escalator::Escalator;
use marketdesk::connectors::{ConnectorError, Notification, Notifier};
use marketdesk::domain::*;
use marketdesk::escalation::EscalationConfig;
use marketdesk::reports::{Handling, Recorder, tenant_time_zone};
use marketdesk::sla::seed_policies;
use marketdesk::store::{ReportStore, TicketStore};
use marketdesk_devstack::testing::fresh_table;
use marketdesk_tests::{at, first_inbound, new_ticket, tenant};

#[derive(Default)]
struct Inbox(Mutex<Vec<Notification>>);

impl Notifier for &Inbox {
    async fn notify(&self, n: &Notification) -> Result<(), ConnectorError> {
        self.0.lock().unwrap().push(n.clone());
        Ok(())
    }
}

impl Inbox {
    /// Account-health warnings received since the last call.
    fn take_warnings(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .drain(..)
            .filter(|n| n.title.contains("24 h response rate"))
            .map(|n| n.body)
            .collect()
    }
}

fn now() -> DateTime<Utc> {
    at("2026-12-10T12:00:00Z")
}

#[tokio::test]
async fn the_warning_fires_once_per_crossing_and_again_only_after_recovering() {
    let table = fresh_table().await;
    let store = &table.store;
    let acme = tenant("acme");
    let inbox = Inbox::default();
    let escalator = Escalator::new(
        table.store.clone(),
        &inbox,
        EscalationConfig {
            frontend_url: "https://app.marketdesk.example".into(),
            fallback_assignee: None,
        },
    )
    .with_health(marketdesk::reports::health::WatchSettings::default());
    let policies = seed_policies();
    let recorder = Recorder {
        tz: tenant_time_zone(&policies),
        policies: &policies,
    };
    let agent = AgentId::parse("anna").unwrap();
    let mut seq = 0;
    let mut arrive = |hours_ago: i64| {
        seq += 1;
        let mut t = new_ticket(
            &acme,
            now() - Duration::hours(hours_ago) - Duration::seconds(seq),
        );
        t.sla.policy = Some("amazon".into());
        t
    };
    let answer = |t: Ticket, after: Duration| {
        let agent = agent.clone();
        async move {
            let facts = store.ticket_facts(&t.tenant, &t.id).await.unwrap();
            let write = recorder.on_handled(
                facts.as_ref(),
                &t,
                &t.sla,
                &Handling::AgentReply { agent },
                t.created_at + after,
            );
            store.record_report(&t.tenant, &write).await.unwrap();
        }
    };
    let record = |t: Ticket| async move {
        let id = format!("<{}@relay>", t.id);
        store.record_inbound(&first_inbound(&t, &id)).await.unwrap();
        t
    };

    // Twenty messages of this month, all answered within the hour: 100 %.
    for _ in 0..20 {
        let t = record(arrive(5 * 24)).await;
        answer(t, Duration::minutes(40)).await;
    }
    escalator
        .sweep(std::slice::from_ref(&acme), now())
        .await
        .unwrap();
    assert!(inbox.take_warnings().is_empty(), "healthy: nothing to say");

    // Two messages whose 24 h run out within the hour: if missed, 20 / 22 = 90.9 % < 95 %.
    let mut due = vec![record(arrive(23)).await, record(arrive(23)).await];
    escalator
        .sweep(std::slice::from_ref(&acme), now())
        .await
        .unwrap();
    assert_eq!(
        inbox.take_warnings(),
        vec![
            "2 messages due in 59 min; if missed, December falls from 100.0 % to 90.9 % — under your \
             95 % line."
                .to_string()
        ]
    );
    escalator
        .sweep(std::slice::from_ref(&acme), now() + Duration::minutes(5))
        .await
        .unwrap();
    assert!(inbox.take_warnings().is_empty(), "once per crossing");

    // One more: 20 / 23 = 87.0 % is under Amazon's line too — that crossing is told once.
    due.push(record(arrive(23)).await);
    escalator
        .sweep(std::slice::from_ref(&acme), now())
        .await
        .unwrap();
    let warned = inbox.take_warnings();
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].contains("under Amazon's 90 % line"), "{warned:?}");
    escalator
        .sweep(std::slice::from_ref(&acme), now())
        .await
        .unwrap();
    assert!(inbox.take_warnings().is_empty());

    // Answered in time: the account recovers, silently.
    for t in due.drain(..) {
        answer(t, Duration::hours(23) + Duration::minutes(30)).await;
    }
    escalator
        .sweep(std::slice::from_ref(&acme), now() + Duration::minutes(30))
        .await
        .unwrap();
    assert!(inbox.take_warnings().is_empty());
    let health = marketdesk::reports::health::account_healths(
        store,
        &acme,
        tenant_time_zone(&policies),
        now() + Duration::minutes(30),
        4,
        95.0,
        None,
    )
    .await
    .unwrap();
    assert_eq!(health[0].month_to_date.rate_percent, Some(100.0));

    // And crosses again: warned again.
    record(arrive(22)).await;
    record(arrive(22)).await;
    escalator
        .sweep(std::slice::from_ref(&acme), now() + Duration::minutes(30))
        .await
        .unwrap();
    let warned = inbox.take_warnings();
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].contains("under your 95 % line"), "{warned:?}");
}
