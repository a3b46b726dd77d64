use chrono_tz::Europe::Rome;
use serde_json::json;

use super::*;
use crate::compliance::{Outcome, Rule};
use crate::domain::{Customer, Order, Shipment, Ticket};

/// An FBM amazon.it order, shipped with BRT, in transit.
fn sample_order() -> Order {
    serde_json::from_value(json!({
        "channel": "amazon",
        "id": "171-1234567-1234567",
        "account": "acct_it",
        "marketplace_id": "APJ6JRA9NG5V4",
        "status": "Shipped",
        "fulfillment": "merchant",
        "purchased_at": "2026-11-20T09:15:00Z",
        "buyer_name": "Giulia Bianchi",
        "total": {"minor": 4990, "currency": "EUR"},
        "items": [{"product_id": "B0C1234567", "title": "Lampada da scrivania LED", "quantity": 1,
                   "unit_price": {"minor": 4990, "currency": "EUR"}}],
        "shipments": [{"carrier": "brt", "tracking_number": "123456789012", "status": "label_created"}],
        "updated_at": "2026-11-21T08:00:00Z",
        "version": 3
    }))
    .unwrap()
}

/// What the carrier says now: newer than the order's copy.
fn live_shipment() -> Shipment {
    serde_json::from_value(json!({
        "carrier": "brt",
        "tracking_number": "123456789012",
        "status": "in_transit",
        "events": [
            {"at": "2026-11-23T05:40:00Z", "status": "in_transit", "description": "Arrived at hub", "location": "Bologna"},
            {"at": "2026-11-22T17:10:00Z", "status": "in_transit", "description": "Picked up", "location": "Milano"}
        ],
        "estimated_delivery": "2026-11-25T12:00:00Z",
        "checked_at": "2026-11-23T06:00:00Z"
    }))
    .unwrap()
}

fn sample_ticket(order: Option<&str>) -> Ticket {
    serde_json::from_value(json!({
        "id": "tkt_1", "tenant": "acme", "channel": "amazon", "account": "acct_it",
        "thread": "abc@marketplace.amazon.it", "subject": "Dov'è il mio ordine?",
        "status": "open", "priority": "normal", "customer": "cus_1",
        "order": order.map(|o| json!({"channel": "amazon", "order": o})),
        "message_count": 1, "created_at": "2026-11-23T07:00:00Z",
        "updated_at": "2026-11-23T07:00:00Z", "version": 1
    }))
    .unwrap()
}

fn context<'a>(ticket: &'a Ticket, order: &'a Order, live: &'a Shipment) -> RenderContext<'a> {
    let mut ctx = RenderContext::for_ticket(ticket, Some(order), Rome);
    ctx.live_shipment = Some(live);
    ctx.seller_name = Some("Casa Luce");
    ctx
}

#[test]
fn the_starter_set_is_valid_and_covers_the_issue_list_in_five_languages() {
    let ids: Vec<&str> = starter_set().iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "shipped",
            "delay",
            "return_authorised",
            "refund_processed",
            "damaged_item",
            "product_question",
            "wismo_live"
        ]
    );
    for t in starter_set() {
        t.validate().unwrap();
        for lang in ["en", "it", "de", "fr", "es"] {
            let v = t.variant(Channel::Amazon, lang).unwrap();
            assert_eq!(v.language, lang, "{}", t.id);
        }
    }
}

#[test]
fn every_starter_variant_renders_completely_and_passes_its_channels_checker() {
    let (ticket, order, live) = (
        sample_ticket(Some("171-1234567-1234567")),
        sample_order(),
        live_shipment(),
    );
    for t in starter_set() {
        for v in &t.variants {
            // A channel-less variant is what Amazon gets when it has no own wording, and what
            // Shopify and the store's mail always get; check it against the strictest rules.
            let channel = v.channel.unwrap_or(Channel::Amazon);
            let mut ctx = context(&ticket, &order, &live);
            ctx.channel = channel;
            let only = Template {
                variants: vec![v.clone()],
                ..t.clone()
            };
            let rendered = only.render(&v.language, &ctx).unwrap();
            assert!(
                rendered.missing.is_empty(),
                "{} {channel} {}: {:?}",
                t.id,
                v.language,
                rendered.missing
            );
            let marketplace = match v.language.as_str() {
                "it" => "amazon.it",
                "de" => "amazon.de",
                "fr" => "amazon.fr",
                "es" => "amazon.es",
                _ => "amazon.co.uk",
            };
            let verdict = rendered.check(Some(marketplace));
            assert_eq!(
                (verdict.verdict, verdict.language.as_str()),
                (Outcome::Pass, v.language.as_str()),
                "{} {channel} {}:\n{}\n{:#?}",
                t.id,
                v.language,
                rendered.body,
                verdict.findings
            );
        }
    }
}

