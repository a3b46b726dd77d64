//! The one way to build AWS configuration. Deployed, the defaults read the Lambda environment;
//! locally, `AWS_ENDPOINT_URL` points every client at the emulator, so no code path differs.

use aws_config::environment::{
    EnvironmentVariableCredentialsProvider, EnvironmentVariableRegionProvider,
};
use aws_config::{BehaviorVersion, ConfigLoader};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};

/// The loader every client starts from. Callers may refine it (the local stack sets an
/// endpoint, region and test credentials) before `load().await`.
///
/// Every SDK client made from the loaded configuration shares one HTTPS client, so the TLS
/// set-up (root certificates, rustls config) happens once for all of them, not per
/// client. On Lambda the credentials and region come from the environment the service sets:
/// the default chain would also build profile, SSO, web-identity (with an STS client), ECS and
/// IMDS providers during init, none of which can answer there (docs/decisions/0012).
pub fn config_loader() -> ConfigLoader {
    config_loader_for(std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some())
}

fn config_loader_for(on_lambda: bool) -> ConfigLoader {
    // The SDK's own HTTPS stack (hyper 1, rustls with aws-lc). The first `Client::new` builds
    // its connector (and reads the trust store) to validate it; later clients share it (0021).
    let https = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
        .build_https();
    let loader = aws_config::defaults(BehaviorVersion::latest()).http_client(https);
    if on_lambda {
        loader
            .credentials_provider(EnvironmentVariableCredentialsProvider::new())
            .region(EnvironmentVariableRegionProvider::new())
    } else {
        loader
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_configuration_carries_one_https_client_for_all_its_clients() {
        for on_lambda in [false, true] {
            let config = config_loader_for(on_lambda).load().await;
            assert!(config.http_client().is_some(), "on_lambda={on_lambda}");
        }
    }
}
