//! Amazon seller feedback into ingestion: rows of the feedback report (from the poller, as
//! [`AmazonFeedbackEvent`]s) and negative-feedback notice e-mails meet in one
//! [`FeedbackRecord`] per order and day (`feedback::feedback_key`). A negative or neutral one
//! gets its removal assessment and a ticket — the order's ticket if a notice or a message made
//! one already, else a new one made the way notices make theirs — with the assessment as a
//! note on it. The same feedback again changes nothing; a later row for the same order and day
//! updates the record (versioned, conditional writes, retried on a lost race).

use std::fmt;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::IngestError;
use super::event::MAX_BODY_CHARS;
use super::inbound::{Inbound, Origin, order_thread};
use super::service::{Enricher, IngestOutcome, Ingestor, MailBlobs};
use crate::domain::{
    AccountId, Channel, ChannelAccount, ExternalRefs, FeedbackRating, FulfillmentChannel, Identity,
    IdentityKind, NoteId, OrderId, Risk, TenantId, TicketId,
};
use crate::escalation::EscalationScheduler;
use crate::feedback::{self, FeedbackFacts, FeedbackRecord, FeedbackSource, SellerDetails};
use crate::store::{
    AccountStore, ClaimStore, ConfigStore, CustomerStore, FeedbackStore, OrderStore, SeenKey,
    StoreError, ThreadKey, TicketStore,
};

/// How many times a feedback write is retried after losing a race on its record.
const ATTEMPTS: usize = 4;

/// One row of an account's feedback report, as the poller sends it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmazonFeedbackEvent {
    pub tenant: TenantId,
    pub account: AccountId,
    pub marketplace_id: String,
    pub order_id: OrderId,
    pub left_on: NaiveDate,
    /// 1–5.
    pub stars: u8,
    #[serde(default)]
    pub comment: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    /// The buyer's anonymised relay address; links the customer, never logged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rater: Option<String>,
}

impl fmt::Debug for AmazonFeedbackEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AmazonFeedbackEvent")
            .field("tenant", &self.tenant)
            .field("account", &self.account)
            .field("order_id", &self.order_id)
            .field("left_on", &self.left_on)
            .field("stars", &self.stars)
            .finish_non_exhaustive()
    }
}

impl AmazonFeedbackEvent {
    /// The event of one parsed report row.
    pub fn from_row(
        tenant: &TenantId,
        account: &ChannelAccount,
        row: &feedback::FeedbackRow,
    ) -> Self {
        AmazonFeedbackEvent {
            tenant: tenant.clone(),
            account: account.id.clone(),
            marketplace_id: account.marketplace.id.clone(),
            order_id: row.order_id.clone(),
            left_on: row.left_on,
            stars: row.stars,
            comment: row.comment.clone(),
            response: row.response.clone(),
            rater: row.rater_email.clone(),
        }
    }

    pub fn validate(&self) -> Result<(), IngestError> {
        let invalid = |field: &'static str, reason: &str| {
            Err(IngestError::Invalid {
                field,
                reason: reason.to_owned(),
            })
        };
        if !(1..=5).contains(&self.stars) {
            return invalid("stars", "must be 1 to 5");
        }
        if self.comment.chars().count() > MAX_BODY_CHARS
            || self
                .response
                .as_ref()
                .is_some_and(|r| r.chars().count() > MAX_BODY_CHARS)
        {
            return invalid("comment", "longer than 100000 characters");
        }
        if crate::inbound_mail::marketplace_by_id(&self.marketplace_id).is_none() {
            return invalid("marketplace_id", "not an Amazon marketplace id");
        }
        Ok(())
    }

    fn record(&self, now: DateTime<Utc>) -> FeedbackRecord {
        FeedbackRecord {
            id: feedback::feedback_key(&self.order_id, self.left_on),
            tenant: self.tenant.clone(),
            account: self.account.clone(),
            marketplace_id: self.marketplace_id.clone(),
            order_id: self.order_id.clone(),
            left_on: self.left_on,
            stars: Some(self.stars),
            rating: feedback::parse::rating_of(self.stars),
            comment: self.comment.clone(),
            response: self.response.clone(),
            sources: vec![FeedbackSource::Report],
            ticket: None,
            assessment: None,
            first_seen: now,
            updated_at: now,
            version: 0,
        }
    }
}