#[test]
fn wismo_is_filled_from_live_tracking_in_the_buyers_language_and_time_zone() {
    let (ticket, order, live) = (sample_ticket(None), sample_order(), live_shipment());
    let rendered = starter("wismo_live")
        .unwrap()
        .render("it-IT", &context(&ticket, &order, &live))
        .unwrap();
    assert_eq!(
        (rendered.language.as_str(), rendered.fell_back),
        ("it", false)
    );
    let body = &rendered.body;
    for expected in [
        "Gentile Giulia Bianchi,",
        "ordine 171-1234567-1234567 è affidato a BRT (numero di spedizione 123456789012)",
        "risulta: in transito.",
        // 05:40 UTC is 06:40 in Rome; the newest event wins over the older one.
        "del 23 novembre 2026, ore 06:40 a Bologna",
        "prevista per il 25 novembre 2026.",
        "https://vas.brt.it/vas/sped_det_show.hsm?referer=sped_numspe_par.htm&Nspediz=123456789012",
        "Cordiali saluti,\nCasa Luce",
    ] {
        assert!(body.contains(expected), "{expected:?} not in:\n{body}");
    }
}

#[test]
fn without_live_tracking_the_orders_own_shipment_is_used_and_unknowns_stay_unfilled() {
    let order = sample_order();
    let mut ctx = RenderContext::new(Channel::Amazon, Rome);
    ctx.order = Some(&order);
    let rendered = starter("wismo_live").unwrap().render("en", &ctx).unwrap();
    assert!(rendered.body.contains("tracking number 123456789012"));
    assert!(rendered.body.contains("currently ready for dispatch"));
    assert_eq!(
        rendered.missing,
        [
            Placeholder::LastUpdate,
            Placeholder::LastLocation,
            Placeholder::DeliveryDate,
            Placeholder::SellerName
        ]
    );
    // The checker reports the same gaps with the existing rule, and blocks.
    let verdict = rendered.check(Some("amazon.co.uk"));
    assert_eq!(verdict.verdict, Outcome::Block);
    let unfilled: Vec<&str> = verdict
        .findings
        .iter()
        .filter(|f| f.rule == Rule::TemplateUnfilledPlaceholder)
        .map(|f| f.excerpt.as_str())
        .collect();
    assert_eq!(
        unfilled,
        [
            "[LAST_UPDATE]",
            "[LAST_LOCATION]",
            "[DELIVERY_DATE]",
            "[SELLER_NAME]"
        ]
    );
}

#[test]
fn an_unknown_live_status_is_left_for_the_agent_not_written_as_unknown() {
    let (ticket, order) = (sample_ticket(None), sample_order());
    let mut live = live_shipment();
    live.status = ShipmentStatus::Unknown;
    let rendered = starter("delay")
        .unwrap()
        .render("en", &context(&ticket, &order, &live))
        .unwrap();
    assert_eq!(rendered.missing, [Placeholder::ShipmentStatus]);
}

#[test]
fn agent_values_win_and_a_delivered_parcel_gives_its_delivery_day() {
    let (ticket, order) = (sample_ticket(None), sample_order());
    let mut live = live_shipment();
    live.status = ShipmentStatus::Delivered;
    live.events.insert(
        0,
        serde_json::from_value(json!({"at": "2026-11-24T10:00:00Z", "status": "delivered",
            "description": "Delivered"}))
        .unwrap(),
    );
    let mut ctx = context(&ticket, &order, &live);
    ctx.values.insert(Placeholder::Amount, "€15.00".into());
    let refund = starter("refund_processed")
        .unwrap()
        .render("en", &ctx)
        .unwrap();
    assert!(
        refund.body.contains("refunded €15.00 for order"),
        "{}",
        refund.body
    );
    let shipped = starter("shipped").unwrap().render("en", &ctx).unwrap();
    assert!(
        shipped.body.contains("delivery date is 24 November 2026"),
        "{}",
        shipped.body
    );
}

#[test]
fn the_order_id_comes_from_the_ticket_when_the_order_is_not_loaded() {
    let ticket = sample_ticket(Some("171-7654321-7654321"));
    let ctx = RenderContext::for_ticket(&ticket, None, Rome);
    let rendered = starter("refund_processed")
        .unwrap()
        .render("en", &ctx)
        .unwrap();
    assert!(rendered.body.contains("order 171-7654321-7654321"));
    assert_eq!(
        rendered.missing,
        [
            Placeholder::BuyerName,
            Placeholder::Amount,
            Placeholder::SellerName
        ]
    );
}

