//! Real-world mail: the shapes mail servers and clients actually deliver (no or broken Date,
//! digests, `message/rfc822` wrappers, bounces, unknown charsets, 8-bit headers, broken
//! encodings and boundaries…) must reach a ticket, or be classified as a notice; only a mail
//! naming no sender at all is quarantined, with a reason.
//!
//! `tests/fixtures/realworld/expected.tsv` names every mail of the corpus and what it must
//! become: a `MailKind` name, or the `MailError::reason` of a quarantined one. The property
//! tests mutate those mails (truncation, flipped bytes, dropped and duplicated headers, broken
//! boundaries, odd charsets) and require a result every time: parsed into a plannable ticket
//! write, or rejected with a stable reason — never a panic.

use std::path::PathBuf;
use std::sync::LazyLock;

use chrono::{DateTime, Duration, Utc};
use marketdesk::domain::{
    AccountId, Channel, ChannelAccount, Marketplace, SecretRef, TenantId, TicketStatus,
};
use marketdesk::inbound_mail::{
    DateSource, InboundMail, MailError, MailKind, ParseOptions, classify, parse_with,
};
use marketdesk::ingest::inbound::{from_mail, mail_account};
use marketdesk::ingest::{Origin, plan};
use marketdesk::sla::seed_policies;
use marketdesk::store::InboundContext;
use proptest::prelude::*;

/// When SES stored every mail of the corpus (its S3 notification's `eventTime`).
static ARRIVAL: LazyLock<DateTime<Utc>> =
    LazyLock::new(|| "2026-12-01T08:31:05Z".parse().expect("valid instant"));

const QUARANTINE_REASONS: [&str; 5] = [
    "empty",
    "too_large",
    "not_an_email",
    "missing_from",
    "missing_date",
];

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/realworld")
}

/// `(file, expected kind or quarantine reason)` of every corpus mail.
fn manifest() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(corpus_dir().join("expected.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (file, kind) = l.split_once('\t').unwrap_or_else(|| panic!("bad line {l}"));
            (file.to_string(), kind.to_string())
        })
        .collect()
}

static CORPUS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    manifest()
        .iter()
        .map(|(file, _)| std::fs::read(corpus_dir().join(file)).unwrap())
        .collect()
});

fn account(id: &str, channel: Channel, market: &str, sender: Option<&str>) -> ChannelAccount {
    ChannelAccount {
        id: AccountId::parse(id).unwrap(),
        tenant: TenantId::parse("acme").unwrap(),
        channel,
        marketplace: Marketplace {
            id: market.into(),
            country: None,
            language: None,
        },
        region: None,
        display_name: id.into(),
        credentials: SecretRef("x".into()),
        sender_address: sender.map(str::to_owned),
        seller_id: None,
        reply_identity: None,
        auto_send_wismo: false,
        poll_interval_minutes: 5,
        enabled: true,
        created_at: *ARRIVAL - Duration::days(30),
        version: 1,
    }
}

static ACCOUNTS: LazyLock<Vec<ChannelAccount>> = LazyLock::new(|| {
    vec![
        account("acct_amazon_it", Channel::Amazon, "APJ6JRA9NG5V4", None),
        account("acct_amazon_de", Channel::Amazon, "A1PA6795UKMFR9", None),
        account(
            "acct_shop",
            Channel::Shopify,
            "shop.myshopify.com",
            Some("support@shop.example"),
        ),
    ]
});

/// What ingestion does with a parsed mail, short of the store: the account, the normalised
/// inbound and the planned write of a new ticket.
fn ticket_of(mail: &InboundMail, kind: &MailKind, object: &str) -> marketdesk::store::InboundWrite {
    let tenant = TenantId::parse("acme").unwrap();
    let account = mail_account(&ACCOUNTS, mail, kind)
        .unwrap_or_else(|e| panic!("{object}: no account for a {}: {e}", kind.name()));
    let inbound = from_mail(
        &tenant,
        account,
        mail,
        kind,
        &format!("inbound/acme/{object}"),
    );
    assert!(
        !inbound.seen.external_id.is_empty(),
        "{object}: no dedupe id"
    );
    let now = *ARRIVAL + Duration::minutes(1);
    let write = plan(
        &inbound,
        &InboundContext::default(),
        &seed_policies(),
        &[],
        now,
    );
    assert_eq!(write.ticket.tenant, tenant, "{object}");
    assert_eq!(write.message.ticket, write.ticket.id, "{object}");
    if inbound.origin == Origin::Buyer {
        assert_eq!(write.ticket.status, TicketStatus::Open, "{object}");
    }
    write
}

