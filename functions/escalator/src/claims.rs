//! Amazon's claim deadlines on the sweep (decision 0025): an open claim's team alert a day
//! before `respond_by` and once it passed, each once per deadline. The alert is recorded on the
//! claim (a conditional write) before it is sent, and taken back when the send fails, so two
//! sweeps never alert twice and a failed alert is tried again by the next one.

use chrono::{DateTime, Utc};
use marketdesk::claims::{ClaimStatus, WARNING_BEFORE};
use marketdesk::connectors::Notifier;
use marketdesk::domain::TenantId;
use marketdesk::store::{ClaimStore, PageRequest, StoreError};

use crate::{Escalator, EscalatorError};

impl<S: ClaimStore, N: Notifier, A> Escalator<S, N, A> {
    /// Alerts owed on the tenant's open claims, soonest deadline first, reading no further than
    /// a day ahead. Returns how many were sent.
    pub async fn watch_claims(
        &self,
        tenant: &TenantId,
        now: DateTime<Utc>,
    ) -> Result<usize, EscalatorError> {
        let mut sent = 0;
        let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
        loop {
            let claims = self
                .store
                .claims_page(tenant, Some(ClaimStatus::Open), &page)
                .await?;
            for claim in claims.items {
                if claim.respond_by > now + WARNING_BEFORE {
                    return Ok(sent);
                }
                let Some(level) = claim.alert_due(now) else {
                    continue;
                };
                let mut marked = claim.clone();
                marked.mark_alerted(level, now);
                let saved = match self.store.save_claim(&marked, Some(claim.version)).await {
                    Ok(saved) => saved,
                    // Another sweep or a person changed it: the next sweep judges it again.
                    Err(StoreError::Conflict { .. }) => continue,
                    Err(e) => return Err(e.into()),
                };
                let alert = saved.notification(level, &self.config.frontend_url, now);
                match self.notifier.notify(&alert).await {
                    Ok(()) => {
                        sent += 1;
                        tracing::info!(target: "alerts", tenant = %tenant, claim = %saved.id,
                            level = ?level, "claim deadline alert sent");
                    }
                    Err(e) => {
                        tracing::error!(tenant = %tenant, claim = %saved.id, error = %e,
                            "claim deadline alert not delivered; the next sweep tries again");
                        let mut back = saved.clone();
                        back.alerts.pop();
                        let _ = self.store.save_claim(&back, Some(saved.version)).await;
                    }
                }
            }
            match claims.next {
                Some(cursor) => page.cursor = Some(cursor),
                None => return Ok(sent),
            }
        }
    }
}
