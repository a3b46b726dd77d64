//! Acts on SLA thresholds (escalation queue) and runs the safety sweep (scheduled event).
// The handler future nests the sweep, the escalation, the config read and the SDK call.
#![recursion_limit = "256"]

use lambda_runtime::{LambdaEvent, service_fn};
use marketdesk::adapters::secrets::SecretsManager;
use marketdesk::adapters::{aws, dynamo::DynamoStore};
use marketdesk::config::Settings;
use marketdesk::connectors::accounts::{ChannelClients, Endpoints};
use marketdesk::connectors::amazon::solicitations::AccountSolicitations;
use marketdesk::connectors::http::HttpConfig;
use marketdesk::connectors::slack::SlackWebhook;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let settings = Settings::from_env()?;
    let (config, webhook) = escalator::settings_from(|n| std::env::var(n).ok())?;
    let config_aws = aws::load_config().await;
    let store = DynamoStore::from_config(&config_aws, &settings.table);
    let http = HttpConfig::default();
    // Review requests (decision 0022): each Amazon account's Solicitations API, with the
    // account's credentials from Secrets Manager, built on the first trigger of the account.
    let solicitations = AccountSolicitations::new(std::sync::Arc::new(ChannelClients::new(
        SecretsManager::from_config(&config_aws),
        Endpoints::from_lookup(|k| std::env::var(k).ok()),
        http,
    )));
    let slack = SlackWebhook::lazy("escalations", webhook, http);
    let escalator = escalator::Escalator::new(store, slack, config)
        .with_review_requests(solicitations)
        .with_health(marketdesk::reports::health::WatchSettings::default());
    let escalator = &escalator;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<escalator::Invocation>| async move {
            escalator
                .handle(event.payload, chrono::Utc::now())
                .await
                .map_err(lambda_runtime::Error::from)
        },
    ))
    .await
}
