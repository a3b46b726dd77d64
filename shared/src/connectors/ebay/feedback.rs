//! The Feedback API (beta) for one seller account: negative and neutral feedback received from
//! buyers since an instant. Implements [`FeedbackSource`].
//!
//! `getFeedback` cannot filter by date, only look back a `period` of 7, 30, 90, 180 or 365
//! days, and it sorts by purchase time, not by when feedback was left. So each comment type is
//! read in full over the smallest period covering `since` and filtered here; negative and
//! neutral feedback are few, positive feedback (the bulk) is never fetched.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::connectors::error::{CallContext, ConnectorError, ErrorKind};
use crate::connectors::http::{HttpConfig, RateLimit, truncate_chars};
use crate::connectors::{FeedbackPage, FeedbackSource, ReceivedFeedback};
use crate::domain::{
    AccountId, Channel, Feedback, FeedbackId, FeedbackRating, Identity, IdentityKind, OrderId,
    OrderRef,
};

use super::EbayOAuth;
use super::api::EbayApi;
use super::model::feedback::{FeedbackDetail, GetFeedbackResponse};

const SERVICE: &str = "ebay-feedback";
/// `limit` bounds of `getFeedback`.
pub const MIN_FEEDBACK_PAGE: u32 = 25;
pub const MAX_FEEDBACK_PAGE: u32 = 200;
/// The look-back periods the API accepts, in days.
const PERIODS: [i64; 5] = [7, 30, 90, 180, 365];

/// The comment types read, in the order they are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentType {
    Negative,
    Neutral,
}

impl CommentType {
    pub fn as_str(self) -> &'static str {
        match self {
            CommentType::Negative => "NEGATIVE",
            CommentType::Neutral => "NEUTRAL",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "NEGATIVE" => Some(CommentType::Negative),
            "NEUTRAL" => Some(CommentType::Neutral),
            _ => None,
        }
    }

    fn rating(self) -> FeedbackRating {
        match self {
            CommentType::Negative => FeedbackRating::Negative,
            CommentType::Neutral => FeedbackRating::Neutral,
        }
    }

    fn next(self) -> Option<Self> {
        match self {
            CommentType::Negative => Some(CommentType::Neutral),
            CommentType::Neutral => None,
        }
    }
}

/// Where a feedback read stands: which comment type, from which offset. The page token is
/// `NEGATIVE:50`, `NEUTRAL:0`…
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedbackCursor {
    pub comment_type: CommentType,
    pub offset: u32,
}

impl FeedbackCursor {
    const START: Self = Self {
        comment_type: CommentType::Negative,
        offset: 0,
    };

    pub fn parse(token: &str) -> Option<Self> {
        let (kind, offset) = token.split_once(':')?;
        Some(Self {
            comment_type: CommentType::parse(kind)?,
            offset: offset.parse().ok()?,
        })
    }

    pub fn token(self) -> String {
        format!("{}:{}", self.comment_type.as_str(), self.offset)
    }
}

/// The query parameters of `getFeedback` for feedback received from buyers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackQuery {
    /// The seller's eBay user name.
    pub user_id: String,
    pub comment_type: CommentType,
    /// Look back this many days (7, 30, 90, 180 or 365); `None` = the whole history.
    pub period_days: Option<u32>,
    /// 25–200.
    pub limit: u32,
    pub offset: u32,
}

impl FeedbackQuery {
    fn to_pairs(&self) -> Result<Vec<(&'static str, String)>, String> {
        if self.user_id.trim().is_empty() {
            return Err("user_id (the seller's user name) is required".to_owned());
        }
        if !(MIN_FEEDBACK_PAGE..=MAX_FEEDBACK_PAGE).contains(&self.limit) {
            return Err(format!(
                "limit must be {MIN_FEEDBACK_PAGE}–{MAX_FEEDBACK_PAGE}, not {}",
                self.limit
            ));
        }
        let mut filter = vec![
            format!("commentType:{}", self.comment_type.as_str()),
            "role:BUYER".to_owned(),
        ];
        if let Some(days) = self.period_days {
            if !PERIODS.contains(&i64::from(days)) {
                return Err(format!(
                    "period must be one of {PERIODS:?} days, not {days}"
                ));
            }
            filter.push(format!("period:{days}"));
        }
        Ok(vec![
            ("user_id", self.user_id.clone()),
            ("feedback_type", "FEEDBACK_RECEIVED".to_owned()),
            ("filter", filter.join(",")),
            ("sort", "TIME".to_owned()),
            ("limit", self.limit.to_string()),
            ("offset", self.offset.to_string()),
        ])
    }
}

