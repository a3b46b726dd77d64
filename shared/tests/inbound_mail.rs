//! Corpus test of inbound e-mail parsing: every fixture in `tests/fixtures/mail/` has one entry
//! in `expectations()`, and every entry is asserted field by field, including where the cleaned
//! body starts and ends and what it must no longer contain (quoted history, Amazon wrapper).

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use marketdesk::domain::{FeedbackRating, Money, OrderId};
use marketdesk::inbound_mail::{
    AmazonMarketplace, AutoReplyNotice, AutoReplySignal, BuyerMessage, ClaimNotice, DateSource,
    DeliveryFailure, FeedbackNotice, InboundMail, MailError, MailKind, MarketplaceNotice,
    StoreMessage, attachment_bytes, classify, marketplace_by_tld, parse,
};

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mail")
}

fn read_fixture(file: &str) -> Vec<u8> {
    std::fs::read(fixtures_dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn order(s: &str) -> Option<OrderId> {
    Some(OrderId::parse(s).unwrap())
}

fn mp(tld: &str) -> &'static AmazonMarketplace {
    marketplace_by_tld(tld).unwrap()
}

fn eur(minor: i64) -> Option<Money> {
    Some(Money {
        minor,
        currency: "EUR".into(),
    })
}

fn buyer(alias: &str, name: Option<&str>, tld: &str, order_id: &str) -> MailKind {
    MailKind::BuyerMessage(BuyerMessage {
        alias: alias.into(),
        buyer_name: name.map(Into::into),
        marketplace: mp(tld),
        order_id: order(order_id),
    })
}

fn store(email: &str, name: Option<&str>) -> MailKind {
    MailKind::StoreMessage(StoreMessage {
        email: email.into(),
        name: name.map(Into::into),
        phone: None,
        via_contact_form: false,
    })
}

/// What one fixture must parse to.
struct Expect {
    file: &'static str,
    kind: MailKind,
    from: &'static str,
    subject: &'static str,
    sent_at: &'static str,
    date_source: DateSource,
    message_id: &'static str,
    in_reply_to: Option<&'static str>,
    references: &'static [&'static str],
    language: Option<&'static str>,
    from_html: bool,
    clean_start: &'static str,
    clean_end: &'static str,
    /// Must be gone from the cleaned body (quoted history, wrapper, footer, signature).
    clean_excludes: &'static [&'static str],
    /// Must still be in the full body (proves the excluded text was decoded, then removed).
    text_includes: &'static [&'static str],
    /// filename, content type, decoded size.
    attachments: &'static [(&'static str, &'static str, u64)],
}

impl Expect {
    fn new(file: &'static str, kind: MailKind) -> Self {
        Expect {
            file,
            kind,
            from: "",
            subject: "",
            sent_at: "",
            date_source: DateSource::DateHeader,
            message_id: "",
            in_reply_to: None,
            references: &[],
            language: None,
            from_html: false,
            clean_start: "",
            clean_end: "",
            clean_excludes: &[],
            text_includes: &[],
            attachments: &[],
        }
    }
}

const AMAZON_BOILERPLATE: &[&str] = &[
    "------------- ",
    "Copyright",
    "respond to this customer",
    "rispondere a questo cliente",
    "diesem Kunden zu antworten",
    "répondre à ce client",
    "responder a este cliente",
];

