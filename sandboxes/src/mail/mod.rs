//! Inbound e-mail as SES receives it: Amazon buyer messages relayed from anonymised aliases,
//! Amazon's claim and feedback notices, and store customers' mail (direct or through the
//! Shopify contact form), as raw MIME; and [`deliver`], which stores one in S3 and announces it
//! on the ingest queue the way an S3 event notification does.
//!
//! [`MailGenerator`] is deterministic per seed. It varies what real mail varies: five languages,
//! seven topics, follow-ups in a thread (same alias and order, `In-Reply-To`, quoted history),
//! HTML-only bodies, attachments, and transfer encodings and charsets (quoted-printable, base64,
//! ISO-8859-1, windows-1252).

mod deliver;
mod mime;
mod texts;

use std::collections::HashMap;

use chrono::{DateTime, Utc};

pub use deliver::{DeliverError, deliver, s3_event, s3_key_encode};

use crate::rng::Rng;
use crate::shopify::{ShopConfig, ShopCustomer, seeded_shop};
use mime::{BodyEncoding, Part};

/// The seller's address that Seller Central relays buyer messages to.
pub const SELLER_ADDRESS: &str = "ordini@marketdesk-demo.example";
/// The store's customer-service address (contact form notifications and customers' mail).
pub const STORE_ADDRESS: &str = "assistenza@marketdesk-demo.example";
const STORE_NAME: &str = "Marketdesk Demo";

/// What a generated mail is meant to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GeneratedKind {
    /// A buyer's message relayed from their alias `@marketplace.amazon.<tld>`.
    AmazonBuyer,
    /// An A-to-z claim or feedback notice from Amazon itself.
    AmazonNotice,
    /// A Shopify store customer, by e-mail or through the contact form.
    StoreCustomer,
}

/// What the customer asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    WhereIsMyOrder,
    Return,
    Refund,
    Damaged,
    Cancellation,
    ProductQuestion,
    Invoice,
}

const TOPICS: [Topic; 7] = [
    Topic::WhereIsMyOrder,
    Topic::WhereIsMyOrder,
    Topic::Return,
    Topic::Refund,
    Topic::Damaged,
    Topic::Cancellation,
    Topic::ProductQuestion,
];

/// Which Amazon notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    AToZClaim,
    NegativeFeedback,
}

/// One generated e-mail and what it is meant to be, for assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedMail {
    pub raw: Vec<u8>,
    pub kind: GeneratedKind,
    /// The language the customer (or Amazon) wrote in: `it`, `de`, `fr`, `es`, `en`.
    pub language: &'static str,
    /// The Amazon order id, or the store order name (`#1003`).
    pub order_id: Option<String>,
    /// Message-ID without angle brackets.
    pub message_id: String,
    /// The customer's question (`None` for notices).
    pub topic: Option<Topic>,
    pub notice: Option<NoticeKind>,
    /// The sender as the ingest worker should identify it: the relay alias, the customer's
    /// e-mail (also for contact forms), or Amazon's notice address.
    pub customer: String,
    /// Part of a thread started by an earlier generated mail.
    pub follow_up: bool,
}

/// An Amazon buyer's conversation about one order.
#[derive(Debug, Clone)]
struct Thread {
    alias: String,
    name: &'static str,
    tld: &'static str,
    language: &'static str,
    topic: Topic,
    /// Message-IDs so far (the buyer's and the seller's replies), oldest first.
    history: Vec<String>,
}

/// Generates inbound mail; the same seed and inputs give the same mails in the same order.
#[derive(Debug, Clone)]
pub struct MailGenerator {
    rng: Rng,
    seed: u64,
    amazon_orders: Vec<String>,
    store_orders: Vec<String>,
    customers: HashMap<String, ShopCustomer>,
    threads: HashMap<String, Thread>,
    counter: u64,
}

/// Amazon marketplaces (domain suffix) and their language.
const MARKETPLACES: [(&str, &str); 6] = [
    ("it", "it"),
    ("de", "de"),
    ("fr", "fr"),
    ("es", "es"),
    ("co.uk", "en"),
    ("com", "en"),
];

/// FNV-1a: a stable hash, so aliases do not change between runs or Rust versions.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

impl MailGenerator {
    /// `amazon_orders`: order ids (`405-1234567-1234567`); `store_orders`: Shopify order names
    /// (`#1003`). Store customers are those of the Shopify sandbox's default shop, so that the
    /// sender's e-mail is the order's customer; see [`MailGenerator::with_shop`].
    pub fn new(seed: u64, amazon_orders: Vec<String>, store_orders: Vec<String>) -> Self {
        Self {
            rng: Rng::new(seed),
            seed,
            amazon_orders,
            store_orders,
            customers: HashMap::new(),
            threads: HashMap::new(),
            counter: 0,
        }
        .with_shop(&ShopConfig::default())
    }

