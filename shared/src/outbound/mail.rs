//! The MIME message of an e-mail reply.

use chrono::{DateTime, Utc};
use mail_builder::MessageBuilder;
use mail_builder::headers::date::Date;

use super::{OutboundError, OutgoingMail, ReplyContext};
use crate::domain::Message;

/// Whether `address` is a plain `local@domain` address, safe in a header: no spaces, angle
/// brackets, commas, quotes or line breaks that could smuggle in another recipient or header.
pub fn is_mail_address(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    let clean = |s: &str| {
        !s.is_empty()
            && s.chars().all(|c| {
                c.is_ascii_graphic() && !matches!(c, '<' | '>' | ',' | ';' | '"' | '(' | ')' | '@')
            })
    };
    clean(local)
        && clean(domain)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && address.len() <= 254
}

/// `Re: {subject}`, unless the subject already is a reply.
pub fn reply_subject(subject: &str) -> String {
    let subject = subject.trim();
    let is_reply = subject
        .get(..3)
        .is_some_and(|p| p.eq_ignore_ascii_case("re:"));
    if is_reply {
        subject.to_owned()
    } else if subject.is_empty() {
        "Re:".to_owned()
    } else {
        format!("Re: {subject}")
    }
}

/// Strips the angle brackets a Message-ID may have been stored with.
fn bare_id(id: &str) -> &str {
    id.trim().trim_start_matches('<').trim_end_matches('>')
}

pub(super) fn compose(
    ctx: &ReplyContext<'_>,
    reply: &Message,
    buyer: Option<&Message>,
    from: &str,
    to: &str,
    now: DateTime<Utc>,
) -> Result<OutgoingMail, OutboundError> {
    let domain = from.rsplit_once('@').map(|(_, d)| d).unwrap_or(from);
    let message_id = format!("{}@{domain}", reply.id);
    let subject = reply
        .subject
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| buyer.and_then(|b| b.subject.as_deref()))
        .filter(|s| !s.trim().is_empty())
        .unwrap_or(&ctx.ticket.subject);

    let mut builder = MessageBuilder::new()
        .from((ctx.account.display_name.as_str(), from))
        .to(to)
        .subject(reply_subject(subject))
        .message_id(message_id.clone())
        .date(Date::new(now.timestamp()))
        .text_body(reply.body.as_str());
    // RFC 5322 §3.6.4: In-Reply-To is the parent's Message-ID, References the parent's
    // References followed by it. The relay threads the buyer's conversation by them.
    if let Some(parent) = buyer.and_then(|b| b.external.message_id.as_deref()) {
        let parent = bare_id(parent).to_owned();
        let mut references: Vec<String> = buyer
            .map(|b| {
                b.external
                    .references
                    .iter()
                    .map(|r| bare_id(r).to_owned())
                    .filter(|r| !r.is_empty() && *r != parent)
                    .collect()
            })
            .unwrap_or_default();
        references.push(parent.clone());
        builder = builder.in_reply_to(parent).references(references);
    }
    let raw = builder.write_to_vec().map_err(|e| OutboundError::Mime {
        message: reply.id.clone(),
        reason: e.to_string(),
    })?;
    Ok(OutgoingMail {
        from: from.to_owned(),
        to: to.to_owned(),
        message_id,
        raw,
    })
}