fn expectations() -> Vec<Expect> {
    vec![
        Expect {
            from: "4n7kq2x9v1m3b8c@marketplace.amazon.it",
            subject: "Richiesta di informazioni dal cliente Amazon Giulia R. (Ordine: 405-1234567-7654321)",
            sent_at: "2026-11-03T09:13:58Z",
            message_id: "0101019a3f2c8d1e-it-1@email.amazonses.com",
            language: Some("it"),
            clean_start: "Buongiorno, ho ordinato il bollitore venerdì ma risulta ancora \"in preparazione\".",
            clean_end: "Grazie mille,\nGiulia",
            clean_excludes: &["Ordine: 405", "ASIN", "A titolo informativo", "Questa e-mail ti è stata utile"],
            text_includes: &["Fine messaggio", "Questa e-mail ti è stata utile?"],
            ..Expect::new(
                "amazon_it_buyer_question.eml",
                buyer("4n7kq2x9v1m3b8c@marketplace.amazon.it", Some("Giulia R."), "it", "405-1234567-7654321"),
            )
        },
        Expect {
            from: "m1x8r4z0w2q7t5y@marketplace.amazon.de",
            subject: "Anfrage von Amazon-Kunde Klaus W. (Bestellung: 302-8876543-1122334)",
            sent_at: "2026-11-04T17:40:01Z",
            message_id: "0102019a40aa17c2-de-2@email.amazonses.com",
            language: Some("de"),
            clean_start: "Guten Tag,\n\nich habe den Bohrschrauber gestern erhalten",
            clean_end: "Mit freundlichen Grüßen\nKlaus Weber",
            clean_excludes: &["Bestellnummer", "War diese E-Mail hilfreich"],
            text_includes: &["War diese E-Mail hilfreich?"],
            ..Expect::new(
                "amazon_de_buyer_question.eml",
                buyer("m1x8r4z0w2q7t5y@marketplace.amazon.de", Some("Klaus W."), "de", "302-8876543-1122334"),
            )
        },
        Expect {
            from: "z9p2k7f4s1d8a3q@marketplace.amazon.fr",
            subject: "Demande de détails sur un produit du client Amazon Camille D. (Commande : 171-2345678-9012345)",
            sent_at: "2026-11-05T07:05:31Z",
            message_id: "0102019a41b0c3d4-fr-3@email.amazonses.com",
            language: Some("fr"),
            from_html: true,
            clean_start: "Bonjour,\n\nLa lampe est-elle compatible avec une ampoule GU10 ?",
            clean_end: "Merci d’avance,\nCamille",
            clean_excludes: &["<p>", "&nbsp;", "Lampe de bureau", "Cet e-mail vous a-t-il", "td{"],
            text_includes: &["Lampe de bureau LED à intensité variable", "Cet e-mail vous a-t-il été utile ?"],
            ..Expect::new(
                "amazon_fr_buyer_html_only.eml",
                buyer("z9p2k7f4s1d8a3q@marketplace.amazon.fr", Some("Camille D."), "fr", "171-2345678-9012345"),
            )
        },
        Expect {
            from: "r5t8y1u4i7o0p3a@marketplace.amazon.es",
            subject: "Solicitud de información del cliente de Amazon Lucia M. (Pedido: 407-9876543-2233445)",
            sent_at: "2026-11-05T19:21:49Z",
            message_id: "0102019a42c1d2e3-es-4@email.amazonses.com",
            language: Some("es"),
            clean_start: "Hola, me ha llegado la mochila en color azul pero pedí la verde.",
            clean_end: "Un saludo,\nLucía",
            clean_excludes: &["Mochila de senderismo", "¿Te ha resultado útil", "<p>"],
            text_includes: &["¿Te ha resultado útil este correo electrónico?"],
            ..Expect::new(
                "amazon_es_buyer_alternative.eml",
                buyer("r5t8y1u4i7o0p3a@marketplace.amazon.es", Some("Lucia M."), "es", "407-9876543-2233445"),
            )
        },
        Expect {
            from: "b3n6m9q2w5e8r1t@marketplace.amazon.com",
            subject: "RE: Additional information about your order 113-4455667-8899001",
            sent_at: "2026-11-06T22:31:22Z",
            message_id: "0100019a45d9e8f7-us-9@email.amazonses.com",
            in_reply_to: Some("md.01JBZ3K8Q4R7T2W5Y8A1C4E6G9@mail.acme-store.example"),
            references: &[
                "0100019a44c8d7e6-us-8@email.amazonses.com",
                "md.01JBZ3K8Q4R7T2W5Y8A1C4E6G9@mail.acme-store.example",
            ],
            language: Some("en"),
            clean_start: "Thanks for the tracking number.",
            clean_end: "send a replacement?\n\nJordan",
            clean_excludes: &["wrote:", "On Tue, Nov 3", "1Z999AA10123456784", "For Your Information"],
            text_includes: &["> Your order shipped today with UPS, tracking 1Z999AA10123456784."],
            ..Expect::new(
                "amazon_com_followup_quoted.eml",
                buyer("b3n6m9q2w5e8r1t@marketplace.amazon.com", Some("Jordan P."), "com", "113-4455667-8899001"),
            )
        },
        Expect {
            from: "4n7kq2x9v1m3b8c@marketplace.amazon.it",
            subject: "Re: Ordine 405-1234567-7654321",
            sent_at: "2026-11-07T08:02:07Z",
            message_id: "0102019a46e1f2a3-it-7@email.amazonses.com",
            in_reply_to: Some("md.01JC0A1B2C3D4E5F6G7H8J9K0M@mail.acme-store.example"),
            references: &[
                "0101019a3f2c8d1e-it-1@email.amazonses.com",
                "md.01JC0A1B2C3D4E5F6G7H8J9K0M@mail.acme-store.example",
            ],
            language: Some("it"),
            clean_start: "Perfetto, il pacco è arrivato stamattina.",
            clean_end: "Tutto in ordine, grazie!",
            clean_excludes: &["Il giorno", "ha scritto", "Gentile Giulia", "BRT"],
            text_includes: &["> il bollitore è stato spedito oggi con BRT."],
            ..Expect::new(
                "amazon_it_followup_quoted.eml",
                buyer("4n7kq2x9v1m3b8c@marketplace.amazon.it", Some("Giulia R."), "it", "405-1234567-7654321"),
            )
        },
        Expect {
            from: "m1x8r4z0w2q7t5y@marketplace.amazon.de",
            subject: "AW: Bestellung 302-8876543-1122334 - Ladegerät",
            sent_at: "2026-11-07T15:47:41Z",
            message_id: "0102019a47f2a3b4-de-8@email.amazonses.com",
            in_reply_to: Some("md.01JC1B2C3D4E5F6G7H8J9K0M1N@mail.acme-store.example"),
            references: &["md.01JC1B2C3D4E5F6G7H8J9K0M1N@mail.acme-store.example"],
            language: Some("de"),
            clean_start: "Hallo,\n\ndas Ladegerät ist noch nicht da.",
            clean_end: "Gruß\nKlaus",
            clean_excludes: &["schrieb", "Guten Tag Herr W.", "DHL"],
            text_includes: &["Am 05.11.2026 um 09:15 schrieb Acme Store", "> das Ladegerät ist heute mit DHL an Sie unterwegs."],
            ..Expect::new(
                "amazon_de_followup_quoted.eml",
                buyer("m1x8r4z0w2q7t5y@marketplace.amazon.de", Some("Klaus W."), "de", "302-8876543-1122334"),
            )
        },
        Expect {
            from: "z9p2k7f4s1d8a3q@marketplace.amazon.fr",
            subject: "RE: Commande 171-2345678-9012345",
            sent_at: "2026-11-08T10:12:18Z",
            message_id: "0102019a4803b4c5-fr-9@email.amazonses.com",
            in_reply_to: Some("md.01JC2C3D4E5F6G7H8J9K0M1N2P@mail.acme-store.example"),
            references: &[
                "0102019a41b0c3d4-fr-3@email.amazonses.com",
                "md.01JC2C3D4E5F6G7H8J9K0M1N2P@mail.acme-store.example",
            ],
            language: Some("fr"),
            clean_start: "Merci pour votre réponse rapide.",
            clean_end: "Bonne journée",
            clean_excludes: &["a écrit", "Bonjour Camille", "max 7 W"],
            text_includes: &["Le jeu. 5 nov. 2026 à 14:03, Acme Store", "> Oui, la lampe accepte les ampoules GU10 (max 7 W)."],
            ..Expect::new(
                "amazon_fr_followup_quoted.eml",
                buyer("z9p2k7f4s1d8a3q@marketplace.amazon.fr", Some("Camille D."), "fr", "171-2345678-9012345"),
            )
        },
        Expect {
            from: "r5t8y1u4i7o0p3a@marketplace.amazon.es",
            subject: "RE: Pedido 407-9876543-2233445",
            sent_at: "2026-11-08T18:39:50Z",
            message_id: "0102019a4914c5d6-es-5@email.amazonses.com",
            in_reply_to: Some("md.01JC3D4E5F6G7H8J9K0M1N2P3Q@mail.acme-store.example"),
            references: &["md.01JC3D4E5F6G7H8J9K0M1N2P3Q@mail.acme-store.example"],
            language: Some("es"),
            clean_start: "Vale, ya he impreso la etiqueta",
            clean_end: "Gracias por la ayuda.",
            clean_excludes: &["escribió", "Hola Lucía", "etiqueta de devolución prepagada"],
            text_includes: &["El vie, 6 nov 2026 a las 12:45, Acme Store", "> Te enviamos una etiqueta de devolución prepagada."],
            ..Expect::new(
                "amazon_es_followup_quoted.eml",
                buyer("r5t8y1u4i7o0p3a@marketplace.amazon.es", Some("Lucia M."), "es", "407-9876543-2233445"),
            )
        },
        Expect {
            from: "h4j7k0l3z6x9c2v@marketplace.amazon.de",
            subject: "AW: Ihre Bestellung 028-3344556-6677889",
            sent_at: "2026-11-09T12:05:02Z",
            message_id: "0102019a4a25d6e7-de-1@email.amazonses.com",
            in_reply_to: Some("md.01JC5F6G7H8J9K0M1N2P3Q4R5S@mail.acme-store.example"),
            references: &["md.01JC5F6G7H8J9K0M1N2P3Q4R5S@mail.acme-store.example"],
            language: Some("de"),
            clean_start: "Sehr geehrte Damen und Herren,\n\ndie Rücksendung ist gestern",
            clean_end: "Mit freundlichen Grüßen\nSabine Krause",
            clean_excludes: &["Ursprüngliche Nachricht", "Von:", "Gesendet:", "Rücksendeetikett"],
            text_includes: &["-----Ursprüngliche Nachricht-----", "anbei das Rücksendeetikett."],
            ..Expect::new(
                "amazon_de_outlook_original.eml",
                buyer("h4j7k0l3z6x9c2v@marketplace.amazon.de", Some("Sabine K."), "de", "028-3344556-6677889"),
            )
        },
        Expect {
            from: "c2v5b8n1m4q7w0e@marketplace.amazon.it",
            subject: "Richiesta di informazioni sull'ordine 404-5566778-8990011 - perchè è in ritardo?",
            sent_at: "2026-11-09T20:14:29Z",
            message_id: "0102019a4b36e7f8-it-2@email.amazonses.com",
            language: Some("it"),
            clean_start: "Salve, l'ordine doveva arrivare lunedì ma non è ancora partito.",
            clean_end: "preferisco annullarlo.\n\nNicolò",
            clean_excludes: &["Ordine: 404"],
            text_includes: &["Perchè è in ritardo?"],
            ..Expect::new(
                "amazon_it_iso8859_qp.eml",
                buyer("c2v5b8n1m4q7w0e@marketplace.amazon.it", Some("Nicolò F."), "it", "404-5566778-8990011"),
            )
        },
        Expect {
            from: "t7y0u3i6o9p2a5s@marketplace.amazon.co.jp",
            subject: "注文について（注文番号：503-1122334-5566778）",
            sent_at: "2026-11-10T02:09:52Z",
            message_id: "0106019a4c47f8a9-jp-1@email.amazonses.com",
            language: Some("ja"),
            clean_start: "こんにちは。\n注文した商品はいつ発送されますか？",
            clean_end: "よろしくお願いします。",
            clean_excludes: &["注文番号"],
            text_includes: &["注文番号：503-1122334-5566778"],
            ..Expect::new(
                "amazon_jp_iso2022jp.eml",
                buyer("t7y0u3i6o9p2a5s@marketplace.amazon.co.jp", Some("Haruto S."), "co.jp", "503-1122334-5566778"),
            )
        },
        Expect {
            from: "w8e1r4t7y0u3i6o@marketplace.amazon.co.uk",
            subject: "Problem with order 026-7788990-0112233 from Amazon customer Oliver T.",
            sent_at: "2026-11-11T13:26:37Z",
            message_id: "0102019a4d58a9b0-uk-6@email.amazonses.com",
            language: Some("en"),
            clean_start: "Hi,\n\nThe teapot arrived smashed",
            clean_end: "Thanks,\nOliver",
            clean_excludes: &["Glass Teapot with Infuser", "Amazon.co.uk"],
            text_includes: &["Copyright 2026 Amazon.com"],
            attachments: &[("IMG_4021.jpg", "image/jpeg", 4226)],
            ..Expect::new(
                "amazon_uk_buyer_photo.eml",
                buyer("w8e1r4t7y0u3i6o@marketplace.amazon.co.uk", Some("Oliver T."), "co.uk", "026-7788990-0112233"),
            )
        },
        Expect {
            from: "v6b9n2m5q8w1e4r@marketplace.amazon.de",
            subject: "Rechnung angefordert von Amazon-Kunde Firma Berger GmbH (Bestellung: 303-2468135-9753124)",
            sent_at: "2026-11-11T16:02:20Z",
            message_id: "0102019a4e69b0c1-de-3@email.amazonses.com",
            language: Some("de"),
            clean_start: "Guten Tag,\n\nfür unsere Buchhaltung",
            clean_end: "Vielen Dank\nBuchhaltung Berger",
            clean_excludes: &["Bestellnummer", "<p>"],
            text_includes: &["Bestellnummer: 303-2468135-9753124"],
            attachments: &[("Bestellbestätigung 303.pdf", "application/pdf", 455)],
            ..Expect::new(
                "amazon_de_buyer_pdf.eml",
                buyer("v6b9n2m5q8w1e4r@marketplace.amazon.de", Some("Firma Berger GmbH"), "de", "303-2468135-9753124"),
            )
        },
        Expect {
            from: "return@amazon.ca",
            subject: "Return authorization request for order 702-1357924-6801357",
            sent_at: "2026-11-12T04:17:55Z",
            message_id: "0100019a4f7ac1d2-ca-4@email.amazonses.com",
            language: Some("en"),
            clean_start: "Dear Acme Store,\n\nEmily C. has requested to return",
            clean_end: "Sincerely,\nAmazon.ca",
            clean_excludes: &["Copyright"],
            text_includes: &["Copyright 2026 Amazon.com"],
            ..Expect::new(
                "amazon_ca_return_request_reply_to.eml",
                buyer("e2r5t8y1u4i7o0p@marketplace.amazon.ca", Some("Emily C."), "ca", "702-1357924-6801357"),
            )
        },
        Expect {
            from: "k3l6z9x2c5v8b1n@marketplace.amazon.nl",
            subject: "Vraag van Amazon-klant Daan (Bestelling: 408-2244668-1133557)",
            sent_at: "2026-11-12T11:37:36Z",
            message_id: "0102019a508bd2e3-nl-2@email.amazonses.com",
            language: Some("nl"),
            clean_start: "Goedemiddag, kunnen jullie de fietstas ook in het zwart leveren?",
            clean_end: "Met vriendelijke groet,\nDaan",
            clean_excludes: &["Bestelling:", "Einde bericht"],
            text_includes: &["------------- Einde bericht -------------"],
            ..Expect::new(
                "amazon_nl_buyer_via_amazon.eml",
                buyer("k3l6z9x2c5v8b1n@marketplace.amazon.nl", Some("Daan"), "nl", "408-2244668-1133557"),
            )
        },
        Expect {
            from: "seller-notification@amazon.com",
            subject: "Your Account Health report for November is ready",
            sent_at: "2026-11-20T11:00:01Z",
            message_id: "0100019a5ecfa044-rpt-1@email.amazonses.com",
            language: Some("en"),
            clean_start: "Hello Acme Store,",
            clean_end: "Amazon Seller Performance",
            ..Expect::new(
                "amazon_marketplace_notice_en.eml",
                MailKind::MarketplaceNotice(MarketplaceNotice { order_id: None, marketplace: Some(mp("com")) }),
            )
        },
        // Store mailbox
        Expect {
            from: "marco.bianchi@example.net",
            subject: "R: Preventivo per 20 borracce personalizzate",
            sent_at: "2026-11-09T08:31:04Z",
            message_id: "AM0PR07MB6210F1B2C3D4E5F6@AM0PR07MB6210.eurprd07.prod.outlook.example",
            in_reply_to: Some("md.01JC4E5F6G7H8J9K0M1N2P3Q4R@mail.acme-store.example"),
            references: &["md.01JC4E5F6G7H8J9K0M1N2P3Q4R@mail.acme-store.example"],
            language: Some("it"),
            clean_start: "Buongiorno,\n\nva bene il prezzo proposto.",
            clean_end: "Marco Bianchi\nUfficio acquisti",
            clean_excludes: &["Da:", "Inviato:", "Oggetto:", "180 euro"],
            text_includes: &["Inviato: venerdì 6 novembre 2026 17:05", "il prezzo è di 180 euro"],
            ..Expect::new(
                "store_outlook_quoted_it.eml",
                store("marco.bianchi@example.net", Some("Marco Bianchi")),
            )
        },
        Expect {
            from: "claire.martin@example.org",
            subject: "Remboursement de 49,90 €",
            sent_at: "2026-11-10T09:48:15Z",
            message_id: "20261110104815.4F2A1@smtp.example.org",
            language: Some("fr"),
            clean_start: "Bonjour,\n\nJ’ai renvoyé la théière « Kyoto » le 2 novembre",
            clean_end: "c’est pour moi !\n\nCordialement,\nClaire Martin",
            text_includes: &["remboursement de 49,90 €", "ma sœur"],
            ..Expect::new(
                "store_windows1252_fr.eml",
                store("claire.martin@example.org", Some("Claire Martin")),
            )
        },
        Expect {
            from: "mailer@shopify.com",
            subject: "New customer message on November 12, 2026 at 3:04 pm",
            sent_at: "2026-11-12T15:04:19Z",
            message_id: "6731e6a3d2b1_3f8c2ae0f8c4@shopify-mailer-7d9f.mail",
            language: Some("en"),
            clean_start: "Hi there, do you ship to Jersey?",
            clean_end: "(JE2 3AB).\n\nThanks!",
            clean_excludes: &["contact form", "Name:", "Phone Number", "+44"],
            text_includes: &["Phone Number:\n+44 20 7946 0018"],
            ..Expect::new(
                "store_shopify_contact_form_en.eml",
                MailKind::StoreMessage(StoreMessage {
                    email: "sam.carter@example.com".into(),
                    name: Some("Sam Carter".into()),
                    phone: Some("+44 20 7946 0018".into()),
                    via_contact_form: true,
                }),
            )
        },
        Expect {
            from: "mailer@shopify.com",
            subject: "Nuovo messaggio del cliente il 13 novembre 2026 alle 8:55",
            sent_at: "2026-11-13T07:55:06Z",
            message_id: "6734b1fa90ab_2c1d3be0e7a2@shopify-mailer-5b8c.mail",
            language: Some("it"),
            clean_start: "Buongiorno, ho ricevuto il set di tazze ma una è scheggiata.",
            clean_end: "Numero ordine #1042.\n\nGrazie, Elena",
            clean_excludes: &["Telefono", "modulo di contatto"],
            text_includes: &["Telefono: 347 000 1122"],
            ..Expect::new(
                "store_shopify_contact_form_it.eml",
                MailKind::StoreMessage(StoreMessage {
                    email: "elena.conti@example.net".into(),
                    name: Some("Elena Conti".into()),
                    phone: Some("347 000 1122".into()),
                    via_contact_form: true,
                }),
            )
        },
        Expect {
            from: "Anna.Schmidt@Example.com",
            subject: "Lieferzeit Gartenbank",
            sent_at: "2026-11-13T18:20:33Z",
            message_id: "A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF@example.com",
            language: Some("de"),
            clean_start: "Hallo,\n\nwie lange dauert die Lieferung",
            clean_end: "Viele Grüße\nAnna Schmidt",
            clean_excludes: &["iPhone"],
            text_includes: &["Von meinem iPhone gesendet"],
            ..Expect::new(
                "store_direct_de_signature.eml",
                store("anna.schmidt@example.com", Some("Anna Schmidt")),
            )
        },
        Expect {
            from: "pat.nguyen@example.org",
            subject: "Wrong size delivered",
            sent_at: "2026-11-14T02:11:45Z",
            message_id: "CAF3x9Kb1mQ2W3e4R5t6Y7u8I9o0P@mail.example.org",
            language: Some("en"),
            clean_start: "Hello,\n\nI ordered the rain jacket in size M",
            clean_end: "return label for the L?\n\nPat",
            clean_excludes: &["Treasurer", "(555) 010-4477"],
            text_includes: &["Riverside Book Club, Treasurer"],
            ..Expect::new("store_direct_en_sigdash.eml", store("pat.nguyen@example.org", Some("Pat Nguyen")))
        },
        Expect {
            from: "louis.bernard@example.net",
            subject: "Re: Votre commande #1061",
            sent_at: "2026-11-14T09:30:08Z",
            message_id: "CAGs8k2Hm5Q_x7YvT1n0bR3zL9pW4eD6fU2aJ8cK1@mail.example.net",
            in_reply_to: Some("md.01JC6G7H8J9K0M1N2P3Q4R5S6T@mail.acme-store.example"),
            references: &["md.01JC6G7H8J9K0M1N2P3Q4R5S6T@mail.acme-store.example"],
            language: Some("fr"),
            clean_start: "Bonjour,\n\nMerci, mais le colis n'est toujours pas arrivé.",
            clean_end: "Louis Bernard\nAtelier Bernard",
            clean_excludes: &["a écrit", "Colissimo", "Bonjour Louis"],
            text_includes: &["> Votre commande est partie avec Colissimo."],
            // The 69-byte logo embedded by cid: in the HTML is a signature, not an attachment.
            attachments: &[],
            ..Expect::new("store_gmail_alternative_fr.eml", store("louis.bernard@example.net", Some("Louis Bernard")))
        },
        Expect {
            from: "javier.ortega@example.com",
            subject: "Re: Factura pedido #1088",
            sent_at: "2026-11-14T16:45:27Z",
            message_id: "5B7C9D1E-2F3A-4B5C-8D9E-0F1A2B3C4D5E@example.com",
            in_reply_to: Some("md.01JC7H8J9K0M1N2P3Q4R5S6T7V@mail.acme-store.example"),
            references: &["md.01JC7H8J9K0M1N2P3Q4R5S6T7V@mail.acme-store.example"],
            language: Some("es"),
            from_html: true,
            clean_start: "Hola:\n\nNecesito la factura a nombre de mi empresa",
            clean_end: "La dirección fiscal es la misma del envío.\n\nGracias,\nJavier",
            clean_excludes: &["escribió", "factura simplificada", "<div>", "&oacute;"],
            text_includes: &["> Hola Javier, adjuntamos la factura simplificada."],
            ..Expect::new(
                "store_html_only_blockquote_es.eml",
                store("javier.ortega@example.com", Some("Javier Ortega Muñoz")),
            )
        },
        Expect {
            from: "kim.lee@example.net",
            subject: "Gift wrapping?",
            // No Date header: the topmost Received (added by SES), not the sender's relay.
            sent_at: "2026-11-20T03:07:44Z",
            date_source: DateSource::Received,
            message_id: "c0ffee42-0000-4000-8000-000000000001@example.net",
            language: Some("en"),
            clean_start: "Hi, can you gift wrap order #1093",
            clean_end: "It is a birthday present.\nKim",
            ..Expect::new("store_no_date_received_fallback.eml", store("kim.lee@example.net", None))
        },
        // Amazon risk notices
        Expect {
            from: "atoz-guarantee-no-reply@amazon.com",
            subject: "A-to-z Guarantee claim filed for order 114-3941689-8772232",
            sent_at: "2026-11-15T06:02:03Z",
            message_id: "0100019a52adf4a5-atoz-1@email.amazonses.com",
            language: Some("en"),
            clean_start: "Dear Acme Store,",
            clean_end: "Sincerely,\nAmazon Seller Performance",
            clean_excludes: &["Copyright"],
            ..Expect::new(
                "atoz_claim_com_en.eml",
                MailKind::AToZClaim(ClaimNotice {
                    order_id: order("114-3941689-8772232"),
                    amount: Some(Money { minor: 4599, currency: "USD".into() }),
                    // November 17 ends at 23:59:59 Pacific time.
                    respond_by: Some(utc("2026-11-18T07:59:59Z")),
                    reason: Some("Item not received".into()),
                    marketplace: Some(mp("com")),
                }),
            )
        },
        Expect {
            from: "atoz-guarantee-no-reply@amazon.it",
            subject: "Reclamo Garanzia dalla A alla Z per l'ordine 405-7418529-6301478",
            sent_at: "2026-11-15T09:41:38Z",
            message_id: "0102019a53be05b6-atoz-2@email.amazonses.com",
            language: Some("it"),
            clean_start: "Gentile Acme Store,",
            clean_end: "Cordiali saluti,\nAmazon.it",
            clean_excludes: &["Copyright"],
            ..Expect::new(
                "atoz_claim_it.eml",
                MailKind::AToZClaim(ClaimNotice {
                    order_id: order("405-7418529-6301478"),
                    amount: eur(5990),
                    respond_by: Some(utc("2026-11-18T22:59:59Z")),
                    reason: Some("L'articolo ricevuto è danneggiato".into()),
                    marketplace: Some(mp("it")),
                }),
            )
        },
        Expect {
            from: "cb-seller-notification@amazon.de",
            subject: "Rückbuchungsanfrage (Chargeback) für Bestellung 303-9517534-8524561",
            sent_at: "2026-11-16T08:14:51Z",
            message_id: "0102019a54cf16c7-cb-3@email.amazonses.com",
            language: Some("de"),
            clean_start: "Guten Tag Acme Store,",
            clean_end: "Freundliche Grüße\nAmazon.de",
            clean_excludes: &["Copyright"],
            ..Expect::new(
                "chargeback_de.eml",
                MailKind::Chargeback(ClaimNotice {
                    order_id: order("303-9517534-8524561"),
                    amount: eur(124_900),
                    respond_by: Some(utc("2026-11-23T22:59:59Z")),
                    reason: Some("Transaktion nicht erkannt".into()),
                    marketplace: Some(mp("de")),
                }),
            )
        },
        Expect {
            from: "cb-seller-notification@amazon.es",
            subject: "Notificación de contracargo: pedido 407-3571598-2468013",
            sent_at: "2026-11-16T13:27:32Z",
            message_id: "0102019a55e027d8-cb-4@email.amazonses.com",
            language: Some("es"),
            clean_start: "Hola, Acme Store:",
            clean_end: "Atentamente,\nAmazon.es",
            ..Expect::new(
                "chargeback_es.eml",
                MailKind::Chargeback(ClaimNotice {
                    order_id: order("407-3571598-2468013"),
                    amount: eur(8995),
                    // "en un plazo de 7 días" from the notice's Date.
                    respond_by: Some(utc("2026-11-23T13:27:32Z")),
                    reason: Some("El comprador no reconoce el cargo".into()),
                    marketplace: Some(mp("es")),
                }),
            )
        },
        Expect {
            from: "seller-notification@amazon.fr",
            subject: "Nouvelle évaluation négative pour la commande 171-8642097-5319753",
            sent_at: "2026-11-17T07:03:17Z",
            message_id: "0102019a56f138e9-fb-5@email.amazonses.com",
            language: Some("fr"),
            clean_start: "Bonjour Acme Store,",
            clean_end: "Cordialement,\nAmazon.fr",
            ..Expect::new(
                "feedback_negative_fr.eml",
                MailKind::NegativeFeedback(FeedbackNotice {
                    order_id: order("171-8642097-5319753"),
                    stars: Some(1),
                    rating: Some(FeedbackRating::Negative),
                    comment: Some(
                        "Colis arrivé avec dix jours de retard et aucune réponse à mes messages.".into(),
                    ),
                    marketplace: Some(mp("fr")),
                }),
            )
        },
        Expect {
            from: "donotreply@amazon.co.uk",
            subject: "Negative feedback received for order 026-1928374-6554433",
            sent_at: "2026-11-17T19:54:56Z",
            message_id: "0102019a57024afa-fb-6@email.amazonses.com",
            language: Some("en"),
            clean_start: "Hello Acme Store,",
            clean_end: "under Performance > Feedback.",
            clean_excludes: &["Was this email helpful", "Copyright"],
            text_includes: &["Was this email helpful?"],
            ..Expect::new(
                "feedback_negative_uk_en.eml",
                MailKind::NegativeFeedback(FeedbackNotice {
                    order_id: order("026-1928374-6554433"),
                    stars: Some(2),
                    rating: Some(FeedbackRating::Negative),
                    comment: Some("Item fine but it took two weeks and the box was wet.".into()),
                    marketplace: Some(mp("co.uk")),
                }),
            )
        },
        // Bounces and auto-replies
        Expect {
            from: "MAILER-DAEMON@amazonses.com",
            subject: "Delivery Status Notification (Failure)",
            sent_at: "2026-11-18T10:20:30Z",
            message_id: "0102019a5b9c7d11-dsn-1@eu-west-1.amazonses.com",
            language: Some("en"),
            clean_start: "An error occurred while trying to deliver the mail",
            clean_end: "m1x8r4z0w2q7t5y@marketplace.amazon.de",
            // The machine-readable status is read, not listed; the returned message stays.
            attachments: &[("attachment-1.eml", "message/rfc822", 371)],
            ..Expect::new(
                "bounce_dsn_relay_rejected.eml",
                MailKind::DeliveryFailed(DeliveryFailure {
                    failed_recipient: Some("m1x8r4z0w2q7t5y@marketplace.amazon.de".into()),
                    original_message_id: Some("md.01JCA1B2C3D4E5F6G7H8J9K0M1@mail.acme-store.example".into()),
                    status: Some("5.7.1".into()),
                    diagnostic: Some(
                        "550 5.7.1 Sender address is not an approved sender for this Amazon seller account".into(),
                    ),
                }),
            )
        },
        Expect {
            from: "MAILER-DAEMON@mx.example.org",
            subject: "Undelivered Mail Returned to Sender",
            sent_at: "2026-11-18T15:02:10Z",
            message_id: "20261118150210.A1B2C3D4E5@mx.example.org",
            language: Some("en"),
            clean_start: "This is the mail system at host mx.example.org.",
            clean_end: "Recipient address rejected: User unknown",
            ..Expect::new(
                "bounce_postfix_rfc822_headers.eml",
                MailKind::DeliveryFailed(DeliveryFailure {
                    failed_recipient: Some("pat.nguyen.old@example.org".into()),
                    original_message_id: Some("md.01JCB2C3D4E5F6G7H8J9K0M1N2@mail.acme-store.example".into()),
                    status: Some("5.1.1".into()),
                    diagnostic: Some(
                        "550 5.1.1 <pat.nguyen.old@example.org>: Recipient address rejected: User unknown".into(),
                    ),
                }),
            )
        },
        Expect {
            from: "donotreply@amazon.de",
            subject: "Nachricht nicht zugestellt: Re: Ihre Bestellung 028-3344556-6677889",
            sent_at: "2026-11-19T08:44:28Z",
            message_id: "0102019a5cad8e22-ndr-1@email.amazonses.com",
            language: Some("de"),
            clean_start: "Guten Tag,\n\nIhre Nachricht an den Käufer konnte nicht zugestellt werden.",
            clean_end: "Freundliche Grüße\nAmazon Seller Central",
            ..Expect::new(
                "amazon_delivery_failed_de.eml",
                MailKind::DeliveryFailed(DeliveryFailure {
                    failed_recipient: Some("h4j7k0l3z6x9c2v@marketplace.amazon.de".into()),
                    original_message_id: Some("md.01JCC3D4E5F6G7H8J9K0M1N2P3@mail.acme-store.example".into()),
                    status: None,
                    diagnostic: None,
                }),
            )
        },
        Expect {
            from: "c2v5b8n1m4q7w0e@marketplace.amazon.it",
            subject: "Risposta automatica: Ordine 404-5566778-8990011",
            sent_at: "2026-11-19T12:00:29Z",
            message_id: "0102019a5dbe9f33-it-3@email.amazonses.com",
            in_reply_to: Some("md.01JCD4E5F6G7H8J9K0M1N2P3Q4@mail.acme-store.example"),
            language: Some("it"),
            clean_start: "Sono in ferie fino al 30 novembre",
            clean_end: "Risponderò al mio rientro.",
            clean_excludes: AMAZON_BOILERPLATE,
            ..Expect::new(
                "autoreply_ooo_it_relay.eml",
                MailKind::AutoReply(AutoReplyNotice {
                    signal: AutoReplySignal::AutoSubmitted,
                    relay_alias: Some("c2v5b8n1m4q7w0e@marketplace.amazon.it".into()),
                    order_id: order("404-5566778-8990011"),
                }),
            )
        },
        Expect {
            from: "sam.carter@example.com",
            subject: "Out of Office: Shipping to Jersey",
            sent_at: "2026-11-19T16:29:59Z",
            message_id: "ooo-20261119162959-77@smtp.example.com",
            in_reply_to: Some("md.01JCE5F6G7H8J9K0M1N2P3Q4R5@mail.acme-store.example"),
            language: Some("en"),
            clean_start: "Thank you for your email.",
            clean_end: "will reply when I return.",
            ..Expect::new(
                "autoreply_x_autoreply_en.eml",
                MailKind::AutoReply(AutoReplyNotice {
                    signal: AutoReplySignal::XAutoreply,
                    relay_alias: None,
                    order_id: None,
                }),
            )
        },
    ]
}

