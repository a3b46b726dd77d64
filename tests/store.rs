//! Contract tests of the DynamoDB store against the emulator: one request per access pattern,
//! optimistic locking, idempotent inbound writes, tenant isolation, pagination.

use chrono::Duration;
use marketdesk::domain::*;
use marketdesk::store::*;
use marketdesk_devstack::testing::fresh_table;
use marketdesk_tests::{at, buyer_message, first_inbound, new_ticket, tenant};

#[tokio::test]
async fn recording_a_new_ticket_is_one_request_and_its_view_is_one_more() {
    let t = fresh_table().await;
    let acme = tenant("acme");
    let ticket = new_ticket(&acme, at("2026-03-28T22:30:00Z"));
    t.requests.take();

    let outcome = t
        .store
        .record_inbound(&first_inbound(&ticket, "<m1@relay>"))
        .await
        .unwrap();
    assert_eq!(outcome, InboundOutcome::Recorded);
    assert_eq!(
        t.requests.take(),
        1,
        "an inbound message is one transaction"
    );

    let view = t
        .store
        .ticket_view(&acme, &ticket.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(t.requests.take(), 1, "a ticket view is one Query");
    assert_eq!(view.ticket.version, 1);
    assert_eq!(view.ticket.subject, ticket.subject);
    assert_eq!(view.messages.len(), 1);
    assert_eq!(view.messages[0].attachments[0].filename, "foto.jpg");
    assert_eq!(view.events.len(), 1);
    assert_eq!(view.events[0].kind, TicketEventKind::Created);

    let found = t
        .store
        .find_thread(
            &acme,
            &ThreadKey {
                channel: Channel::Amazon,
                external: ticket.thread.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(found, Some(ticket.id.clone()));
    assert_eq!(t.requests.take(), 1, "a thread lookup is one GetItem");

    let history = t
        .store
        .history(&acme, &ticket.customer, &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(t.requests.take(), 1, "customer history is one Query");
    assert!(
        matches!(&history.items[..], [HistoryEntry::Ticket { ticket: id, .. }] if *id == ticket.id)
    );
}

#[tokio::test]
async fn the_same_inbound_event_written_twice_leaves_one_message() {
    let t = fresh_table().await;
    let acme = tenant("acme");
    let ticket = new_ticket(&acme, at("2026-05-01T08:00:00Z"));
    let write = first_inbound(&ticket, "<dup@relay>");
    assert_eq!(
        t.store.record_inbound(&write).await.unwrap(),
        InboundOutcome::Recorded
    );
    assert_eq!(
        t.store.record_inbound(&write).await.unwrap(),
        InboundOutcome::Duplicate
    );

    // A redelivery that was re-threaded onto the existing ticket is a duplicate too.
    let mut again = write.clone();
    again.expected_version = Some(1);
    again.thread = None;
    again.message.id = MessageId::generate(ticket.created_at);
    assert_eq!(
        t.store.record_inbound(&again).await.unwrap(),
        InboundOutcome::Duplicate
    );

    let view = t
        .store
        .ticket_view(&acme, &ticket.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.messages.len(), 1);
    assert_eq!(view.ticket.version, 1);
}

#[tokio::test]
async fn a_follow_up_message_is_recorded_against_the_version_it_read() {
    let t = fresh_table().await;
    let acme = tenant("acme");
    let ticket = new_ticket(&acme, at("2026-05-01T08:00:00Z"));
    t.store
        .record_inbound(&first_inbound(&ticket, "<a@relay>"))
        .await
        .unwrap();

    let stored = t.store.ticket(&acme, &ticket.id).await.unwrap().unwrap();
    let later = ticket.created_at + Duration::hours(2);
    let mut next = stored.clone();
    next.message_count = 2;
    next.last_buyer_message_at = Some(later);
    let follow_up = InboundWrite {
        seen: SeenKey {
            source: "amazon-mail".into(),
            external_id: "<b@relay>".into(),
        },
        ticket: next.clone(),
        expected_version: Some(stored.version),
        message: buyer_message(&ticket, "<b@relay>", later),
        auto_reply: None,
        thread: None,
        events: vec![],
        links: vec![],
        new_customer: None,
        new_identities: vec![],
        order: None,
        report: Default::default(),
    };
    assert_eq!(
        t.store.record_inbound(&follow_up).await.unwrap(),
        InboundOutcome::Recorded
    );

    // A second writer that read the same old version loses and writes nothing.
    let mut stale = follow_up.clone();
    stale.seen.external_id = "<c@relay>".into();
    stale.message = buyer_message(&ticket, "<c@relay>", later + Duration::minutes(1));
    let err = t.store.record_inbound(&stale).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                entity: "ticket",
                expected: Some(1),
                ..
            }
        ),
        "{err}"
    );

    let view = t
        .store
        .ticket_view(&acme, &ticket.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.messages.len(), 2);
    assert_eq!(view.ticket.version, 2);
    assert_eq!(view.ticket.message_count, 2);
}

#[tokio::test]
async fn stale_version_write_is_rejected_and_changes_nothing() {
    let t = fresh_table().await;
    let acme = tenant("acme");
    let ticket = new_ticket(&acme, at("2026-05-01T08:00:00Z"));
    t.store
        .record_inbound(&first_inbound(&ticket, "<a@relay>"))
        .await
        .unwrap();
    let read_by_alice = t.store.ticket(&acme, &ticket.id).await.unwrap().unwrap();
    let read_by_bob = read_by_alice.clone();

    let mut alice = read_by_alice;
    alice.assignee = Some(AgentId::parse("alice").unwrap());
    t.requests.take();
    let written = t.store.update_ticket(&alice).await.unwrap();
    assert_eq!(t.requests.take(), 1, "an update is one conditional write");
    assert_eq!(written.version, 2);

    let mut bob = read_by_bob;
    bob.priority = Priority::Urgent;
    bob.assignee = Some(AgentId::parse("bob").unwrap());
    let err = t.store.update_ticket(&bob).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Conflict { entity: "ticket", expected: Some(1), id, .. } if *id == ticket.id.to_string()),
        "{err:?}"
    );

    let stored = t.store.ticket(&acme, &ticket.id).await.unwrap().unwrap();
    assert_eq!(stored, written, "the losing write changed nothing");
}