#[test]
fn the_corpus_is_large_and_every_file_is_listed() {
    let listed: Vec<String> = manifest().into_iter().map(|(f, _)| f).collect();
    assert!(listed.len() >= 60, "{} mails", listed.len());
    let mut on_disk = Vec::new();
    for dir in ["", "no_sender"] {
        for entry in std::fs::read_dir(corpus_dir().join(dir)).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".eml") {
                on_disk.push(if dir.is_empty() {
                    name
                } else {
                    format!("{dir}/{name}")
                });
            }
        }
    }
    on_disk.sort();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(on_disk, sorted);
}

#[test]
fn every_mail_with_a_sender_reaches_a_ticket_or_a_classified_notice() {
    let options = ParseOptions::arrived_at(*ARRIVAL);
    let mut tickets = 0;
    for ((file, expected), raw) in manifest().iter().zip(CORPUS.iter()) {
        match parse_with(raw, &options) {
            Ok(mail) => {
                let kind = classify(&mail);
                assert_eq!(kind.name(), expected, "{file}");
                assert!(mail.from.address.contains('@'), "{file}");
                // The SLA clock starts at a real instant: never after the arrival, and a
                // Date far from it gave way to the arrival.
                assert!(mail.sent_at <= *ARRIVAL + Duration::hours(2), "{file}");
                assert!(mail.sent_at >= *ARRIVAL - Duration::days(14), "{file}");
                let shown = format!("{}{}", mail.subject, mail.text);
                assert!(
                    !shown.trim().is_empty() || !mail.attachments.is_empty(),
                    "{file}: nothing to show"
                );
                ticket_of(&mail, &kind, file);
                tickets += 1;
            }
            Err(err) => assert_eq!(err.reason(), expected, "{file}: {err}"),
        }
    }
    assert!(tickets >= 60, "{tickets} tickets");
}

fn mail(file: &str) -> InboundMail {
    let i = manifest().iter().position(|(f, _)| f == file).unwrap();
    parse_with(&CORPUS[i], &ParseOptions::arrived_at(*ARRIVAL)).unwrap()
}

#[test]
fn a_missing_broken_or_far_off_date_falls_back_to_received_then_arrival() {
    let cases = [
        ("store_no_date_no_received.eml", DateSource::Arrival),
        ("store_broken_date.eml", DateSource::Arrival),
        ("store_epoch_date.eml", DateSource::Arrival),
        ("store_future_date.eml", DateSource::Received),
        ("store_received_only_date.eml", DateSource::Received),
        ("store_named_zone_date.eml", DateSource::DateHeader),
    ];
    for (file, source) in cases {
        let mail = mail(file);
        assert_eq!(mail.date_source, source, "{file}");
        if source == DateSource::Arrival {
            assert_eq!(mail.sent_at, *ARRIVAL, "{file}");
        }
    }
    assert_eq!(
        mail("store_named_zone_date.eml").sent_at.to_rfc3339(),
        "2026-12-01T08:30:00+00:00"
    );
}

#[test]
fn wrapped_digested_and_attached_text_becomes_the_body() {
    let cases = [
        (
            "store_mixed_text_as_attachment.eml",
            "produkt przyszedł uszkodzony",
        ),
        (
            "store_mixed_part_without_content_type.eml",
            "faltaba un artículo",
        ),
        ("store_multipart_digest.eml", "när kommer mitt paket"),
        (
            "store_rfc822_wrapper_only.eml",
            "è in ritardo di una settimana",
        ),
        ("store_rfc822_wrapper_with_note.eml", "Vi inoltro la mail"),
        ("store_html_only_table.eml", "charger"),
        (
            "store_html_only_base64_no_charset.eml",
            "refund for order 1150",
        ),
        (
            "store_nested_alternative_inline_image.eml",
            "photo du produit abîmé",
        ),
        ("store_deep_nesting.eml", "lamp I bought flickers"),
        ("store_raw_latin1_headers.eml", "devolver"),
        ("store_windows_1250_polish.eml", "przesyłka"),
        ("store_shift_jis.eml", "注文した商品"),
        ("store_qp_lowercase_hex.eml", "arrivée"),
    ];
    for (file, needle) in cases {
        let mail = mail(file);
        assert!(mail.text.contains(needle), "{file}: {:?}", mail.text);
    }
}