/// Fixtures that must be rejected, with the reason the ingest worker quarantines them for.
const REJECTED: &[(&str, MailError)] = &[
    ("malformed_no_from.eml", MailError::MissingFrom),
    ("malformed_garbage.eml", MailError::NotAnEmail),
];

fn check(e: &Expect, mail: &InboundMail) -> Vec<String> {
    let mut problems = Vec::new();
    let mut expect_eq = |what: &str, got: String, want: String| {
        if got != want {
            problems.push(format!("{what}: got {got:?}, want {want:?}"));
        }
    };
    expect_eq("from", mail.from.address.clone(), e.from.into());
    expect_eq("subject", mail.subject.clone(), e.subject.into());
    expect_eq(
        "sent_at",
        mail.sent_at.to_rfc3339(),
        utc(e.sent_at).to_rfc3339(),
    );
    expect_eq(
        "date_source",
        format!("{:?}", mail.date_source),
        format!("{:?}", e.date_source),
    );
    expect_eq(
        "message_id",
        format!("{:?}", mail.message_id),
        format!("{:?}", Some(e.message_id)),
    );
    expect_eq(
        "in_reply_to",
        format!("{:?}", mail.in_reply_to),
        format!("{:?}", e.in_reply_to),
    );
    expect_eq(
        "references",
        format!("{:?}", mail.references),
        format!("{:?}", e.references),
    );
    expect_eq(
        "language",
        format!("{:?}", mail.language),
        format!("{:?}", e.language),
    );
    expect_eq(
        "from_html",
        mail.from_html.to_string(),
        e.from_html.to_string(),
    );
    let attachments: Vec<(String, String, u64)> = mail
        .attachments
        .iter()
        .map(|a| (a.filename.clone(), a.content_type.clone(), a.size_bytes))
        .collect();
    let want: Vec<(String, String, u64)> = e
        .attachments
        .iter()
        .map(|(f, c, s)| (f.to_string(), c.to_string(), *s))
        .collect();
    expect_eq(
        "attachments",
        format!("{attachments:?}"),
        format!("{want:?}"),
    );
    expect_eq(
        "kind",
        format!("{:?}", classify(mail)),
        format!("{:?}", e.kind),
    );

    if !mail.clean_text.starts_with(e.clean_start) {
        problems.push(format!(
            "clean_text does not start with {:?}:\n{}",
            e.clean_start, mail.clean_text
        ));
    }
    if !mail.clean_text.ends_with(e.clean_end) {
        problems.push(format!(
            "clean_text does not end with {:?}:\n{}",
            e.clean_end, mail.clean_text
        ));
    }
    let is_relay = matches!(classify(mail), MailKind::BuyerMessage(_)) && mail.amazon.is_some();
    let relay_boilerplate: &[&str] = if is_relay { AMAZON_BOILERPLATE } else { &[] };
    for gone in e.clean_excludes.iter().chain(relay_boilerplate) {
        if mail.clean_text.contains(gone) {
            problems.push(format!(
                "clean_text still contains {gone:?}:\n{}",
                mail.clean_text
            ));
        }
    }
    for kept in e.text_includes {
        if !mail.text.contains(kept) {
            problems.push(format!("full text lacks {kept:?}:\n{}", mail.text));
        }
    }
    problems
}

