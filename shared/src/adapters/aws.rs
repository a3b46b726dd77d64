//! The one way to build AWS configuration. Deployed, the defaults read the Lambda environment;
//! locally, `AWS_ENDPOINT_URL` points every client at the emulator, so no code path differs.

use aws_config::{BehaviorVersion, ConfigLoader};

/// The loader every client starts from. Callers may refine it (the local stack sets an
/// endpoint, region and test credentials) before `load().await`.
pub fn config_loader() -> ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest())
}

/// Shared configuration from the environment.
pub async fn load_config() -> aws_config::SdkConfig {
    config_loader().load().await
}

/// S3 addressed by path rather than virtual host: the same against AWS and the emulator.
pub fn s3_client(config: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .build(),
    )
}