#[test]
fn decoded_headers_and_fallback_senders() {
    let folded = mail("store_folded_rfc2047_subject.eml");
    assert!(
        folded.subject.starts_with("Frage zur Bestellung"),
        "{}",
        folded.subject
    );
    assert!(folded.subject.contains("Größe"), "{}", folded.subject);
    assert_eq!(folded.from.name.as_deref(), Some("Sören Müller"));
    let raw8 = mail("store_raw_utf8_headers.eml");
    assert_eq!(raw8.from.name.as_deref(), Some("Jürgen Groß"));
    assert!(raw8.subject.contains("verspätet"));
    let cases = [
        ("store_sender_header_only.eml", "office@example.com"),
        (
            "store_from_without_address_reply_to.eml",
            "customer.real@example.com",
        ),
        ("store_return_path_only.eml", "envelope.sender@example.org"),
        ("store_header_case.eml", "LEO@EXAMPLE.COM"),
    ];
    for (file, address) in cases {
        assert_eq!(mail(file).from.address, address, "{file}");
    }
    let bounce = mail("bounce_postfix_dsn.eml");
    let MailKind::DeliveryFailed(failure) = classify(&bounce) else {
        panic!("not a bounce")
    };
    assert_eq!(
        failure.original_message_id.as_deref(),
        Some("reply-1190@shop.example")
    );
}

// ---------------------------------------------------------------------------------------------
// Property tests: mutated real-world mails.

#[derive(Debug, Clone)]
enum Mutation {
    /// Cut the mail at this fraction of its length.
    Truncate(f64),
    /// Replace the byte at this fraction of the length.
    Flip(f64, u8),
    /// Drop the n-th line (headers included).
    DropLine(usize),
    /// Repeat the n-th line.
    DuplicateLine(usize),
    /// Damage the n-th MIME boundary line (`--…`).
    BreakBoundary(usize, u8),
    /// Name another charset in every `charset=` parameter.
    Charset(&'static str),
    /// Insert raw bytes at this fraction of the length.
    Insert(f64, Vec<u8>),
    /// Turn CRLF into LF, or LF into CR.
    LineEndings(bool),
}

const CHARSETS: [&str; 8] = [
    "x-unknown",
    "utf-7",
    "utf-16le",
    "iso-2022-jp",
    "gb18030",
    "",
    "\"utf-8",
    "windows-1258",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (0.0..1.0f64).prop_map(Mutation::Truncate),
        (0.0..1.0f64, any::<u8>()).prop_map(|(at, b)| Mutation::Flip(at, b)),
        (0..40usize).prop_map(Mutation::DropLine),
        (0..40usize).prop_map(Mutation::DuplicateLine),
        (0..6usize, any::<u8>()).prop_map(|(n, b)| Mutation::BreakBoundary(n, b)),
        proptest::sample::select(&CHARSETS[..]).prop_map(Mutation::Charset),
        (0.0..1.0f64, proptest::collection::vec(any::<u8>(), 1..24))
            .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        any::<bool>().prop_map(Mutation::LineEndings),
    ]
}

fn position(raw: &[u8], fraction: f64) -> usize {
    ((raw.len() as f64) * fraction) as usize
}

