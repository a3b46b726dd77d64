//! Generated inbound mail parses and classifies as intended; delivery to S3 + SQS on the
//! emulator looks like SES inbound with an S3 event notification.

use std::collections::{HashMap, HashSet};

use aws_lambda_events::event::s3::S3Event;
use chrono::{DateTime, Duration, Utc};
use marketdesk::inbound_mail::{MailKind, classify, parse};
use marketdesk_sandboxes::mail::{
    GeneratedKind, GeneratedMail, MailGenerator, NoticeKind, deliver,
};
use marketdesk_sandboxes::shopify::{ShopConfig, seeded_shop};

fn amazon_orders() -> Vec<String> {
    (0..12)
        .map(|i| {
            format!(
                "40{}-{:07}-{:07}",
                i % 10,
                1_234_567 + i * 7919,
                7_654_321 - i * 104_729
            )
        })
        .collect()
}

fn store_orders() -> Vec<String> {
    (1001..=1030).map(|n| format!("#{n}")).collect()
}

fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-02T08:00:00Z")
        .unwrap()
        .to_utc()
}

fn generate(seed: u64, n: usize) -> Vec<GeneratedMail> {
    let mut generator = MailGenerator::new(seed, amazon_orders(), store_orders());
    (0..n)
        .map(|i| generator.next(start() + Duration::minutes(7 * i as i64)))
        .collect()
}

