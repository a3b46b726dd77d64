//! Amazon seller feedback: the feedback report read ([`parse`]), each negative or neutral one
//! assessed for removal ([`assess`]), and the record that dedupes the report's rows with the
//! notice e-mails. Pure: no I/O, no clock.
//!
//! One feedback is one order and one day: the report gives the day the buyer left it (in the
//! marketplace's calendar), a notice e-mail the day it was sent (taken in the marketplace's time
//! zone). A later row for the same order and day (a changed comment, a seller response) updates
//! the record; see decision 0023. The older [`crate::domain::Feedback`] stays the eBay feed's.

pub mod assess;
pub mod job;
pub mod parse;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{AccountId, FeedbackRating, OrderId, TenantId, TicketId};

pub use assess::{Assessment, Criterion, Evidence, FeedbackFacts, SellerDetails, assess};
pub use job::{JobStep, ReportJob, next_step};
pub use parse::{DateFormat, FeedbackRow, ParsedReport, RejectedRow, ReportError, parse_report};

/// Where a feedback was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FeedbackSource {
    Report,
    NoticeMail,
}

/// The id of one Amazon feedback: `{order}_{yyyymmdd}`, the same from the report and the mail.
pub fn feedback_key(order: &OrderId, left_on: NaiveDate) -> String {
    format!("{}_{}", order.as_str(), left_on.format("%Y%m%d"))
}

/// One Amazon seller feedback as marketdesk keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedbackRecord {
    /// [`feedback_key`].
    pub id: String,
    pub tenant: TenantId,
    pub account: AccountId,
    pub marketplace_id: String,
    pub order_id: OrderId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub left_on: NaiveDate,
    /// 1–5; `None` when only a notice without stars was seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stars: Option<u8>,
    /// `negative` (1–2 stars), `neutral` (3) or `positive` (4–5).
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "negative"))]
    pub rating: FeedbackRating,
    pub comment: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    /// Where it was seen, first seen first.
    pub sources: Vec<FeedbackSource>,
    /// The ticket it is handled on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<TicketId>,
    /// Negative and neutral feedback only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessment: Option<Assessment>,
    pub first_seen: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

impl FeedbackRecord {
    /// Whether `incoming` says something this record does not: a record is rewritten only then.
    pub fn merge(&mut self, incoming: &FeedbackRecord) -> bool {
        let mut changed = false;
        if incoming.stars.is_some() && incoming.stars != self.stars {
            self.stars = incoming.stars;
            self.rating = incoming.rating;
            changed = true;
        }
        if !incoming.comment.trim().is_empty() && incoming.comment != self.comment {
            self.comment = incoming.comment.clone();
            changed = true;
        }
        if incoming.response.is_some() && incoming.response != self.response {
            self.response = incoming.response.clone();
            changed = true;
        }
        for source in &incoming.sources {
            if !self.sources.contains(source) {
                self.sources.push(*source);
                changed = true;
            }
        }
        if self.ticket.is_none() && incoming.ticket.is_some() {
            self.ticket = incoming.ticket.clone();
            changed = true;
        }
        if changed {
            self.assessment = incoming.assessment.clone().or(self.assessment.take());
            self.updated_at = incoming.updated_at;
        }
        changed
    }

    pub fn needs_attention(&self) -> bool {
        self.rating != FeedbackRating::Positive
    }
}

/// The record among an order's `records` that is the same feedback as `incoming` although its
/// key's day differs: a notice e-mail is dated by when it was sent, the report by when the buyer
/// left the feedback, so one left just before midnight is noticed the next day. Only a record
/// seen from the other source, one day apart, qualifies; two report rows of different days are
/// two feedbacks (the buyer changed it).
pub fn same_feedback_across_midnight<'a>(
    records: &'a [FeedbackRecord],
    incoming: &FeedbackRecord,
) -> Option<&'a FeedbackRecord> {
    records.iter().find(|r| {
        r.id != incoming.id
            && (r.left_on - incoming.left_on).num_days().abs() == 1
            && !incoming.sources.iter().any(|s| r.sources.contains(s))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(comment: &str, stars: Option<u8>, source: FeedbackSource) -> FeedbackRecord {
        let order = OrderId::parse("171-1234567-1234567").unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap();
        FeedbackRecord {
            id: feedback_key(&order, day),
            tenant: TenantId::parse("acme").unwrap(),
            account: AccountId::parse("acct_amz").unwrap(),
            marketplace_id: "APJ6JRA9NG5V4".into(),
            order_id: order,
            left_on: day,
            stars,
            rating: parse::rating_of(stars.unwrap_or(1)),
            comment: comment.into(),
            response: None,
            sources: vec![source],
            ticket: None,
            assessment: None,
            first_seen: DateTime::parse_from_rfc3339("2026-11-03T10:00:00Z")
                .unwrap()
                .to_utc(),
            updated_at: DateTime::parse_from_rfc3339("2026-11-03T10:00:00Z")
                .unwrap()
                .to_utc(),
            version: 1,
        }
    }

    #[test]
    fn a_notice_the_day_after_the_reports_day_is_the_same_feedback_and_a_second_row_is_not() {
        let report = record("Rotto", Some(1), FeedbackSource::Report);
        let mut notice = record("Rotto", Some(1), FeedbackSource::NoticeMail);
        notice.left_on = report.left_on.succ_opt().unwrap();
        notice.id = feedback_key(&notice.order_id, notice.left_on);
        let stored = [report.clone()];
        assert_eq!(
            same_feedback_across_midnight(&stored, &notice).map(|r| &r.id),
            Some(&report.id)
        );
        // The other way round: the report row after the notice.
        assert!(same_feedback_across_midnight(std::slice::from_ref(&notice), &report).is_some());
        // A report row of the next day is a changed feedback, and two days apart is not midnight.
        let mut next_row = report.clone();
        next_row.left_on = notice.left_on;
        next_row.id = notice.id.clone();
        assert!(same_feedback_across_midnight(&stored, &next_row).is_none());
        let mut later = notice.clone();
        later.left_on = report.left_on + chrono::Days::new(2);
        later.id = feedback_key(&later.order_id, later.left_on);
        assert!(same_feedback_across_midnight(&stored, &later).is_none());
    }

    #[test]
    fn the_key_is_the_order_and_the_day() {
        let r = record("x", Some(1), FeedbackSource::Report);
        assert_eq!(r.id, "171-1234567-1234567_20261103");
    }

    #[test]
    fn the_same_feedback_again_changes_nothing_and_a_new_source_or_comment_does() {
        let mut stored = record("Rotto", Some(1), FeedbackSource::NoticeMail);
        assert!(!stored.merge(&record("Rotto", Some(1), FeedbackSource::NoticeMail)));
        assert!(stored.merge(&record("Rotto", Some(1), FeedbackSource::Report)));
        assert_eq!(
            stored.sources,
            vec![FeedbackSource::NoticeMail, FeedbackSource::Report]
        );
        assert!(
            !stored.merge(&record("", None, FeedbackSource::Report)),
            "an empty comment keeps the stored one"
        );
        assert!(stored.merge(&record(
            "Rotto dopo un giorno",
            Some(2),
            FeedbackSource::Report
        )));
        assert_eq!(stored.stars, Some(2));
        assert_eq!(stored.comment, "Rotto dopo un giorno");
    }
}