#[tokio::test]
async fn keys_of_one_tenant_never_return_another_tenants_items() {
    let t = fresh_table().await;
    let (a, b) = (tenant("tenant-a"), tenant("tenant-b"));
    let ticket = new_ticket(&a, at("2026-05-01T08:00:00Z"));
    t.store
        .record_inbound(&first_inbound(&ticket, "<a@relay>"))
        .await
        .unwrap();
    let thread = ThreadKey {
        channel: Channel::Amazon,
        external: ticket.thread.clone(),
    };

    assert!(t.store.ticket(&b, &ticket.id).await.unwrap().is_none());
    assert!(t.store.ticket_view(&b, &ticket.id).await.unwrap().is_none());
    assert!(t.store.find_thread(&b, &thread).await.unwrap().is_none());
    let b_open = t
        .store
        .queue(
            &b,
            &TicketQueue::Status(TicketStatus::Open),
            &PageRequest::default(),
        )
        .await
        .unwrap();
    assert!(b_open.items.is_empty());
    let b_history = t
        .store
        .history(&b, &ticket.customer, &PageRequest::default())
        .await
        .unwrap();
    assert!(b_history.items.is_empty());

    // A tenant id cannot smuggle a key separator to reach into another tenant's space.
    assert!(TenantId::parse("tenant-b#TKT#x").is_err());
    assert!(TenantId::parse("tenant-a#").is_err());

    // Tenant B cannot update tenant A's ticket by presenting it under its own tenant.
    let mut forged = t.store.ticket(&a, &ticket.id).await.unwrap().unwrap();
    forged.tenant = b.clone();
    forged.subject = "overwritten".into();
    let err = t.store.update_ticket(&forged).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    let a_ticket = t.store.ticket(&a, &ticket.id).await.unwrap().unwrap();
    assert_eq!(a_ticket.subject, ticket.subject);
}