#[test]
fn the_customer_name_stands_in_for_a_missing_buyer_name() {
    let mut order = sample_order();
    order.buyer_name = None;
    let customer: Customer = serde_json::from_value(json!({
        "id": "cus_1", "display_name": "Giulia B.", "identities": [],
        "created_at": "2026-01-01T00:00:00Z", "version": 1
    }))
    .unwrap();
    let mut ctx = RenderContext::new(Channel::Amazon, Rome);
    ctx.order = Some(&order);
    ctx.customer = Some(&customer);
    assert_eq!(
        ctx.derived(Placeholder::BuyerName, "it").as_deref(),
        Some("Giulia B.")
    );
}

#[test]
fn variants_fall_back_from_channel_to_any_and_from_language_to_english() {
    let t = starter("return_authorised").unwrap();
    let pick = |c, l| {
        let v = t.variant(c, l).unwrap();
        (v.channel, v.language.as_str())
    };
    assert_eq!(pick(Channel::Ebay, "it"), (Some(Channel::Ebay), "it"));
    assert_eq!(pick(Channel::Shopify, "it_IT"), (None, "it"));
    assert_eq!(pick(Channel::Amazon, "de"), (Some(Channel::Amazon), "de"));
    assert_eq!(pick(Channel::Amazon, "nl"), (Some(Channel::Amazon), "en"));
    assert_eq!(pick(Channel::Email, "pt"), (None, "en"));

    let order = sample_order();
    let mut ctx = RenderContext::new(Channel::Amazon, Rome);
    ctx.order = Some(&order);
    let rendered = t.render("nl", &ctx).unwrap();
    assert_eq!(
        (rendered.language.as_str(), rendered.fell_back),
        ("en", true)
    );
    // Amounts follow the variant's language, not the request's.
    assert!(rendered.body.contains("refund €49.90"), "{}", rendered.body);

    let only_italian = Template {
        variants: vec![t.variants[1].clone()],
        ..t.clone()
    };
    assert!(matches!(
        only_italian.render("de", &ctx),
        Err(TemplateError::NoVariant { .. })
    ));
}

#[test]
fn invalid_templates_are_refused_with_the_reason() {
    let template = |body: &str, language: &str| Template {
        id: TemplateId::parse("t1").unwrap(),
        name: "T".into(),
        intent: None,
        variants: vec![Variant {
            channel: None,
            language: language.into(),
            body: body.into(),
        }],
    };
    assert!(matches!(
        template("Order [ORDER_NUMBER]", "en").validate(),
        Err(TemplateError::UnknownPlaceholder { ref name, .. }) if name == "ORDER_NUMBER"
    ));
    assert!(matches!(
        template("  ", "en").validate(),
        Err(TemplateError::EmptyBody { .. })
    ));
    assert!(matches!(
        template("Hi", "English").validate(),
        Err(TemplateError::InvalidLanguage { .. })
    ));
    let mut twice = template("Hi", "en");
    twice.variants.push(twice.variants[0].clone());
    assert!(matches!(
        twice.validate(),
        Err(TemplateError::DuplicateVariant { .. })
    ));
    assert!(TemplateId::parse("Wismo Live").is_err());
    assert!(
        serde_json::from_value::<Template>(json!({
            "id": "x", "name": "x", "variants": [], "extra": 1
        }))
        .is_err()
    );
}

#[test]
fn agent_values_are_validated_without_echoing_them() {
    let order = sample_order();
    let mut ctx = RenderContext::new(Channel::Amazon, Rome);
    ctx.order = Some(&order);
    ctx.values
        .insert(Placeholder::BuyerName, "Giulia\nmario@example.com".into());
    let err = starter("shipped").unwrap().render("en", &ctx).unwrap_err();
    assert_eq!(
        err,
        TemplateError::InvalidValue {
            placeholder: Placeholder::BuyerName,
            reason: "must be a single line"
        }
    );
    assert!(!err.to_string().contains("example.com"));
    ctx.values.insert(Placeholder::BuyerName, " ".into());
    assert!(starter("shipped").unwrap().render("en", &ctx).is_err());
}

#[test]
fn a_value_that_looks_like_a_placeholder_is_not_expanded_and_stays_blocked() {
    let order = sample_order();
    let mut ctx = RenderContext::new(Channel::Amazon, Rome);
    ctx.order = Some(&order);
    ctx.seller_name = Some("[TRACKING]");
    let rendered = starter("refund_processed")
        .unwrap()
        .render("en", &ctx)
        .unwrap();
    assert!(rendered.body.ends_with("Kind regards,\n[TRACKING]"));
    assert!(rendered.check(Some("uk")).is_blocked());
}