/// The seller's own details, from the account, for the personal-information criterion.
fn seller_details(account: &ChannelAccount) -> SellerDetails {
    let mut names = vec![account.display_name.clone()];
    if let Some(identity) = &account.reply_identity {
        names.push(identity.seller_name.clone());
    }
    SellerDetails {
        names,
        emails: account.sender_address.iter().cloned().collect(),
        phones: Vec::new(),
        addresses: Vec::new(),
    }
}

fn day_start(marketplace_id: &str, day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    crate::inbound_mail::marketplace_by_id(marketplace_id)
        .and_then(|m| m.time_zone.from_local_datetime(&midnight).earliest())
        .map_or_else(|| midnight.and_utc(), |t| t.to_utc())
}

/// The note that shows the assessment on the ticket.
fn assessment_note(record: &FeedbackRecord) -> Option<String> {
    let a = record.assessment.as_ref()?;
    let mut text = format!(
        "Feedback removal assessment ({} star(s), left {}).\n",
        record.stars.map_or("?".to_owned(), |s| s.to_string()),
        record.left_on
    );
    if a.criteria.is_empty() {
        text.push_str("No removal criterion appears to be met.\n");
    }
    for e in &a.criteria {
        text.push_str(&format!(
            "- {}: {} (\"{}\")\n",
            e.criterion.as_str(),
            e.note,
            e.words.join("\", \"")
        ));
    }
    text.push_str(&format!(
        "Buyer may change or remove it until {}; Amazon considers a removal request until {} (send it now).\n",
        feedback::assess::local_date(&record.marketplace_id, a.buyer_window_ends),
        feedback::assess::local_date(&record.marketplace_id, a.request_removal_by)
    ));
    if let Some(request) = &a.removal_request {
        text.push_str(&format!(
            "Removal request to paste at {}:\n{request}",
            a.seller_central_url
        ));
    }
    if let Some(message) = &a.buyer_message {
        text.push_str(&format!(
            "\nSuggested message to the buyer about the problem (never about the feedback):\n{message}\n"
        ));
    }
    Some(text)
}