    /// Takes store customers from the Shopify sandbox shop of `config`.
    pub fn with_shop(mut self, config: &ShopConfig) -> Self {
        let (customers, orders) = seeded_shop(config);
        self.customers = orders
            .iter()
            .filter_map(|o| {
                let email = o["customer"]["defaultEmailAddress"]["emailAddress"].as_str()?;
                let customer = customers.iter().find(|c| c.email == email)?;
                Some((o["name"].as_str()?.to_owned(), customer.clone()))
            })
            .collect();
        self
    }

    /// The store customer who placed `order_name`, as the generator will write as them.
    pub fn store_customer(&self, order_name: &str) -> ShopCustomer {
        self.customers.get(order_name).cloned().unwrap_or_else(|| {
            // An order the shop does not know: a stable stranger.
            let n = fnv(order_name) % 1000;
            ShopCustomer {
                gid: format!("gid://shopify/Customer/{}", 9_000_000_000 + n),
                first_name: "Cliente".to_owned(),
                last_name: format!("N{n}"),
                email: format!("cliente{n}@example.it"),
                phone: format!("+39 333 000 {n:04}"),
                language: "it",
            }
        })
    }

    /// The relay alias of the buyer of an Amazon order: the same for every message about it.
    pub fn amazon_alias(&self, order_id: &str) -> String {
        self.thread_for(order_id).alias
    }

    fn thread_for(&self, order_id: &str) -> Thread {
        if let Some(thread) = self.threads.get(order_id) {
            return thread.clone();
        }
        let mut rng = Rng::new(self.seed ^ fnv(order_id));
        let (tld, language) = *rng.pick(&MARKETPLACES);
        Thread {
            alias: format!(
                "{}@marketplace.amazon.{tld}",
                rng.alnum_upper(14).to_ascii_lowercase()
            ),
            name: rng.pick::<&'static str>(texts::buyer_names(language)),
            tld,
            language,
            topic: *rng.pick(&TOPICS),
            history: Vec::new(),
        }
    }

    /// The next mail, dated `at`.
    pub fn next(&mut self, at: DateTime<Utc>) -> GeneratedMail {
        self.counter += 1;
        let roll = self.rng.below(100);
        let amazon = !self.amazon_orders.is_empty();
        let store = !self.store_orders.is_empty();
        match (amazon, store) {
            (true, true) if roll < 55 => self.amazon_buyer(at),
            (true, true) if roll < 65 => self.amazon_notice(at),
            (true, false) if roll < 88 => self.amazon_buyer(at),
            (true, false) => self.amazon_notice(at),
            _ => self.store_customer_mail(at),
        }
    }

    fn message_id(&mut self, domain: &str) -> String {
        format!(
            "{:016x}-{:08x}-{:04}@{domain}",
            self.rng.next_u64(),
            self.rng.next_u64() as u32,
            self.counter
        )
    }

    fn encoding(&mut self) -> BodyEncoding {
        *self.rng.pick(&[
            BodyEncoding::QuotedPrintable,
            BodyEncoding::QuotedPrintable,
            BodyEncoding::Base64,
            BodyEncoding::EightBit,
            BodyEncoding::Latin1,
            BodyEncoding::Windows1252,
        ])
    }

