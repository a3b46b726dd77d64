//! The storage port of claims ([`crate::claims::ClaimRecord`]): one versioned record per order
//! and kind, listed open first by Amazon's deadline. Decision 0025.

use std::future::Future;

use super::{Page, PageRequest, StoreResult};
use crate::claims::{ClaimRecord, ClaimStatus};
use crate::domain::{ClaimId, OrderId, TenantId};

pub trait ClaimStore: Send + Sync {
    /// GetItem of one claim.
    fn claim(
        &self,
        tenant: &TenantId,
        id: &ClaimId,
    ) -> impl Future<Output = StoreResult<Option<ClaimRecord>>> + Send;

    /// Creates (`expected_version` `None`: fails with `Conflict` if it exists) or replaces the
    /// record read at `expected_version`; returns it at its new version.
    fn save_claim(
        &self,
        record: &ClaimRecord,
        expected_version: Option<u64>,
    ) -> impl Future<Output = StoreResult<ClaimRecord>> + Send;

    /// One page of the tenant's claims, open first, each status by `respond_by` (soonest
    /// first); only `status` when given. One Query.
    fn claims_page(
        &self,
        tenant: &TenantId,
        status: Option<ClaimStatus>,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<ClaimRecord>>> + Send;

    /// The claims of one order (one Query).
    fn order_claims(
        &self,
        tenant: &TenantId,
        order: &OrderId,
    ) -> impl Future<Output = StoreResult<Vec<ClaimRecord>>> + Send;
}