impl<S, B, E, W> Ingestor<S, B, E, W>
where
    S: TicketStore
        + CustomerStore
        + OrderStore
        + AccountStore
        + ConfigStore
        + FeedbackStore
        + ClaimStore,
    B: MailBlobs,
    E: Enricher,
    W: EscalationScheduler,
{
    /// A row of the feedback report.
    pub(super) async fn amazon_feedback(
        &self,
        event: &AmazonFeedbackEvent,
        now: DateTime<Utc>,
    ) -> Result<IngestOutcome, IngestError> {
        let account = self.account(&event.tenant, &event.account).await?;
        if account.channel != Channel::Amazon {
            return Err(IngestError::Invalid {
                field: "account",
                reason: format!("account {} is not an Amazon account", account.id),
            });
        }
        self.upsert_feedback(&account, event.record(now), event.rater.as_deref(), now)
            .await
    }

    /// A negative-feedback notice e-mail already recorded on `ticket`.
    pub(super) async fn feedback_notice(
        &self,
        account: &ChannelAccount,
        notice: &crate::inbound_mail::FeedbackNotice,
        inbound: &Inbound,
        ticket: TicketId,
        now: DateTime<Utc>,
    ) -> Result<(), IngestError> {
        let Some(order_id) = notice.order_id.clone().or(inbound.order.clone()) else {
            return Ok(());
        };
        let marketplace_id = notice
            .marketplace
            .map_or(account.marketplace.id.clone(), |m| m.id.to_owned());
        let left_on = feedback::assess::local_date(&marketplace_id, inbound.sent_at);
        let rating = notice
            .stars
            .map(feedback::parse::rating_of)
            .or(notice.rating)
            .unwrap_or(FeedbackRating::Negative);
        let record = FeedbackRecord {
            id: feedback::feedback_key(&order_id, left_on),
            tenant: inbound.tenant.clone(),
            account: account.id.clone(),
            marketplace_id,
            order_id,
            left_on,
            stars: notice.stars,
            rating,
            comment: notice.comment.clone().unwrap_or_default(),
            response: None,
            sources: vec![FeedbackSource::NoticeMail],
            ticket: Some(ticket),
            assessment: None,
            first_seen: now,
            updated_at: now,
            version: 0,
        };
        self.upsert_feedback(account, record, None, now)
            .await
            .map(|_| ())
    }

    async fn upsert_feedback(
        &self,
        account: &ChannelAccount,
        mut incoming: FeedbackRecord,
        rater: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<IngestOutcome, IngestError> {
        let store = self.store();
        let tenant = incoming.tenant.clone();
        let order = store
            .order(&tenant, Channel::Amazon, &incoming.order_id)
            .await?;
        let fba = order.map(|o| o.fulfillment == FulfillmentChannel::Marketplace);
        let seller = seller_details(account);
        let mut last = None;
        for _ in 0..ATTEMPTS {
            let mut existing = store.feedback(&tenant, &incoming.id).await?;
            if existing.is_none() {
                // Not under its own day's key: maybe seen from the other source across midnight.
                let order_records = store.order_feedback(&tenant, &incoming.order_id).await?;
                if let Some(same) =
                    feedback::same_feedback_across_midnight(&order_records, &incoming)
                {
                    let mut same = same.clone();
                    // The report knows the day the buyer left it; a notice only when it was sent.
                    if incoming.sources.contains(&FeedbackSource::Report) {
                        same.left_on = incoming.left_on;
                    }
                    incoming.id = same.id.clone();
                    incoming.left_on = same.left_on;
                    existing = Some(same);
                }
            }
            let (mut record, expected) = match existing {
                Some(mut stored) => {
                    let changed = stored.merge(&incoming);
                    let needs_ticket = stored.needs_attention() && stored.ticket.is_none();
                    if !changed && !needs_ticket {
                        return Ok(IngestOutcome::Duplicate { ticket: None });
                    }
                    let version = stored.version;
                    (stored, Some(version))
                }
                None => (incoming.clone(), None),
            };
            record.assessment = record.needs_attention().then(|| {
                feedback::assess(&FeedbackFacts {
                    comment: &record.comment,
                    stars: record.stars.unwrap_or(1),
                    left_at: day_start(&record.marketplace_id, record.left_on),
                    order_id: record.order_id.as_str(),
                    fulfilled_by_amazon: fba,
                    marketplace_id: &record.marketplace_id,
                    seller: &seller,
                })
            });
            let new_ticket = record.needs_attention() && record.ticket.is_none();
            if new_ticket {
                record.ticket = Some(self.feedback_ticket(account, &record, rater, now).await?);
            }
            if new_ticket || (expected.is_none() && record.ticket.is_some()) {
                self.note_assessment(&record, now).await?;
            }
            match store.save_feedback(&record, expected).await {
                Ok(saved) => {
                    tracing::info!(tenant = %tenant, feedback = %saved.id, version = saved.version, "feedback recorded");
                    return Ok(match saved.ticket {
                        Some(ticket) => IngestOutcome::Recorded { ticket },
                        None => IngestOutcome::Nothing,
                    });
                }
                Err(conflict @ StoreError::Conflict { .. }) => {
                    last = Some(conflict);
                    incoming.ticket = record.ticket.clone().or(incoming.ticket);
                }
                Err(other) => return Err(other.into()),
            }
        }
        Err(last.map_or_else(
            || IngestError::Malformed("no attempt made".into()),
            IngestError::Store,
        ))
    }

    /// The ticket of a negative or neutral feedback from the report: the order's ticket if
    /// there is one, else a new one, recorded the way a notice e-mail is.
    async fn feedback_ticket(
        &self,
        account: &ChannelAccount,
        record: &FeedbackRecord,
        rater: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<TicketId, IngestError> {
        let negative = record.rating == FeedbackRating::Negative;
        let label = if negative { "Negative" } else { "Neutral" };
        let primary = ThreadKey {
            channel: Channel::Amazon,
            external: format!("feedback:{}", record.id),
        };
        let order_key = order_thread(Channel::Amazon, &record.order_id);
        let inbound = Inbound {
            tenant: record.tenant.clone(),
            account: account.id.clone(),
            channel: Channel::Amazon,
            seen: SeenKey {
                source: "amazon-feedback".into(),
                external_id: record.id.clone(),
            },
            origin: Origin::System,
            kind: if negative {
                "negative_feedback"
            } else {
                "neutral_feedback"
            },
            sender: rater
                .filter(|r| crate::inbound_mail::is_relay_address(r))
                .map(|r| Identity::new(IdentityKind::AmazonRelay, r)),
            other_identities: Vec::new(),
            sender_name: None,
            lookup: vec![order_key.clone(), primary.clone()],
            primary,
            links: vec![order_key],
            subject: format!(
                "{label} feedback ({} star(s)) on order {}",
                record.stars.unwrap_or(0),
                record.order_id
            ),
            body: record.comment.clone(),
            language: None,
            attachments: Vec::new(),
            external: ExternalRefs::default(),
            // When the report showed it: the feedback's own day may be weeks back.
            sent_at: now,
            order: Some(record.order_id.clone()),
            listing: None,
            risk: negative.then_some(Risk::NegativeFeedback),
        };
        match self.inbound(account, &inbound, now).await? {
            IngestOutcome::Recorded { ticket } => Ok(ticket),
            _ => {
                // Recorded before (a redelivery): the ticket is the thread's.
                for key in [&inbound.primary, &inbound.lookup[0]] {
                    if let Some(ticket) = self.store().find_thread(&record.tenant, key).await? {
                        return Ok(ticket);
                    }
                }
                Err(IngestError::Malformed(format!(
                    "feedback {} was recorded but its ticket cannot be found",
                    record.id
                )))
            }
        }
    }

    /// The assessment as a note on the ticket; its id is the feedback's, so a retry adds none.
    async fn note_assessment(
        &self,
        record: &FeedbackRecord,
        now: DateTime<Utc>,
    ) -> Result<(), IngestError> {
        let (Some(ticket), Some(body)) = (&record.ticket, assessment_note(record)) else {
            return Ok(());
        };
        let note = crate::domain::Note {
            id: NoteId::parse(format!("note_feedback_{}", record.id))
                .map_err(|e| IngestError::Malformed(e.to_string()))?,
            ticket: ticket.clone(),
            author: crate::domain::AgentId::parse("marketdesk")
                .map_err(|e| IngestError::Malformed(e.to_string()))?,
            body,
            at: now,
        };
        match self.store().append_note(&record.tenant, &note).await {
            Ok(()) | Err(StoreError::Conflict { .. }) => Ok(()),
            Err(other) => Err(other.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_row_event_never_prints_the_rater_and_refuses_impossible_values() {
        let event = AmazonFeedbackEvent {
            tenant: TenantId::parse("acme").unwrap(),
            account: AccountId::parse("acct_amz").unwrap(),
            marketplace_id: "APJ6JRA9NG5V4".into(),
            order_id: OrderId::parse("171-1234567-1234567").unwrap(),
            left_on: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
            stars: 1,
            comment: "Rotto".into(),
            response: None,
            rater: Some("abc@marketplace.amazon.it".into()),
        };
        assert!(!format!("{event:?}").contains("abc@"));
        assert!(event.validate().is_ok());
        let mut bad = event.clone();
        bad.stars = 6;
        assert!(bad.validate().is_err());
        let mut bad = event;
        bad.marketplace_id = "NOPE".into();
        assert!(bad.validate().is_err());
    }

    #[test]
    fn a_notice_day_is_the_marketplaces_calendar_day() {
        let late_utc = DateTime::parse_from_rfc3339("2026-11-03T23:30:00Z")
            .unwrap()
            .to_utc();
        // 00:30 in Rome on the 4th, still the 3rd in Los Angeles-free UTC.
        assert_eq!(
            feedback::assess::local_date("APJ6JRA9NG5V4", late_utc),
            NaiveDate::from_ymd_opt(2026, 11, 4).unwrap()
        );
        assert_eq!(
            day_start(
                "APJ6JRA9NG5V4",
                NaiveDate::from_ymd_opt(2026, 11, 4).unwrap()
            ),
            DateTime::parse_from_rfc3339("2026-11-03T23:00:00Z")
                .unwrap()
                .to_utc()
        );
    }
}
