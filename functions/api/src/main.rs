//! The inbox API behind API Gateway: build dependencies once, serve the router.

use marketdesk::adapters::scheduler::{
    EventBridgePollSchedules, EventBridgeScheduler, PollTarget, ScheduleTarget,
};
use marketdesk::adapters::secrets::SecretsManager;
use marketdesk::adapters::sqs::{SqsOutboundQueue, SqsRedrive};
use marketdesk::adapters::{aws, dynamo::DynamoStore};
use marketdesk::config::Settings;
use marketdesk::connectors::HttpConfig;
use marketdesk::connectors::accounts::{ChannelClients, Endpoints};
use marketdesk::connectors::carrier_accounts::TenantTrackers;
use marketdesk::tracking::RefreshPolicy;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    let settings = Settings::from_env()?;
    let config = aws::load_config().await;
    let store = DynamoStore::from_config(&config, &settings.table);
    let env = |k: &str| std::env::var(k).ok();
    // The ticket view refreshes stale shipments; without carrier credentials it shows links.
    let clients = std::sync::Arc::new(ChannelClients::new(
        SecretsManager::from_config(&config),
        Endpoints::from_lookup(env),
        HttpConfig::default(),
    ));
    let tracker = TenantTrackers::from_settings(clients.clone(), &settings).await;
    let poll_target = PollTarget::from_settings(&settings);
    let escalations = ScheduleTarget::from_settings(&settings);
    let queue_url = settings
        .outbound_queue_url
        .ok_or("MARKETDESK_OUTBOUND_QUEUE_URL is not set")?;
    let sqs = aws_sdk_sqs::Client::new(&config);
    let outbound = SqsOutboundQueue::new(sqs.clone(), queue_url.clone());
    // Quarantined payloads go back to the queue of the worker that gave up on them.
    let mut redrive = SqsRedrive::new(sqs).with_queue("sender", queue_url);
    if let Some(url) = settings.ingest_queue_url {
        redrive = redrive.with_queue("ingest", url);
    }
    if let Some(url) = settings.escalation_queue_url {
        redrive = redrive.with_queue("escalator", url);
    }
    let mut state = api::AppState::deployed(store, outbound)
        .with_redrive(redrive)
        // Amazon Messaging API actions on a ticket's order, with the accounts' own clients.
        .with_order_messaging(clients)
        .with_cors_origins(api::cors::origins_from_env()?);
    // Without a poll target the rest of the API still serves; account changes answer 503.
    match poll_target {
        Ok(target) => {
            state = state.with_accounts(
                SecretsManager::from_config(&config),
                EventBridgePollSchedules::from_config(&config, target),
            );
        }
        Err(e) => tracing::warn!(error = %e, "channel accounts cannot be changed"),
    }
    // Without a schedule target status changes still work; the sweep catches up on alerts.
    match escalations {
        Ok(target) => {
            state = state.with_escalations(EventBridgeScheduler::from_config(&config, target));
        }
        Err(e) => tracing::warn!(error = %e, "escalation schedules follow no status change"),
    }
    match tracker {
        Ok(tracker) => state = state.with_tracking(tracker, RefreshPolicy::from_lookup(env)),
        Err(e) => tracing::warn!(error = %e, "ticket view shows shipments as stored"),
    }
    lambda_http::run(api::app(state)).await
}
