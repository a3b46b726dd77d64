//! Outgoing e-mail through Amazon SES v2 (`SendEmail` with raw content): the
//! [`MailTransport`] of deployed stacks and of the local emulator.

use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::config::http::HttpResponse;
use aws_sdk_sesv2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};

use crate::connectors::{CallContext, ConnectorError, ErrorKind};
use crate::domain::AccountId;
use crate::outbound::{MailTransport, OutgoingMail};

/// Sends through SES from the account's approved sender address. The sender identity must be
/// verified in SES (and, for Amazon, registered as an approved sender in Seller Central).
#[derive(Debug, Clone)]
pub struct SesMailTransport {
    client: Client,
    /// An SES configuration set for delivery events (bounces, complaints), if any.
    configuration_set: Option<String>,
}

impl SesMailTransport {
    pub fn new(client: Client) -> Self {
        SesMailTransport {
            client,
            configuration_set: None,
        }
    }

    pub fn from_config(config: &aws_config::SdkConfig) -> Self {
        Self::new(Client::new(config))
    }

    pub fn with_configuration_set(mut self, name: Option<String>) -> Self {
        self.configuration_set = name;
        self
    }
}

impl MailTransport for SesMailTransport {
    async fn send_mail(
        &self,
        account: &AccountId,
        mail: &OutgoingMail,
    ) -> Result<String, ConnectorError> {
        let ctx = CallContext::new("ses", account.as_str(), "SendEmail");
        let raw = RawMessage::builder()
            .data(Blob::new(mail.raw.clone()))
            .build()
            .map_err(|e| ctx.error(ErrorKind::InvalidRequest(e.to_string())))?;
        let out = self
            .client
            .send_email()
            .from_email_address(&mail.from)
            .destination(Destination::builder().to_addresses(&mail.to).build())
            .content(EmailContent::builder().raw(raw).build())
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await
            .map_err(|e| ctx.error(classify(e)))?;
        out.message_id
            .filter(|id| !id.is_empty())
            .ok_or_else(|| ctx.error(ErrorKind::Mapping("SES answered no MessageId".into())))
    }
}

/// SES names the refused identities in some messages ("… failed the check …: a@b.c"); an
/// address never reaches a log or a ticket event.
fn scrub_addresses(text: &str) -> String {
    static ADDRESS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"[^\s<>,;:()\[\]"']+@[^\s<>,;:()\[\]"']+"#).expect("valid pattern")
    });
    ADDRESS.replace_all(text, "<address>").into_owned()
}

/// What an SES failure means for the reply. Errors name the SES code and message, which never
/// contain the recipient; the SDK's own debug output (which might) is not used.
fn classify(err: SdkError<SendEmailError, HttpResponse>) -> ErrorKind {
    match err {
        SdkError::ConstructionFailure(_) => {
            ErrorKind::InvalidRequest("the SendEmail request could not be built".into())
        }
        // No response arrived: the SDK already retried as for any call; once more later.
        SdkError::DispatchFailure(_) => ErrorKind::Connect("SES could not be reached".into()),
        // The request went out and no readable answer came back: SES may have sent the mail.
        SdkError::TimeoutError(_) => ErrorKind::OutcomeUnknown("SES did not answer in time".into()),
        SdkError::ResponseError(_) => {
            ErrorKind::OutcomeUnknown("SES's answer could not be read".into())
        }
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let err = service.into_err();
            let code = err.code().unwrap_or("Unknown").to_owned();
            let detail = scrub_addresses(err.message().unwrap_or_default());
            match err {
                SendEmailError::TooManyRequestsException(_)
                | SendEmailError::LimitExceededException(_) => {
                    ErrorKind::Throttled { retry_after: None }
                }
                _ if status >= 500 => ErrorKind::Server { status, detail },
                // Rejected content, unverified sender, paused or suspended sending: a person
                // must act; retrying the same mail cannot help.
                _ => ErrorKind::Rejected {
                    status,
                    code,
                    detail,
                },
            }
        }
        _ => ErrorKind::OutcomeUnknown("SES call failed in an unexpected way".into()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn error_details_never_carry_an_address() {
        let text = "Email address is not verified. The following identities failed the check in \
                    region EU-WEST-1: shop@acme.example, x7k2m9q@marketplace.amazon.it";
        let scrubbed = super::scrub_addresses(text);
        assert!(!scrubbed.contains('@'), "{scrubbed}");
        assert!(scrubbed.contains("region EU-WEST-1: <address>, <address>"));
    }
}