#[test]
fn placeholder_tokens_round_trip() {
    for p in Placeholder::ALL {
        assert_eq!(Placeholder::from_token(p.token()), Some(p));
        assert_eq!(serde_json::to_value(p).unwrap(), p.token());
    }
}

/// An order on `marketplace_id`, shipped with `carrier`, bought by `buyer`.
fn order_on(
    marketplace_id: &str,
    carrier: &str,
    tracking: &str,
    buyer: &str,
    currency: &str,
) -> Order {
    let mut order = serde_json::to_value(sample_order()).unwrap();
    order["marketplace_id"] = json!(marketplace_id);
    order["buyer_name"] = json!(buyer);
    order["total"]["currency"] = json!(currency);
    order["items"][0]["unit_price"]["currency"] = json!(currency);
    order["shipments"][0]["carrier"] = json!(carrier);
    order["shipments"][0]["tracking_number"] = json!(tracking);
    serde_json::from_value(order).unwrap()
}

#[test]
fn every_starter_reply_rendered_for_every_marketplace_and_language_is_never_blocked() {
    // Realistic orders of the six marketplaces, each with a carrier of its country from the
    // carriers registry, so the tracking links templates write are checked too.
    let orders = [
        (
            "A1F83G8C2ARO7P",
            "amazon.co.uk",
            "Royal Mail",
            "AB123456789GB",
            "Sarah Jones",
            "GBP",
        ),
        (
            "A1F83G8C2ARO7P",
            "amazon.co.uk",
            "Evri",
            "H01HYA0012345678",
            "Tom Price",
            "GBP",
        ),
        (
            "ATVPDKIKX0DER",
            "amazon.com",
            "USPS",
            "9400111899223197428490",
            "Ann Lee",
            "USD",
        ),
        (
            "APJ6JRA9NG5V4",
            "amazon.it",
            "BRT",
            "123456789012",
            "Giulia Bianchi",
            "EUR",
        ),
        (
            "APJ6JRA9NG5V4",
            "amazon.it",
            "Poste Italiane",
            "RR123456785IT",
            "Marco Rossi",
            "EUR",
        ),
        (
            "A1PA6795UKMFR9",
            "amazon.de",
            "DHL",
            "00340434161094042557",
            "Jana Becker",
            "EUR",
        ),
        (
            "A1PA6795UKMFR9",
            "amazon.de",
            "Hermes",
            "H1234567890123456789",
            "Lukas Weber",
            "EUR",
        ),
        (
            "A13V1IB3VIYZZH",
            "amazon.fr",
            "Colissimo",
            "6A12345678901",
            "Claire Martin",
            "EUR",
        ),
        (
            "A13V1IB3VIYZZH",
            "amazon.fr",
            "Chronopost",
            "XY123456789FR",
            "Luc Petit",
            "EUR",
        ),
        (
            "A1RKKUPIHCS9HS",
            "amazon.es",
            "SEUR",
            "12345678901234",
            "Lucía García",
            "EUR",
        ),
        (
            "A1RKKUPIHCS9HS",
            "amazon.es",
            "Correos",
            "PQ4B1C0123456780108012X",
            "Pablo Ruiz",
            "EUR",
        ),
    ];
    let ticket = sample_ticket(Some("171-1234567-1234567"));
    for (id, marketplace, carrier, tracking, buyer, currency) in orders {
        let order = order_on(id, carrier, tracking, buyer, currency);
        let mut live = live_shipment();
        live.carrier = carrier.to_owned();
        live.tracking_number = tracking.to_owned();
        for lang in ["en", "it", "de", "fr", "es"] {
            for t in starter_set() {
                for channel in [Channel::Amazon, Channel::Ebay] {
                    let mut ctx = context(&ticket, &order, &live);
                    ctx.channel = channel;
                    let Ok(rendered) = t.render(lang, &ctx) else {
                        continue;
                    };
                    let verdict = rendered.check(Some(marketplace));
                    let blocking: Vec<_> = verdict
                        .findings
                        .iter()
                        .filter(|f| f.severity == crate::compliance::Severity::Block)
                        .filter(|f| f.rule != Rule::TemplateUnfilledPlaceholder)
                        .collect();
                    assert!(
                        blocking.is_empty(),
                        "{} {channel} {lang} {marketplace} {carrier}:\n{}\n{blocking:#?}",
                        t.id,
                        rendered.body
                    );
                }
            }
        }
    }
}