/// The smallest look-back period that reaches `since` from `now`; `None` beyond a year.
pub fn period_covering(since: DateTime<Utc>, now: DateTime<Utc>) -> Option<u32> {
    // A day more, so feedback left just at `since` is not cut off by eBay's day counting.
    let days = (now - since).num_days() + 1;
    PERIODS
        .iter()
        .find(|&&p| days <= p)
        .map(|&p| u32::try_from(p).expect("small"))
}

/// Settings of the Feedback client for one seller account.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedbackConfig {
    pub account: AccountId,
    /// The seller's eBay user name (`user_id` of `getFeedback`).
    pub seller_username: String,
    /// The API's base URL (production, eBay's sandbox, or ours).
    pub endpoint: String,
    /// Entries per page (25–200).
    pub page_size: u32,
    pub rate: RateLimit,
    pub http: HttpConfig,
}

impl FeedbackConfig {
    pub const ENDPOINT: &'static str = "https://api.ebay.com/commerce/feedback/v1";

    pub fn new(account: AccountId, seller_username: impl Into<String>) -> Self {
        Self {
            account,
            seller_username: seller_username.into(),
            endpoint: Self::ENDPOINT.to_owned(),
            page_size: 100,
            rate: RateLimit::new(5.0, 10),
            http: HttpConfig::default(),
        }
    }
}

/// The Feedback API for one seller account.
pub struct EbayFeedback {
    config: FeedbackConfig,
    api: EbayApi,
}

impl fmt::Debug for EbayFeedback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EbayFeedback")
            .field("account", &self.config.account)
            .finish_non_exhaustive()
    }
}

impl EbayFeedback {
    pub fn new(config: FeedbackConfig, oauth: Arc<EbayOAuth>, http: reqwest::Client) -> Self {
        let api = EbayApi::new(
            SERVICE,
            config.account.clone(),
            &config.endpoint,
            config.rate,
            config.http,
            oauth,
            http,
        );
        Self { config, api }
    }

    pub fn config(&self) -> &FeedbackConfig {
        &self.config
    }

    fn context(&self, call: &'static str) -> CallContext {
        self.api.context(call)
    }

    /// `getFeedback`: one page.
    pub async fn get_feedback(
        &self,
        query: &FeedbackQuery,
    ) -> Result<GetFeedbackResponse, ConnectorError> {
        let ctx = self.context("getFeedback");
        let pairs = query
            .to_pairs()
            .map_err(|e| ctx.error(ErrorKind::InvalidRequest(e)))?;
        let page = self.api.get(&ctx, "/feedback", &pairs, false).await?;
        Ok(page.unwrap_or_default())
    }

    /// The domain view of one entry; `None` for entries that are not a buyer's negative or
    /// neutral feedback left at or after `since`.
    fn to_received(
        &self,
        entry: &FeedbackDetail,
        since: DateTime<Utc>,
    ) -> Result<Option<ReceivedFeedback>, String> {
        let Some(comment_type) = entry.comment_type.as_deref().and_then(CommentType::parse) else {
            return Ok(None);
        };
        let provider = entry.provider_user_detail.as_ref();
        if provider
            .and_then(|p| p.role.as_deref())
            .is_some_and(|r| r != "BUYER")
            || entry.automated_feedback == Some(true)
        {
            return Ok(None);
        }
        let text = entry.feedback_entered_date.as_deref().unwrap_or("");
        let left_at = DateTime::parse_from_rfc3339(text)
            .map(|t| t.to_utc())
            .map_err(|_| {
                format!(
                    "feedback {} has no valid feedbackEnteredDate",
                    truncate_chars(&entry.feedback_id, 40)
                )
            })?;
        if left_at < since {
            return Ok(None);
        }
        let id = FeedbackId::parse(entry.feedback_id.as_str())
            .map_err(|e| format!("feedback id: {e}"))?;
        let summary = entry.order_line_item_summary.as_ref();
        let line_item = summary
            .and_then(|s| s.order_line_item_id.as_deref())
            .ok_or_else(|| format!("feedback {id} names no orderLineItemId"))?;
        let order =
            OrderId::parse(line_item).map_err(|e| format!("feedback {id} line item: {e}"))?;
        let comment = |c: Option<&super::model::feedback::Comment>| {
            c.and_then(|c| c.comment_text.clone())
                .filter(|t| !t.trim().is_empty())
        };
        Ok(Some(ReceivedFeedback {
            account: self.config.account.clone(),
            feedback: Feedback {
                id,
                order: OrderRef {
                    channel: Channel::Ebay,
                    order,
                },
                rating: comment_type.rating(),
                comment: comment(entry.feedback_comment.as_ref()).unwrap_or_default(),
                left_at,
            },
            buyer: provider
                .and_then(|p| p.user_id.as_deref())
                .filter(|u| !u.trim().is_empty())
                .map(|u| Identity::new(IdentityKind::EbayUser, u)),
            listing: summary.and_then(|s| s.listing_id.clone()),
            listing_title: summary.and_then(|s| s.listing_title.clone()),
            reply: comment(entry.reply_comment.as_ref()),
        }))
    }
}

