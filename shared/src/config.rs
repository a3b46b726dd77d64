//! Settings from the environment, as Lambda passes them (infra/template.yaml sets them; the
//! local stack sets the same names). Read once at start-up.

/// Why the environment does not configure a function.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// `MARKETDESK_TABLE`: the single DynamoDB table.
    pub table: String,
    /// `MARKETDESK_INGEST_QUEUE_URL`
    pub ingest_queue_url: Option<String>,
    /// `MARKETDESK_ESCALATION_QUEUE_URL`
    pub escalation_queue_url: Option<String>,
    /// `MARKETDESK_ESCALATION_QUEUE_ARN`: target of SLA schedules.
    pub escalation_queue_arn: Option<String>,
    /// `MARKETDESK_OUTBOUND_QUEUE_URL`
    pub outbound_queue_url: Option<String>,
    /// `MARKETDESK_SCHEDULE_GROUP`
    pub schedule_group: Option<String>,
    /// `MARKETDESK_SCHEDULER_ROLE_ARN`: the role schedules assume to reach their targets.
    pub scheduler_role_arn: Option<String>,
    /// `MARKETDESK_POLLER_FUNCTION_ARN`: target of account poll schedules.
    pub poller_function_arn: Option<String>,
    /// `MARKETDESK_MAIL_BUCKET`: raw inbound mail from SES.
    pub mail_bucket: Option<String>,
    /// `MARKETDESK_FRONTEND_URL`: links in Slack alerts point there.
    pub frontend_url: Option<String>,
    /// `MARKETDESK_CORS_ORIGINS`: comma-separated origins allowed by the API.
    pub cors_origins: Vec<String>,
    /// `MARKETDESK_CARRIERS_SECRET`: the Secrets Manager secret (name or ARN) holding the
    /// carrier API credentials (AfterShip, DHL, UPS, FedEx, USPS); unset = tracking links only.
    pub carriers_secret: Option<String>,
}

impl Settings {
    pub fn from_env() -> Result<Settings, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (the environment in production, a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        Ok(Settings {
            table: get("MARKETDESK_TABLE").ok_or(ConfigError::Missing("MARKETDESK_TABLE"))?,
            ingest_queue_url: get("MARKETDESK_INGEST_QUEUE_URL"),
            escalation_queue_url: get("MARKETDESK_ESCALATION_QUEUE_URL"),
            escalation_queue_arn: get("MARKETDESK_ESCALATION_QUEUE_ARN"),
            outbound_queue_url: get("MARKETDESK_OUTBOUND_QUEUE_URL"),
            schedule_group: get("MARKETDESK_SCHEDULE_GROUP"),
            scheduler_role_arn: get("MARKETDESK_SCHEDULER_ROLE_ARN"),
            poller_function_arn: get("MARKETDESK_POLLER_FUNCTION_ARN"),
            mail_bucket: get("MARKETDESK_MAIL_BUCKET"),
            frontend_url: get("MARKETDESK_FRONTEND_URL"),
            cors_origins: get("MARKETDESK_CORS_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|o| o.trim().to_string())
                        .filter(|o| !o.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            carriers_secret: get("MARKETDESK_CARRIERS_SECRET"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_required_and_the_rest_optional() {
        assert_eq!(
            Settings::from_lookup(|_| None),
            Err(ConfigError::Missing("MARKETDESK_TABLE"))
        );
        let s = Settings::from_lookup(|name| match name {
            "MARKETDESK_TABLE" => Some("md".into()),
            "MARKETDESK_CORS_ORIGINS" => Some("https://a.example, https://b.example,".into()),
            "MARKETDESK_MAIL_BUCKET" => Some("  ".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(s.table, "md");
        assert_eq!(s.cors_origins, ["https://a.example", "https://b.example"]);
        assert_eq!(s.mail_bucket, None);
    }
}
