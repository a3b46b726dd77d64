//! Claim notices into claim records: an A-to-z claim or chargeback notice, once recorded on its
//! ticket, opens the order's claim or adds to it (`claims::ClaimRecord::add_notice`): one record
//! per order and kind, versioned, conditional writes retried on a lost race. A notice seen
//! again (an SQS redelivery after a crash between the two writes) completes the record.

use chrono::{DateTime, Utc};

use super::IngestError;
use super::inbound::Inbound;
use super::service::{Enricher, Ingestor, MailBlobs};
use crate::claims::{self, ClaimKind, NoticeFacts};
use crate::domain::{ChannelAccount, TicketId};
use crate::escalation::EscalationScheduler;
use crate::inbound_mail::ClaimNotice;
use crate::store::{
    AccountStore, ClaimStore, ConfigStore, CustomerStore, FeedbackStore, OrderStore, StoreError,
    TicketStore,
};

/// How many times a claim write is retried after losing a race on its record.
const ATTEMPTS: usize = 4;

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
    pub(super) async fn claim_notice(
        &self,
        account: &ChannelAccount,
        kind: ClaimKind,
        notice: &ClaimNotice,
        inbound: &Inbound,
        ticket: TicketId,
        now: DateTime<Utc>,
    ) -> Result<(), IngestError> {
        let facts = NoticeFacts {
            tenant: inbound.tenant.clone(),
            account: account.id.clone(),
            kind,
            order_id: notice.order_id.clone().or_else(|| inbound.order.clone()),
            marketplace_id: notice
                .marketplace
                .map(|m| m.id.to_owned())
                .or_else(|| Some(account.marketplace.id.clone())),
            ticket,
            reason: notice.reason.clone(),
            amount: notice.amount.clone(),
            respond_by: notice.respond_by,
            reference: inbound
                .external
                .message_id
                .clone()
                .unwrap_or_else(|| inbound.seen.external_id.clone()),
            sent_at: inbound.sent_at,
        };
        let id = claims::claim_id(facts.order_id.as_ref(), &facts.ticket, kind);
        let store = self.store();
        let mut last = None;
        for _ in 0..ATTEMPTS {
            let (record, expected) = match store.claim(&facts.tenant, &id).await? {
                None => (claims::open(&facts, now), None),
                Some(mut existing) => {
                    if !existing.add_notice(&facts, now) {
                        return Ok(());
                    }
                    let version = existing.version;
                    (existing, Some(version))
                }
            };
            match store.save_claim(&record, expected).await {
                Ok(saved) => {
                    tracing::info!(claim = %saved.id, version = saved.version, "claim recorded");
                    return Ok(());
                }
                Err(conflict @ StoreError::Conflict { .. }) => last = Some(conflict),
                Err(other) => return Err(other.into()),
            }
        }
        Err(IngestError::Store(last.expect("a lost race was recorded")))
    }
}