    fn amazon_buyer(&mut self, at: DateTime<Utc>) -> GeneratedMail {
        // Now and then the buyer writes again in an open conversation.
        let open: Vec<String> = {
            let mut keys: Vec<&String> = self.threads.keys().collect();
            keys.sort();
            keys.into_iter().cloned().collect()
        };
        let order = if !open.is_empty() && self.rng.chance(30) {
            self.rng.pick(&open).clone()
        } else {
            self.rng.pick(&self.amazon_orders).clone()
        };
        let mut thread = self.thread_for(&order);
        let follow_up = !thread.history.is_empty();
        let language = thread.language;
        let message_id = self.message_id("eu-west-1.amazonses.com");
        let mut text = if follow_up {
            texts::follow_up(language).to_owned()
        } else {
            texts::question(thread.topic, language).replace("{order}", &order)
        };
        let mut headers = Vec::new();
        if follow_up {
            // The seller answered the last message; the buyer replies to that answer.
            let reply_id = format!(
                "reply-{:08x}@{}",
                self.rng.next_u64() as u32,
                "marketdesk-demo.example"
            );
            thread.history.push(reply_id.clone());
            headers.push(("In-Reply-To".to_owned(), format!("<{reply_id}>")));
            // The latest ids only, one per folded line, as mail clients trim long threads.
            let recent = &thread.history[thread.history.len().saturating_sub(8)..];
            headers.push((
                "References".to_owned(),
                recent
                    .iter()
                    .map(|id| format!("<{id}>"))
                    .collect::<Vec<_>>()
                    .join("\r\n "),
            ));
            if self.rng.chance(60) {
                let date = (at - chrono::Duration::hours(3)).format("%d/%m/%Y %H:%M");
                text.push_str("\r\n\r\n");
                text.push_str(&texts::attribution(language, &date.to_string(), STORE_NAME));
                for line in texts::seller_reply(language).split_inclusive(". ") {
                    text.push_str("\r\n> ");
                    text.push_str(line.trim_end());
                }
            }
        }
        thread.history.push(message_id.clone());
        let topic = thread.topic;
        let alias = thread.alias.clone();
        let relay = texts::relay(language);
        let subject = relay
            .subject
            .replace("{name}", thread.name)
            .replace("{order}", &order);
        let subject = if follow_up {
            format!("Re: {subject}")
        } else {
            subject
        };
        let footer = relay.footer.replace("{order}", &order);
        let plain = format!(
            "{}\r\n\r\n{}\r\n\r\n{text}\r\n\r\n{}\r\n\r\n{footer}\r\n",
            relay.intro, relay.start, relay.end
        );
        let html_only = self.rng.chance(15);
        let encoding = self.encoding();
        let mut body = if html_only {
            Part::html(&mime::paragraphs_to_html(&plain), encoding)
        } else if self.rng.chance(25) {
            Part::alternative(
                self.boundary(),
                vec![
                    Part::text(&plain, encoding),
                    Part::html(
                        &mime::paragraphs_to_html(&plain),
                        BodyEncoding::QuotedPrintable,
                    ),
                ],
            )
        } else {
            Part::text(&plain, encoding)
        };
        if topic == Topic::Damaged && !follow_up || self.rng.chance(8) {
            body = self.with_attachment(body, topic);
        }
        headers.splice(
            0..0,
            [
                (
                    "From".to_owned(),
                    mime::mailbox(&format!("{} - Amazon Marketplace", thread.name), &alias),
                ),
                ("To".to_owned(), SELLER_ADDRESS.to_owned()),
                ("Subject".to_owned(), mime::encode_word(&subject)),
                ("Date".to_owned(), at.to_rfc2822()),
                ("Message-ID".to_owned(), format!("<{message_id}>")),
            ],
        );
        self.threads.insert(order.clone(), thread);
        GeneratedMail {
            raw: mime::message(&headers, &body),
            kind: GeneratedKind::AmazonBuyer,
            language,
            order_id: Some(order),
            message_id,
            topic: Some(topic),
            notice: None,
            customer: alias,
            follow_up,
        }
    }

    fn amazon_notice(&mut self, at: DateTime<Utc>) -> GeneratedMail {
        let order = self.rng.pick(&self.amazon_orders).clone();
        let thread = self.thread_for(&order);
        let language = thread.language;
        let tld = thread.tld;
        let message_id = self.message_id(&format!("amazon.{tld}"));
        let claim = self.rng.chance(50);
        let (notice, from, subject, body) = if claim {
            let (subject, body) = texts::atoz(language);
            let amount = match tld {
                "co.uk" => format!("£{}.{:02}", self.rng.range(10, 99), self.rng.below(100)),
                "com" => format!("${}.{:02}", self.rng.range(10, 99), self.rng.below(100)),
                _ => format!("{},{:02} €", self.rng.range(10, 99), self.rng.below(100)),
            };
            (
                NoticeKind::AToZClaim,
                format!("atoz-guarantee-no-reply@amazon.{tld}"),
                subject.replace("{order}", &order),
                body.replace("{order}", &order).replace("{amount}", &amount),
            )
        } else {
            let (subject, body) = texts::feedback(language);
            let stars = self.rng.range(1, 2).to_string();
            (
                NoticeKind::NegativeFeedback,
                format!("donotreply@amazon.{tld}"),
                subject.replace("{order}", &order),
                body.replace("{order}", &order).replace("{stars}", &stars),
            )
        };
        let encoding = self.encoding();
        let headers = vec![
            (
                "From".to_owned(),
                mime::mailbox(&format!("Amazon.{tld}"), &from),
            ),
            ("To".to_owned(), SELLER_ADDRESS.to_owned()),
            ("Subject".to_owned(), mime::encode_word(&subject)),
            ("Date".to_owned(), at.to_rfc2822()),
            ("Message-ID".to_owned(), format!("<{message_id}>")),
        ];
        GeneratedMail {
            raw: mime::message(&headers, &Part::text(&body, encoding)),
            kind: GeneratedKind::AmazonNotice,
            language,
            order_id: Some(order),
            message_id,
            topic: None,
            notice: Some(notice),
            customer: from,
            follow_up: false,
        }
    }

