//! Ready drafts: when a buyer asks something a template answers (where is my order, a
//! return, a damaged item, a product question…), ingestion renders that template for the
//! ticket — in the buyer's language, placeholders filled from the order, its shipment and the
//! live tracking, the seller's name and signature from the channel account — runs the
//! compliance checker on it, and stores it on the ticket with the facts it used. The agent
//! sends it as is, edits it, or discards it. When the facts change (a new scan, a delivery)
//! the draft is rendered again. Pure: the caller gives the order, templates and `now`.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::compliance::Outcome;
use crate::domain::{ChannelAccount, DraftFacts, Intent, Order, ReadyDraft, Shipment, Ticket};
use crate::templates::{Placeholder, RenderContext, Template};
use crate::tenant_config::EffectiveTemplate;

/// The starter template that answers an intent, if one does.
pub fn template_id_for(intent: Intent) -> Option<&'static str> {
    match intent {
        Intent::WhereIsMyOrder => Some("wismo_live"),
        Intent::Return => Some("return_authorised"),
        Intent::DamagedOrDefective => Some("damaged_item"),
        Intent::ProductQuestion => Some("product_question"),
        Intent::Refund => Some("refund_processed"),
        _ => None,
    }
}

/// The template a ticket's draft comes from: the one an automation rule suggested, else the
/// one answering its intent; the tenant's own version of it if it has one.
pub fn template_for<'a>(
    ticket: &Ticket,
    templates: &'a [EffectiveTemplate],
) -> Option<&'a Template> {
    let id = ticket
        .suggested_draft
        .as_ref()
        .map(|d| d.template.as_str())
        .or_else(|| ticket.intent.and_then(template_id_for))?;
    templates
        .iter()
        .map(|t| &t.template)
        .find(|t| t.id.as_str() == id)
}

/// The buyer's time zone, from the marketplace country (dates in the draft are local).
pub fn time_zone(account: &ChannelAccount) -> Tz {
    match account.marketplace.country.as_deref().unwrap_or("") {
        "IT" => chrono_tz::Europe::Rome,
        "DE" => chrono_tz::Europe::Berlin,
        "FR" => chrono_tz::Europe::Paris,
        "ES" => chrono_tz::Europe::Madrid,
        "GB" | "UK" => chrono_tz::Europe::London,
        "US" => chrono_tz::America::New_York,
        _ => chrono_tz::UTC,
    }
}

/// The language a draft is written in: the buyer's, else the marketplace's, else English.
pub fn language(ticket: &Ticket, account: &ChannelAccount) -> String {
    ticket
        .language
        .clone()
        .or_else(|| account.marketplace.language.clone())
        .unwrap_or_else(|| crate::templates::FALLBACK_LANGUAGE.to_owned())
}

fn shipment(order: Option<&Order>) -> Option<&Shipment> {
    order.and_then(|o| o.shipments.last())
}

/// The seller name replies are signed with: the account's reply identity, else its name.
pub fn seller_name(account: &ChannelAccount) -> &str {
    account
        .reply_identity
        .as_ref()
        .map_or(account.display_name.as_str(), |r| r.seller_name.as_str())
}

/// The facts a draft for `ticket` would be rendered from now, signed by `seller`.
pub fn facts(ticket: &Ticket, order: Option<&Order>, seller: Option<&str>) -> DraftFacts {
    let s = shipment(order);
    DraftFacts {
        order: order
            .map(|o| o.id.to_string())
            .or_else(|| ticket.order.as_ref().map(|r| r.order.to_string())),
        buyer_name: order.and_then(|o| o.buyer_name.clone()),
        seller_name: seller.map(str::to_owned),
        carrier: s.map(|s| s.carrier.clone()),
        tracking_number: s.map(|s| s.tracking_number.clone()),
        tracking_url: s.and_then(|s| s.tracking_url.clone()),
        shipment_status: s.map(|s| s.status),
        estimated_delivery: s.and_then(|s| s.estimated_delivery),
        last_scan_at: s.and_then(|s| s.events.iter().map(|e| e.at).max()),
        checked_at: s.and_then(|s| s.checked_at),
    }
}

/// Whether `draft` says something other than the facts now (a new scan, a delivery, a new
/// estimate). When only the time of the last carrier check moved, it still holds.
pub fn is_stale(draft: &ReadyDraft, now_facts: &DraftFacts) -> bool {
    let mut was = draft.facts.clone();
    was.checked_at = now_facts.checked_at;
    &was != now_facts
}

/// Renders the ticket's draft, or `None` when no template answers it (or it has no variant).
/// A delivered parcel is answered with the delivery; an unknown live status leaves the
/// status placeholder for the agent (never "unknown" to a buyer).
pub fn render(
    ticket: &Ticket,
    order: Option<&Order>,
    account: &ChannelAccount,
    templates: &[EffectiveTemplate],
    now: DateTime<Utc>,
) -> Option<ReadyDraft> {
    let template = template_for(ticket, templates)?;
    let language = language(ticket, account);
    let mut ctx = RenderContext::for_ticket(ticket, order, time_zone(account));
    ctx.seller_name = Some(seller_name(account));
    let mut rendered = template.render(&language, &ctx).ok()?;
    if let Some(signature) = account
        .reply_identity
        .as_ref()
        .and_then(|r| r.signature.as_deref())
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        rendered.body = format!("{}\n{signature}", rendered.body.trim_end());
    }
    let verdict = rendered.check(Some(&account.marketplace.id));
    let compliance = match verdict.verdict {
        Outcome::Pass => "pass",
        Outcome::Warn => "warn",
        Outcome::Block => "block",
    };
    let mut findings: Vec<String> = verdict
        .findings
        .iter()
        .map(|f| f.rule.to_string())
        .collect();
    findings.dedup();
    Some(ReadyDraft {
        template: template.id.to_string(),
        language: rendered.language,
        body: rendered.body,
        facts: facts(ticket, order, Some(seller_name(account))),
        missing: rendered
            .missing
            .iter()
            .map(|p: &Placeholder| p.token().to_owned())
            .collect(),
        compliance: compliance.to_owned(),
        findings,
        rendered_at: now,
    })
}

/// The draft the ticket should carry now: its own if the facts still hold, else a fresh one
/// (a draft is only kept while an answer is owed; a delivered order's WISMO draft says so).
pub fn refreshed(
    ticket: &Ticket,
    order: Option<&Order>,
    account: &ChannelAccount,
    templates: &[EffectiveTemplate],
    now: DateTime<Utc>,
) -> Option<ReadyDraft> {
    match &ticket.draft {
        Some(draft) if !is_stale(draft, &facts(ticket, order, Some(seller_name(account)))) => {
            Some(draft.clone())
        }
        _ => render(ticket, order, account, templates, now),
    }
}

/// Whether the ticket's draft no longer matches its order (a new scan, a delivery since).
pub fn outdated(ticket: &Ticket, order: Option<&Order>) -> bool {
    ticket.draft.as_ref().is_some_and(|draft| {
        is_stale(
            draft,
            &facts(ticket, order, draft.facts.seller_name.as_deref()),
        )
    })
}