#[tokio::test]
async fn the_inbox_lists_open_tickets_by_deadline_in_pages_with_opaque_cursors() {
    let t = fresh_table().await;
    let acme = tenant("acme");
    let base = at("2026-06-01T00:00:00Z");
    // Five tickets whose deadlines are in reverse order of creation.
    let mut ids = Vec::new();
    for i in 0..5 {
        let mut ticket = new_ticket(&acme, base + Duration::minutes(i));
        ticket.sla.due_at = Some(base + Duration::hours(10 - i));
        ticket.sla.internal_due_at = None;
        t.store
            .record_inbound(&first_inbound(&ticket, &format!("<{i}@relay>")))
            .await
            .unwrap();
        ids.push(ticket.id);
    }
    let mut resolved = new_ticket(&acme, base);
    resolved.status = TicketStatus::Resolved;
    t.store
        .record_inbound(&first_inbound(&resolved, "<r@relay>"))
        .await
        .unwrap();
    let other_tenant = new_ticket(&tenant("other"), base);
    t.store
        .record_inbound(&first_inbound(&other_tenant, "<o@relay>"))
        .await
        .unwrap();

    let open = TicketQueue::Status(TicketStatus::Open);
    t.requests.take();
    let first = t
        .store
        .queue(&acme, &open, &PageRequest::first(2))
        .await
        .unwrap();
    assert_eq!(t.requests.take(), 1, "an inbox page is one Query");
    let cursor = first.next.clone().expect("more pages");
    let second = t
        .store
        .queue(
            &acme,
            &open,
            &PageRequest {
                limit: Some(2),
                cursor: Some(cursor.clone()),
            },
        )
        .await
        .unwrap();
    let third = t
        .store
        .queue(
            &acme,
            &open,
            &PageRequest {
                limit: Some(2),
                cursor: second.next.clone(),
            },
        )
        .await
        .unwrap();
    let listed: Vec<_> = [first.items, second.items, third.items]
        .concat()
        .into_iter()
        .map(|t| t.id)
        .collect();
    let expected: Vec<_> = ids.iter().rev().cloned().collect();
    assert_eq!(
        listed, expected,
        "earliest deadline first, no ticket twice, none missing"
    );

    // A cursor only works for the listing and tenant it was issued for.
    let err = t
        .store
        .queue(
            &tenant("other"),
            &open,
            &PageRequest {
                limit: Some(2),
                cursor: Some(cursor.clone()),
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidCursor(_)));
    let pending = TicketQueue::Status(TicketStatus::Pending);
    assert!(
        t.store
            .queue(
                &acme,
                &pending,
                &PageRequest {
                    limit: None,
                    cursor: Some(cursor)
                }
            )
            .await
            .is_err()
    );
}