    fn store_customer_mail(&mut self, at: DateTime<Utc>) -> GeneratedMail {
        let order = if self.store_orders.is_empty() {
            "#1001".to_owned()
        } else {
            self.rng.pick(&self.store_orders).clone()
        };
        let customer = self.store_customer(&order);
        let language = customer.language;
        let topic = if self.rng.chance(12) {
            Topic::Invoice
        } else {
            *self.rng.pick(&TOPICS)
        };
        let text = texts::question(topic, language).replace("{order}", &order);
        let name = customer.display_name();
        let encoding = self.encoding();
        let via_form = self.rng.chance(50);
        let (headers, body, message_id) = if via_form {
            let message_id = self.message_id("shopify.com");
            // Shopify writes the notification in the shop's language (Italian here).
            let plain = format!(
                "Hai ricevuto un nuovo messaggio dal modulo di contatto del tuo negozio online.\r\n\r\nNome:\r\n{name}\r\n\r\nE-mail:\r\n{}\r\n\r\nTelefono:\r\n{}\r\n\r\nMessaggio:\r\n{text}\r\n",
                customer.email, customer.phone
            );
            let headers = vec![
                (
                    "From".to_owned(),
                    mime::mailbox("Shopify", "mailer@shopify.com"),
                ),
                ("Reply-To".to_owned(), mime::mailbox(&name, &customer.email)),
                ("To".to_owned(), STORE_ADDRESS.to_owned()),
                (
                    "Subject".to_owned(),
                    mime::encode_word(&format!(
                        "Nuovo messaggio del cliente dal modulo di contatto del {}",
                        at.format("%d/%m/%Y alle %H:%M")
                    )),
                ),
                ("Date".to_owned(), at.to_rfc2822()),
                ("Message-ID".to_owned(), format!("<{message_id}>")),
            ];
            (headers, Part::text(&plain, encoding), message_id)
        } else {
            let domain = customer
                .email
                .rsplit_once('@')
                .map_or("example.it", |(_, d)| d)
                .to_owned();
            let message_id = self.message_id(&format!("mail.{domain}"));
            let subject = match language {
                "it" => format!("Ordine {order}"),
                "de" => format!("Bestellung {order}"),
                "fr" => format!("Commande {order}"),
                "es" => format!("Pedido {order}"),
                _ => format!("Order {order}"),
            };
            let plain = format!("{text}\r\n\r\n{name}\r\n");
            let body = if self.rng.chance(20) {
                Part::html(&mime::paragraphs_to_html(&plain), encoding)
            } else {
                Part::text(&plain, encoding)
            };
            let body = if topic == Topic::Damaged {
                self.with_attachment(body, topic)
            } else {
                body
            };
            let headers = vec![
                ("From".to_owned(), mime::mailbox(&name, &customer.email)),
                ("To".to_owned(), mime::mailbox(STORE_NAME, STORE_ADDRESS)),
                ("Subject".to_owned(), mime::encode_word(&subject)),
                ("Date".to_owned(), at.to_rfc2822()),
                ("Message-ID".to_owned(), format!("<{message_id}>")),
            ];
            (headers, body, message_id)
        };
        GeneratedMail {
            raw: mime::message(&headers, &body),
            kind: GeneratedKind::StoreCustomer,
            language,
            order_id: Some(order),
            message_id,
            topic: Some(topic),
            notice: None,
            customer: customer.email.to_ascii_lowercase(),
            follow_up: false,
        }
    }

    fn boundary(&mut self) -> String {
        format!("=_md_{:016x}", self.rng.next_u64())
    }

    fn with_attachment(&mut self, body: Part, topic: Topic) -> Part {
        let attachment = if topic == Topic::Damaged || self.rng.chance(50) {
            Part::attachment("image/png", "foto.png", mime::TINY_PNG.to_vec())
        } else {
            Part::attachment("application/pdf", "documento.pdf", mime::TINY_PDF.to_vec())
        };
        Part::mixed(self.boundary(), vec![body, attachment])
    }
}
