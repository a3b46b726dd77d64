//! The storage port of Amazon review requests: a tenant's settings (versioned), one record per
//! order (claimed before the request is made, so it is made once per order, ever), and the
//! daily counts the report reads. Decision 0022.

use std::collections::BTreeMap;
use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{StoreResult, Stored};
use crate::domain::{AccountId, AgentId, AuditEntry, OrderId, TenantId};
use crate::review_requests::{NotEligibleReason, ReviewRequestSettings, SkipReason};

/// What became of an order's review request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ReviewOutcome {
    /// Claimed by `owner` until `until`: the request is being made.
    Pending {
        owner: String,
        until: DateTime<Utc>,
    },
    Sent,
    Skipped {
        reason: SkipReason,
    },
    NotEligible {
        reason: NotEligibleReason,
    },
    /// Amazon refused it for good (credentials, a permanent error); not tried again.
    Failed {
        error: String,
    },
}

/// The one record of an order's review request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewRequestRecord {
    pub order: OrderId,
    pub account: AccountId,
    pub marketplace_id: String,
    pub outcome: ReviewOutcome,
    /// When the outcome was reached (for `Pending`, when it was claimed).
    pub at: DateTime<Utc>,
}

/// The answer to a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewClaim {
    /// The caller holds the order's request now.
    Claimed,
    /// Another attempt holds it (its claim not yet expired) or it is decided: the record.
    Taken(ReviewRequestRecord),
}

/// Counts of outcomes over a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewCounts {
    pub sent: u64,
    pub failed: u64,
    /// By reason (`open_ticket`, `claim`, …); reasons with none are left out.
    pub skipped: BTreeMap<String, u64>,
    /// By reason (`too_late`, `not_offered`, …).
    pub not_eligible: BTreeMap<String, u64>,
}

impl ReviewCounts {
    /// The counts of one outcome (a pending claim counts nothing).
    pub fn of(outcome: &ReviewOutcome) -> Self {
        let mut counts = Self::default();
        match outcome {
            ReviewOutcome::Pending { .. } => {}
            ReviewOutcome::Sent => counts.sent = 1,
            ReviewOutcome::Failed { .. } => counts.failed = 1,
            ReviewOutcome::Skipped { reason } => {
                counts.skipped.insert(reason.as_str().to_owned(), 1);
            }
            ReviewOutcome::NotEligible { reason } => {
                counts.not_eligible.insert(reason.as_str().to_owned(), 1);
            }
        }
        counts
    }

    pub fn add(&mut self, other: &ReviewCounts) {
        self.sent += other.sent;
        self.failed += other.failed;
        for (k, v) in &other.skipped {
            *self.skipped.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &other.not_eligible {
            *self.not_eligible.entry(k.clone()).or_default() += v;
        }
    }
}

/// Review requests in the store. Each method is one request.
pub trait ReviewRequestStore: Send + Sync {
    /// The tenant's settings as stored, if it saved any: one GetItem.
    fn review_settings(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = StoreResult<Option<Stored<ReviewRequestSettings>>>> + Send;

    /// Saves the settings (changed by `by`) with their audit entry in one transaction, if the
    /// stored version is still `expected` (`None`: none stored yet); else
    /// [`super::StoreError::Conflict`] with nothing written.
    fn save_review_settings(
        &self,
        tenant: &TenantId,
        settings: &ReviewRequestSettings,
        expected: Option<u64>,
        audit: &AuditEntry,
        by: &AgentId,
        at: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Stored<ReviewRequestSettings>>> + Send;

    /// Claims the order's request for `owner` until `until`: succeeds if the order has no
    /// record, or only a pending claim that expired before `now`.
    fn claim_review_request(
        &self,
        tenant: &TenantId,
        record: &ReviewRequestRecord,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<ReviewClaim>> + Send;

    /// Gives a claim of `owner` back (the request failed in a way worth trying again).
    fn release_review_request(
        &self,
        tenant: &TenantId,
        order: &OrderId,
        owner: &str,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Replaces the claim of `owner` with the final outcome and counts it on its day, in one
    /// transaction; a [`super::StoreError::Conflict`] if the claim is no longer the owner's.
    fn record_review_outcome(
        &self,
        tenant: &TenantId,
        record: &ReviewRequestRecord,
        owner: &str,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// The order's record, if any: one GetItem.
    fn review_request(
        &self,
        tenant: &TenantId,
        order: &OrderId,
    ) -> impl Future<Output = StoreResult<Option<ReviewRequestRecord>>> + Send;

    /// The counts of the UTC days `from..=to`: one Query per month touched.
    fn review_counts(
        &self,
        tenant: &TenantId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Future<Output = StoreResult<ReviewCounts>> + Send;
}