#[tokio::test]
async fn an_agents_queue_holds_only_their_assigned_tickets() {
    let t = fresh_table().await;
    let acme = tenant("acme");
    let alice = AgentId::parse("alice").unwrap();
    let base = at("2026-06-01T00:00:00Z");
    let mut mine = new_ticket(&acme, base);
    mine.assignee = Some(alice.clone());
    t.store
        .record_inbound(&first_inbound(&mine, "<1@relay>"))
        .await
        .unwrap();
    let unassigned = new_ticket(&acme, base);
    t.store
        .record_inbound(&first_inbound(&unassigned, "<2@relay>"))
        .await
        .unwrap();

    t.requests.take();
    let page = t
        .store
        .queue(&acme, &TicketQueue::Agent(alice), &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(t.requests.take(), 1);
    assert_eq!(
        page.items.iter().map(|t| &t.id).collect::<Vec<_>>(),
        vec![&mine.id]
    );
    assert_eq!(page.next, None);
}

#[tokio::test]
async fn notes_and_events_are_appended_and_never_overwritten() {
    let t = fresh_table().await;
    let acme = tenant("acme");
    let ticket = new_ticket(&acme, at("2026-06-01T00:00:00Z"));
    t.store
        .record_inbound(&first_inbound(&ticket, "<1@relay>"))
        .await
        .unwrap();
    let note = Note {
        id: NoteId::generate(ticket.created_at),
        ticket: ticket.id.clone(),
        author: AgentId::parse("alice").unwrap(),
        body: "Chiesto a magazzino".into(),
        at: ticket.created_at + Duration::minutes(5),
    };
    t.store.append_note(&acme, &note).await.unwrap();
    assert!(matches!(
        t.store.append_note(&acme, &note).await,
        Err(StoreError::Conflict { .. })
    ));
    let view = t
        .store
        .ticket_view(&acme, &ticket.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.notes, vec![note]);
}

fn order(updated: &str, status: &str) -> Order {
    marketdesk_tests::sample_order(updated, status)
}

#[tokio::test]
async fn an_older_copy_of_an_order_never_overwrites_a_newer_one() {
    let t = fresh_table().await;
    let acme = tenant("acme");
    let newer = order("2026-05-29T12:00:00Z", "Shipped");
    assert!(t.store.save_order(&acme, &newer).await.unwrap());
    assert!(
        !t.store
            .save_order(&acme, &order("2026-05-29T09:00:00Z", "Unshipped"))
            .await
            .unwrap()
    );
    t.requests.take();
    let stored = t
        .store
        .order(&acme, Channel::Amazon, &newer.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        t.requests.take(),
        1,
        "an order with its shipments is one GetItem"
    );
    assert_eq!(stored, newer);
    assert!(
        t.store
            .order(&tenant("other"), Channel::Amazon, &newer.id)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn an_identity_belongs_to_one_customer_and_finds_it() {
    let t = fresh_table().await;
    let acme = tenant("acme");
    let now = at("2026-06-01T00:00:00Z");
    let relay = Identity::new(IdentityKind::AmazonRelay, "x7k2m9q@marketplace.amazon.it");
    let customer = Customer {
        id: CustomerId::generate(now),
        display_name: Some("Giulia".into()),
        identities: vec![
            relay.clone(),
            Identity::new(IdentityKind::Email, "giulia@example.it"),
        ],
        merged_from: vec![],
        lifetime_value_minor: 0,
        created_at: now,
        version: 1,
    };
    t.store.create_customer(&acme, &customer).await.unwrap();
    t.requests.take();
    assert_eq!(
        t.store.find_by_identity(&acme, &relay).await.unwrap(),
        Some(customer.id.clone())
    );
    assert_eq!(t.requests.take(), 1);
    assert_eq!(
        t.store.customer(&acme, &customer.id).await.unwrap(),
        Some(customer.clone())
    );

    // A second customer claiming the same relay alias is refused whole.
    let mut twin = customer.clone();
    twin.id = CustomerId::generate(now);
    twin.identities = vec![
        Identity::new(IdentityKind::Phone, "+39 333 1234567"),
        relay.clone(),
    ];
    assert!(matches!(
        t.store.create_customer(&acme, &twin).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(t.store.customer(&acme, &twin.id).await.unwrap().is_none());
    let phone = Identity::new(IdentityKind::Phone, "+393331234567");
    assert_eq!(t.store.find_by_identity(&acme, &phone).await.unwrap(), None);
    assert_eq!(
        t.store
            .find_by_identity(&tenant("other"), &relay)
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn customer_history_lists_tickets_and_orders_across_channels_newest_first() {
    let t = fresh_table().await;
    let acme = tenant("acme");
    let customer = CustomerId::parse("cus_1").unwrap();
    let entries = [
        HistoryEntry::Order {
            channel: Channel::Ebay,
            order: OrderId::parse("12-34567-89012").unwrap(),
            at: at("2026-01-01T00:00:00Z"),
            details: None,
        },
        HistoryEntry::Ticket {
            ticket: TicketId::parse("tkt_a").unwrap(),
            channel: Channel::Shopify,
            subject: "Fattura".into(),
            at: at("2026-02-01T00:00:00Z"),
        },
        HistoryEntry::Order {
            channel: Channel::Amazon,
            order: OrderId::parse("305-1234567-1234567").unwrap(),
            at: at("2026-03-01T00:00:00Z"),
            details: None,
        },
    ];
    for e in &entries {
        t.store.add_history(&acme, &customer, e).await.unwrap();
    }
    let first = t
        .store
        .history(&acme, &customer, &PageRequest::first(2))
        .await
        .unwrap();
    let rest = t
        .store
        .history(
            &acme,
            &customer,
            &PageRequest {
                limit: Some(2),
                cursor: first.next.clone(),
            },
        )
        .await
        .unwrap();
    let all: Vec<_> = [first.items, rest.items].concat();
    assert_eq!(all, entries.iter().rev().cloned().collect::<Vec<_>>());
    assert_eq!(rest.next, None);
}

fn account(tenant: &TenantId) -> ChannelAccount {
    ChannelAccount {
        id: AccountId::parse("acct_ebay").unwrap(),
        tenant: tenant.clone(),
        channel: Channel::Ebay,
        marketplace: Marketplace {
            id: "EBAY_IT".into(),
            country: Some("IT".into()),
            language: Some("it".into()),
        },
        region: None,
        display_name: "eBay Italia".into(),
        credentials: SecretRef("marketdesk/acme/ebay".into()),
        sender_address: None,
        seller_id: None,
        reply_identity: None,
        auto_send_wismo: false,
        poll_interval_minutes: 5,
        enabled: true,
        created_at: at("2026-01-01T00:00:00Z"),
        version: 0,
    }
}

#[tokio::test]
async fn channel_accounts_are_versioned_and_listed_per_tenant() {
    let t = fresh_table().await;
    let acme = tenant("acme");
    let created = t.store.save_account(&account(&acme), None).await.unwrap();
    assert_eq!(created.version, 1);
    assert!(matches!(
        t.store.save_account(&account(&acme), None).await,
        Err(StoreError::Conflict { .. })
    ));
    let mut renamed = created.clone();
    renamed.display_name = "eBay IT".into();
    let renamed = t.store.save_account(&renamed, Some(1)).await.unwrap();
    assert!(matches!(
        t.store.save_account(&created, Some(1)).await,
        Err(StoreError::Conflict { .. })
    ));
    t.requests.take();
    assert_eq!(
        t.store.accounts(&acme).await.unwrap(),
        vec![renamed.clone()]
    );
    assert_eq!(t.requests.take(), 1);
    assert_eq!(
        t.store.account(&acme, &renamed.id).await.unwrap(),
        Some(renamed)
    );
    assert!(t.store.accounts(&tenant("other")).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_poll_lease_excludes_a_second_run_until_it_expires_or_is_released() {
    let t = fresh_table().await;
    let acme = tenant("acme");
    let acct = AccountId::parse("acct_ebay").unwrap();
    let now = at("2026-06-01T00:00:00Z");
    let lease = t
        .store
        .acquire_lease(&acme, &acct, "run-1", now, now + Duration::minutes(2))
        .await
        .unwrap();
    assert_eq!(lease.position, None);

    let busy = t
        .store
        .acquire_lease(
            &acme,
            &acct,
            "run-2",
            now + Duration::seconds(30),
            now + Duration::minutes(3),
        )
        .await;
    assert!(matches!(
        busy,
        Err(StoreError::Conflict {
            entity: "poll lease",
            ..
        })
    ));

    let moved = t
        .store
        .advance_cursor(&acme, &lease, "run-1", Some("page-2".into()), false)
        .await
        .unwrap();
    assert_eq!(moved.position.as_deref(), Some("page-2"));
    // A run that lost its lease cannot move the cursor.
    assert!(
        t.store
            .advance_cursor(&acme, &moved, "run-2", Some("page-9".into()), false)
            .await
            .is_err()
    );
    // A stale copy of the cursor cannot move it either.
    assert!(
        t.store
            .advance_cursor(&acme, &lease, "run-1", Some("page-1".into()), false)
            .await
            .is_err()
    );

    // After expiry another run takes over and resumes where the first stopped.
    let later = now + Duration::minutes(5);
    let taken = t
        .store
        .acquire_lease(&acme, &acct, "run-2", later, later + Duration::minutes(2))
        .await
        .unwrap();
    assert_eq!(taken.position.as_deref(), Some("page-2"));
    let released = t
        .store
        .advance_cursor(&acme, &taken, "run-2", Some("page-3".into()), true)
        .await
        .unwrap();
    assert_eq!(released.lease_owner, None);
    let again = t
        .store
        .acquire_lease(&acme, &acct, "run-3", later, later + Duration::minutes(2))
        .await
        .unwrap();
    assert_eq!(again.position.as_deref(), Some("page-3"));
}

#[tokio::test]
async fn daily_counters_accumulate_per_day_channel_and_agent() {
    let t = fresh_table().await;
    let acme = tenant("acme");
    let day = chrono::NaiveDate::from_ymd_opt(2026, 6, 3).unwrap();
    let alice = AgentId::parse("alice").unwrap();
    let add = DailyCounters {
        inbound: 1,
        replies: 1,
        replied_within_24h: 1,
        first_response_seconds_sum: 600,
    };
    // Concurrent: DynamoDB's ADD is atomic, and so is the emulator's (docs/decisions/0002).
    let adds: Vec<_> = (0..10)
        .map(|_| {
            let (store, acme, alice, add) =
                (t.store.clone(), acme.clone(), alice.clone(), add.clone());
            tokio::spawn(async move {
                store
                    .add_counters(&acme, day, Channel::Amazon, Some(&alice), &add)
                    .await
            })
        })
        .collect();
    for add in adds {
        add.await.unwrap().unwrap();
    }
    let month = t.store.month_counters(&acme, 2026, 6).await.unwrap();
    assert_eq!(month.len(), 1);
    assert_eq!(month[0].0, "03#amazon#alice");
    assert_eq!(
        month[0].1,
        DailyCounters {
            inbound: 10,
            replies: 10,
            replied_within_24h: 10,
            first_response_seconds_sum: 6000
        }
    );
}

#[tokio::test]
async fn a_filtered_inbox_page_is_still_one_query_and_overdue_is_exact() {
    let t = fresh_table().await;
    let acme = tenant("acme");
    let early = new_ticket(&acme, at("2026-11-20T08:00:00Z"));
    let mut urgent = new_ticket(&acme, at("2026-11-20T09:00:00Z"));
    urgent.channel = Channel::Ebay;
    urgent.priority = Priority::Urgent;
    urgent.intent = Some(Intent::Claim);
    urgent.tags.insert("vip".into());
    let late = new_ticket(&acme, at("2026-11-21T10:00:00Z"));
    for (i, ticket) in [&early, &urgent, &late].into_iter().enumerate() {
        t.store
            .record_inbound(&first_inbound(ticket, &format!("<f{i}@relay>")))
            .await
            .unwrap();
    }
    let open = TicketQueue::Status(TicketStatus::Open);
    let ids = |page: Page<Ticket>| page.items.into_iter().map(|t| t.id).collect::<Vec<_>>();
    let page = PageRequest::first(10);

    t.requests.take();
    let filter = TicketFilter {
        channel: Some(Channel::Ebay),
        priority: Some(Priority::Urgent),
        intent: Some(Intent::Claim),
        tag: Some("vip".into()),
        ..Default::default()
    };
    let found = t
        .store
        .queue_where(&acme, &open, &filter, &page)
        .await
        .unwrap();
    assert_eq!(t.requests.take(), 1, "a filtered page is one Query");
    assert_eq!(ids(found), [urgent.id.clone()]);

    // Internal deadlines are 12 h after each message: at 2026-11-21T06:00 two are overdue.
    let overdue = TicketFilter {
        due_before: Some(at("2026-11-21T06:00:00Z")),
        ..Default::default()
    };
    let found = t
        .store
        .queue_where(&acme, &open, &overdue, &page)
        .await
        .unwrap();
    assert_eq!(ids(found), [early.id.clone(), urgent.id.clone()]);

    let amazon = TicketFilter {
        channel: Some(Channel::Amazon),
        ..Default::default()
    };
    let found = t
        .store
        .queue_where(&acme, &open, &amazon, &page)
        .await
        .unwrap();
    assert_eq!(ids(found), [early.id, late.id]);
}