#[test]
fn every_fixture_parses_to_its_expected_fields() {
    let mut failures = Vec::new();
    for e in expectations() {
        match parse(&read_fixture(e.file)) {
            Ok(mail) => {
                let problems = check(&e, &mail);
                if !problems.is_empty() {
                    failures.push(format!("{}:\n  {}", e.file, problems.join("\n  ")));
                }
            }
            Err(err) => failures.push(format!("{}: parse failed: {err}", e.file)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn malformed_fixtures_are_rejected_with_a_typed_reason() {
    for (file, want) in REJECTED {
        let got = parse(&read_fixture(file)).unwrap_err();
        assert_eq!(&got, want, "{file}");
    }
    assert_eq!(REJECTED[0].1.reason(), "missing_from");
    assert_eq!(REJECTED[1].1.reason(), "not_an_email");
}

#[test]
fn every_fixture_file_has_exactly_one_expectation() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".eml"))
        .collect();
    let mut listed: Vec<String> = expectations().iter().map(|e| e.file.to_string()).collect();
    listed.extend(REJECTED.iter().map(|(f, _)| f.to_string()));
    let listed_set: BTreeSet<String> = listed.iter().cloned().collect();
    assert_eq!(listed.len(), listed_set.len(), "a fixture is listed twice");
    assert_eq!(
        on_disk, listed_set,
        "fixtures on disk and expectations differ"
    );
    assert!(
        on_disk.len() >= 30,
        "the corpus must keep at least 30 fixtures"
    );
}

#[test]
fn attachment_bytes_returns_the_decoded_photo() {
    let raw = read_fixture("amazon_uk_buyer_photo.eml");
    let mail = parse(&raw).unwrap();
    let photo = &mail.attachments[0];
    let bytes = attachment_bytes(&raw, photo.part).unwrap();
    assert_eq!(bytes.len() as u64, photo.size_bytes);
    assert!(
        bytes.starts_with(&[0xff, 0xd8]) && bytes.ends_with(&[0xff, 0xd9]),
        "a JPEG"
    );
    let domain = photo.to_domain(Some("s3://bucket/key".into()));
    assert_eq!(domain.filename, "IMG_4021.jpg");
    assert_eq!(domain.location.as_deref(), Some("s3://bucket/key"));
}

#[test]
fn risk_notices_are_flagged_and_customer_messages_carry_an_identity() {
    let kind = |file: &str| classify(&parse(&read_fixture(file)).unwrap());
    for file in [
        "atoz_claim_it.eml",
        "chargeback_de.eml",
        "feedback_negative_fr.eml",
    ] {
        let k = kind(file);
        assert!(k.is_account_risk(), "{file}");
        assert!(k.customer_identity().is_none(), "{file}");
    }
    let buyer = kind("amazon_it_buyer_question.eml");
    assert!(!buyer.is_account_risk());
    let id = buyer.customer_identity().unwrap();
    assert_eq!(id.value, "4n7kq2x9v1m3b8c@marketplace.amazon.it");
    assert_eq!(buyer.name(), "buyer_message");
    let form = kind("store_shopify_contact_form_en.eml");
    assert_eq!(
        form.customer_identity().unwrap().value,
        "sam.carter@example.com"
    );
    assert_eq!(form.channel(), marketdesk::domain::Channel::Email);
    assert!(
        kind("autoreply_ooo_it_relay.eml")
            .customer_identity()
            .is_none()
    );
    use marketdesk::domain::Channel;
    assert_eq!(
        kind("bounce_dsn_relay_rejected.eml").channel(),
        Channel::Amazon
    );
    assert_eq!(
        kind("bounce_postfix_rfc822_headers.eml").channel(),
        Channel::Email
    );
}

#[test]
fn every_marketplace_has_a_relay_domain_that_resolves_to_it() {
    for m in marketdesk::inbound_mail::MARKETPLACES {
        let alias = format!("abc@marketplace.amazon.{}", m.tld);
        assert_eq!(
            marketdesk::inbound_mail::relay_marketplace(&alias),
            Some(m),
            "{alias}"
        );
    }
    assert_eq!(mp("it").id, "APJ6JRA9NG5V4");
}