fn apply(raw: &mut Vec<u8>, mutation: &Mutation) {
    match mutation {
        Mutation::Truncate(at) => raw.truncate(position(raw, *at)),
        Mutation::Flip(at, byte) => {
            let i = position(raw, *at);
            if let Some(b) = raw.get_mut(i) {
                *b = *byte;
            }
        }
        Mutation::DropLine(n) | Mutation::DuplicateLine(n) => {
            let mut lines: Vec<Vec<u8>> = raw
                .split_inclusive(|&b| b == b'\n')
                .map(<[u8]>::to_vec)
                .collect();
            if lines.is_empty() {
                return;
            }
            let i = n % lines.len();
            if matches!(mutation, Mutation::DropLine(_)) {
                lines.remove(i);
            } else {
                let line = lines[i].clone();
                lines.insert(i, line);
            }
            *raw = lines.concat();
        }
        Mutation::BreakBoundary(n, byte) => {
            let starts: Vec<usize> = raw
                .windows(3)
                .enumerate()
                .filter(|(i, w)| {
                    w[..2] == *b"--" && (*i == 0 || raw[i - 1] == b'\n') && w[2] != b'\n'
                })
                .map(|(i, _)| i)
                .collect();
            if let Some(&start) = starts.get(n % starts.len().max(1)) {
                raw[start + 2] = *byte;
            }
        }
        Mutation::Charset(name) => {
            let text = String::from_utf8_lossy(raw).into_owned();
            let replaced = regex_lite_charset(&text, name);
            if replaced != text {
                *raw = replaced.into_bytes();
            }
        }
        Mutation::Insert(at, bytes) => {
            let i = position(raw, *at).min(raw.len());
            raw.splice(i..i, bytes.iter().copied());
        }
        Mutation::LineEndings(to_lf) => {
            let text: Vec<u8> = if *to_lf {
                raw.iter().copied().filter(|&b| b != b'\r').collect()
            } else {
                raw.iter()
                    .map(|&b| if b == b'\n' { b'\r' } else { b })
                    .collect()
            };
            *raw = text;
        }
    }
}

/// Every `charset=value` with `name` in its place.
fn regex_lite_charset(text: &str, name: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.to_ascii_lowercase().find("charset=") {
        let (head, tail) = rest.split_at(i + "charset=".len());
        out.push_str(head);
        let end = tail
            .find(|c: char| c == ';' || c == '\r' || c == '\n' || c.is_whitespace())
            .unwrap_or(tail.len());
        out.push_str(name);
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// The property: a result every time. A parsed mail names a sender with an address and a
/// plausible sending time, and plans into a ticket write; a rejection has a stable reason.
fn check(raw: &[u8]) -> Result<(), TestCaseError> {
    match parse_with(raw, &ParseOptions::arrived_at(*ARRIVAL)) {
        Ok(mail) => {
            prop_assert!(mail.from.address.contains('@'));
            prop_assert!(mail.sent_at <= *ARRIVAL + Duration::hours(2));
            prop_assert!(mail.sent_at >= *ARRIVAL - Duration::days(14));
            let kind = classify(&mail);
            ticket_of(&mail, &kind, "mutated.eml");
        }
        Err(err) => {
            prop_assert!(QUARANTINE_REASONS.contains(&err.reason()), "{err}");
            prop_assert!(!err.to_string().is_empty());
            if !matches!(err, MailError::Empty | MailError::NotAnEmail) {
                prop_assert!(!raw.iter().all(u8::is_ascii_whitespace));
            }
        }
    }
    Ok(())
}

proptest! {
    // 8 000 cases of one to four mutations of a corpus mail.
    #![proptest_config(ProptestConfig { cases: 8_000, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn mutated_real_world_mail_is_ingested_or_rejected_with_a_reason(
        seed in 0..1_000usize,
        mutations in proptest::collection::vec(mutation(), 1..5),
    ) {
        let mut raw = CORPUS[seed % CORPUS.len()].clone();
        for m in &mutations {
            apply(&mut raw, m);
        }
        check(&raw)?;
    }
}

proptest! {
    // 3 000 cases of bytes that are not a mail at all, or a header block of noise.
    #![proptest_config(ProptestConfig { cases: 3_000, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
        headers in "(From|Date|Subject|Content-Type|Reply-To|Sender): [ -~]{0,60}\r\n",
    ) {
        check(&bytes)?;
        let mut with_headers = headers.into_bytes();
        with_headers.extend_from_slice(b"\r\n");
        with_headers.extend_from_slice(&bytes);
        check(&with_headers)?;
    }
}