impl FeedbackSource for EbayFeedback {
    async fn feedback_since(
        &self,
        since: DateTime<Utc>,
        page_token: Option<&str>,
    ) -> Result<FeedbackPage, ConnectorError> {
        let resume = || page_token.map(str::to_owned);
        let ctx = self.context("getFeedback");
        let cursor = match page_token {
            None => FeedbackCursor::START,
            Some(t) => FeedbackCursor::parse(t).ok_or_else(|| {
                let detail = format!("bad page token '{}'", truncate_chars(t, 40));
                ctx.error(ErrorKind::InvalidRequest(detail))
            })?,
        };
        let limit = self
            .config
            .page_size
            .clamp(MIN_FEEDBACK_PAGE, MAX_FEEDBACK_PAGE);
        let query = FeedbackQuery {
            user_id: self.config.seller_username.clone(),
            comment_type: cursor.comment_type,
            // Adapters may read the clock; the port's caller gives only `since`.
            period_days: period_covering(since, Utc::now()),
            limit,
            offset: cursor.offset,
        };
        let page = self
            .get_feedback(&query)
            .await
            .map_err(|e| e.with_resume_from(resume()))?;
        let mut feedback = Vec::new();
        for entry in &page.feedback_entries {
            // One unreadable entry must not block every later poll at this page: it is logged
            // (no buyer data) and skipped.
            match self.to_received(entry, since) {
                Ok(received) => feedback.extend(received),
                Err(problem) => tracing::warn!(account = %self.config.account, %problem,
                    "eBay feedback entry skipped"),
            }
        }
        let count = page.feedback_entries.len() as u32;
        let fetched = cursor.offset + count;
        let pagination = page.pagination.as_ref();
        let more = count > 0
            && pagination.is_some_and(|p| p.next.is_some() || p.total.is_some_and(|t| fetched < t));
        let next = if more {
            Some(FeedbackCursor {
                offset: fetched,
                ..cursor
            })
        } else {
            cursor
                .comment_type
                .next()
                .map(|comment_type| FeedbackCursor {
                    comment_type,
                    offset: 0,
                })
        };
        Ok(FeedbackPage {
            feedback,
            next_page: next.map(FeedbackCursor::token),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn the_query_asks_for_one_comment_type_from_buyers_newest_first() {
        let query = FeedbackQuery {
            user_id: "sandbox_seller".into(),
            comment_type: CommentType::Neutral,
            period_days: Some(30),
            limit: 25,
            offset: 50,
        };
        assert_eq!(
            query.to_pairs().unwrap(),
            vec![
                ("user_id", "sandbox_seller".to_owned()),
                ("feedback_type", "FEEDBACK_RECEIVED".to_owned()),
                (
                    "filter",
                    "commentType:NEUTRAL,role:BUYER,period:30".to_owned()
                ),
                ("sort", "TIME".to_owned()),
                ("limit", "25".to_owned()),
                ("offset", "50".to_owned()),
            ]
        );
        let small = FeedbackQuery {
            limit: 10,
            ..query.clone()
        };
        assert!(small.to_pairs().is_err(), "the API's minimum page is 25");
        let odd_period = FeedbackQuery {
            period_days: Some(14),
            ..query
        };
        assert!(odd_period.to_pairs().is_err());
    }

    #[test]
    fn the_period_is_the_smallest_that_reaches_back_to_since() {
        let now = at("2026-11-23T12:00:00Z");
        assert_eq!(period_covering(at("2026-11-20T00:00:00Z"), now), Some(7));
        assert_eq!(period_covering(at("2026-11-16T11:00:00Z"), now), Some(30));
        assert_eq!(period_covering(at("2026-09-01T00:00:00Z"), now), Some(90));
        assert_eq!(period_covering(at("2025-06-01T00:00:00Z"), now), None);
        // A `since` after `now` (clock skew) still asks for the shortest period.
        assert_eq!(period_covering(at("2026-11-24T00:00:00Z"), now), Some(7));
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let cursor = FeedbackCursor {
            comment_type: CommentType::Neutral,
            offset: 75,
        };
        assert_eq!(cursor.token(), "NEUTRAL:75");
        assert_eq!(FeedbackCursor::parse("NEUTRAL:75"), Some(cursor));
        assert_eq!(FeedbackCursor::parse("POSITIVE:0"), None);
        assert_eq!(FeedbackCursor::parse("NEGATIVE:x"), None);
        assert_eq!(FeedbackCursor::parse("50"), None);
    }
}