#[test]
fn every_generated_mail_parses_and_classifies_as_intended() {
    let mails = generate(7, 400);
    let (customers, orders) = seeded_shop(&ShopConfig::default());
    let shop_emails: HashMap<String, String> = orders
        .iter()
        .map(|o| {
            (
                o["name"].as_str().unwrap().to_owned(),
                o["customer"]["defaultEmailAddress"]["emailAddress"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    let mut aliases: HashMap<String, String> = HashMap::new();
    for (i, generated) in mails.iter().enumerate() {
        let context = || {
            format!(
                "mail {i} ({:?}):\n{}",
                generated.kind,
                String::from_utf8_lossy(&generated.raw)
            )
        };
        let mail = parse(&generated.raw).unwrap_or_else(|e| panic!("{e}: {}", context()));
        assert_eq!(
            mail.message_id.as_deref(),
            Some(generated.message_id.as_str()),
            "{}",
            context()
        );
        assert_eq!(
            mail.language.as_deref(),
            Some(generated.language),
            "{}\nclean: {}",
            context(),
            mail.clean_text
        );
        let kind = classify(&mail);
        match generated.kind {
            GeneratedKind::AmazonBuyer => {
                let MailKind::BuyerMessage(buyer) = &kind else {
                    panic!("{kind:?}: {}", context());
                };
                let order = generated.order_id.clone().unwrap();
                assert_eq!(
                    buyer.order_id.as_ref().map(|o| o.as_str()),
                    Some(order.as_str())
                );
                assert_eq!(buyer.alias, generated.customer);
                // The buyer's alias belongs to the order: the same in every message about it.
                let alias = aliases.entry(order).or_insert_with(|| buyer.alias.clone());
                assert_eq!(*alias, buyer.alias);
                assert!(
                    !mail.clean_text.contains("-------------"),
                    "{}",
                    mail.clean_text
                );
                if generated.follow_up {
                    assert!(mail.in_reply_to.is_some(), "{}", context());
                }
            }
            GeneratedKind::AmazonNotice => {
                let order = generated.order_id.as_deref();
                match (&kind, generated.notice) {
                    (MailKind::AToZClaim(claim), Some(NoticeKind::AToZClaim)) => {
                        assert_eq!(claim.order_id.as_ref().map(|o| o.as_str()), order);
                        assert!(
                            claim.amount.is_some() && claim.respond_by.is_some(),
                            "{claim:?}: {}",
                            context()
                        );
                    }
                    (MailKind::NegativeFeedback(feedback), Some(NoticeKind::NegativeFeedback)) => {
                        assert_eq!(feedback.order_id.as_ref().map(|o| o.as_str()), order);
                        assert!(feedback.stars.is_some_and(|s| s <= 2), "{feedback:?}");
                        assert!(kind.is_account_risk());
                    }
                    _ => panic!("{kind:?}: {}", context()),
                }
            }
            GeneratedKind::StoreCustomer => {
                let MailKind::StoreMessage(store) = &kind else {
                    panic!("{kind:?}: {}", context());
                };
                let order = generated.order_id.as_deref().unwrap();
                // The sender is the Shopify customer who placed the order: identities link.
                assert_eq!(store.email, shop_emails[order], "{}", context());
                assert_eq!(store.email, generated.customer);
                assert!(mail.clean_text.contains(order), "{}", mail.clean_text);
                assert_eq!(mail.order_id, None, "no Amazon id in a store mail");
            }
        }
    }
    assert!(!customers.is_empty());
}

#[test]
fn the_mix_covers_kinds_languages_topics_and_mime_variants() {
    let mails = generate(11, 400);
    let count = |f: &dyn Fn(&GeneratedMail) -> bool| mails.iter().filter(|m| f(m)).count();
    assert!(count(&|m| m.kind == GeneratedKind::AmazonBuyer) > 100);
    assert!(count(&|m| m.kind == GeneratedKind::StoreCustomer) > 60);
    assert!(count(&|m| m.notice == Some(NoticeKind::AToZClaim)) > 5);
    assert!(count(&|m| m.notice == Some(NoticeKind::NegativeFeedback)) > 5);
    assert!(count(&|m| m.follow_up) > 20);
    let languages: HashSet<&str> = mails.iter().map(|m| m.language).collect();
    assert_eq!(languages.len(), 5, "{languages:?}");
    let topics: HashSet<_> = mails.iter().filter_map(|m| m.topic).collect();
    assert_eq!(topics.len(), 7, "{topics:?}");
    let raw = |m: &GeneratedMail| String::from_utf8_lossy(&m.raw).into_owned();
    for marker in [
        "charset=\"ISO-8859-1\"",
        "charset=\"windows-1252\"",
        "Content-Transfer-Encoding: base64",
        "Content-Transfer-Encoding: quoted-printable",
        "Content-Type: image/png",
        "Content-Type: application/pdf",
        "multipart/alternative",
        "=?UTF-8?B?",
        "In-Reply-To:",
        "> ",
    ] {
        assert!(
            mails.iter().any(|m| raw(m).contains(marker)),
            "no mail has {marker}"
        );
    }
    let html_only = mails.iter().filter(|m| {
        let text = raw(m);
        text.contains("text/html") && !text.contains("text/plain")
    });
    assert!(html_only.count() > 5);
    for m in mails.iter().filter(|m| raw(m).contains("image/png")) {
        assert!(!parse(&m.raw).unwrap().attachments.is_empty());
    }
}

#[test]
fn the_same_seed_gives_the_same_mails() {
    assert_eq!(generate(3, 50), generate(3, 50));
    assert_ne!(generate(3, 50), generate(4, 50));
}

#[tokio::test]
async fn delivered_mail_is_in_s3_and_announced_as_an_s3_event_on_the_queue() {
    let config = marketdesk_devstack::testing::emulator().sdk_config().await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    let sqs = aws_sdk_sqs::Client::new(&config);
    let prefix = marketdesk_devstack::testing::unique_prefix();
    let bucket = format!("{prefix}-mail");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let queue_url = sqs
        .create_queue()
        .queue_name(format!("{prefix}-ingest"))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();

    let mail = generate(5, 1).remove(0);
    let key = deliver(&s3, &sqs, &bucket, &queue_url, "acme", &mail)
        .await
        .unwrap();
    assert!(key.starts_with("inbound/acme/"));
    assert_eq!(key.split('/').nth(1), Some("acme"));

    let received = sqs
        .receive_message()
        .queue_url(&queue_url)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap();
    let messages = received.messages.unwrap_or_default();
    assert_eq!(messages.len(), 1);
    let event: S3Event = serde_json::from_str(messages[0].body.as_deref().unwrap()).unwrap();
    let record = &event.records[0];
    assert_eq!(record.event_source.as_deref(), Some("aws:s3"));
    assert_eq!(record.event_name.as_deref(), Some("ObjectCreated:Put"));
    assert_eq!(record.s3.bucket.name.as_deref(), Some(bucket.as_str()));
    assert_eq!(record.s3.object.key.as_deref(), Some(key.as_str()));
    assert_eq!(record.s3.object.size, Some(mail.raw.len() as i64));

    let object = s3
        .get_object()
        .bucket(&bucket)
        .key(&key)
        .send()
        .await
        .unwrap();
    let bytes = object.body.collect().await.unwrap().into_bytes();
    assert_eq!(bytes.as_ref(), mail.raw.as_slice());

    let err = deliver(&s3, &sqs, &bucket, &queue_url, "acme/../other", &mail)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("tenant"));
}
