//! Seller-initiated Amazon Messaging API actions (pure): which actions exist, which ones
//! marketdesk sends, and the checks their text must pass — plus the port they go through.
//!
//! A seller may start only the messages Amazon offers for an order right now
//! (`getMessagingActionsForOrder`). marketdesk sends the text-only ones; the actions whose body
//! is an attachment (a legal disclosure, a warranty, an invoice) need Amazon's Uploads API and
//! are shown as offered but not sendable here. An accepted action is an outbound message on the
//! ticket (`ExternalRefs::order_action`), queued and sent once by the sender like a reply.

use futures::future::BoxFuture;

use crate::connectors::{CallContext, ConnectorError, ErrorKind};
use crate::domain::{ChannelAccount, OrderId};

/// What an action's request body carries, from `specs/amazon/messaging.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionBody {
    /// `{"text": …}` only, at most `max` chars.
    Text { max: usize },
    /// `text` and optional attachments; marketdesk sends the text alone.
    TextOrAttachments { max: usize },
    /// Attachments only (Uploads API): not sent by marketdesk.
    Attachments,
    /// Not in the model marketdesk knows (e.g. `negativeFeedbackRemoval`, `amazonMotors`):
    /// listed when offered, never sent.
    Unknown,
}

/// One Messaging API action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionSpec {
    /// The name in `_links.actions` and the last segment of the POST path.
    pub name: &'static str,
    /// The model's operation id.
    pub operation: &'static str,
    pub body: ActionBody,
    /// What the message is for, for the agent choosing it.
    pub purpose: &'static str,
}

impl ActionSpec {
    /// Whether marketdesk sends this action (its body can be text alone).
    pub fn supported(&self) -> bool {
        self.text_max().is_some()
    }

    /// The longest text the model allows, for the actions sent as text.
    pub fn text_max(&self) -> Option<usize> {
        match self.body {
            ActionBody::Text { max } | ActionBody::TextOrAttachments { max } => Some(max),
            ActionBody::Attachments | ActionBody::Unknown => None,
        }
    }
}

/// Every action of the Messaging API model, and the two Amazon lists that the model has no
/// operation for.
pub const ACTIONS: &[ActionSpec] = &[
    ActionSpec {
        name: "unexpectedProblem",
        operation: "createUnexpectedProblem",
        body: ActionBody::Text { max: 2000 },
        purpose: "an unexpected problem affects completing the order",
    },
    ActionSpec {
        name: "confirmDeliveryDetails",
        operation: "createConfirmDeliveryDetails",
        body: ActionBody::Text { max: 2000 },
        purpose: "arrange or confirm the delivery",
    },
    ActionSpec {
        name: "confirmOrderDetails",
        operation: "createConfirmOrderDetails",
        body: ActionBody::Text { max: 2000 },
        purpose: "ask the buyer to confirm details needed to complete the order",
    },
    ActionSpec {
        name: "confirmServiceDetails",
        operation: "createConfirmServiceDetails",
        body: ActionBody::Text { max: 2000 },
        purpose: "arrange a home service call",
    },
    ActionSpec {
        name: "confirmCustomizationDetails",
        operation: "confirmCustomizationDetails",
        body: ActionBody::TextOrAttachments { max: 800 },
        purpose: "confirm how the item is customised",
    },
    ActionSpec {
        name: "digitalAccessKey",
        operation: "createDigitalAccessKey",
        body: ActionBody::TextOrAttachments { max: 400 },
        purpose: "send the key to a digital product",
    },
    ActionSpec {
        name: "legalDisclosure",
        operation: "createLegalDisclosure",
        body: ActionBody::Attachments,
        purpose: "a legal disclosure (attachment only)",
    },
    ActionSpec {
        name: "warranty",
        operation: "CreateWarranty",
        body: ActionBody::Attachments,
        purpose: "warranty information (attachment only)",
    },
    ActionSpec {
        name: "invoice",
        operation: "sendInvoice",
        body: ActionBody::Attachments,
        purpose: "the invoice (attachment only)",
    },
    ActionSpec {
        name: "negativeFeedbackRemoval",
        operation: "createNegativeFeedbackRemoval",
        body: ActionBody::Unknown,
        purpose: "ask to remove negative feedback (no operation in the model)",
    },
    ActionSpec {
        name: "amazonMotors",
        operation: "createAmazonMotors",
        body: ActionBody::Unknown,
        purpose: "Amazon Motors fitment (no operation in the model)",
    },
];

/// The spec of the action called `name`.
pub fn spec(name: &str) -> Option<&'static ActionSpec> {
    ACTIONS.iter().find(|a| a.name == name)
}

/// Whether `text` is a body the model accepts for `spec`: not blank, within its length (in
/// characters), no HTML (Amazon's own rule for these texts).
pub fn check_text(spec: &ActionSpec, text: &str) -> Result<(), String> {
    let max = spec
        .text_max()
        .ok_or_else(|| format!("{} takes attachments, not text", spec.name))?;
    if text.trim().is_empty() {
        return Err("the text must not be blank".to_owned());
    }
    let chars = text.chars().count();
    if chars > max {
        return Err(format!(
            "{} takes at most {max} characters, this text has {chars}",
            spec.name
        ));
    }
    if looks_like_html(text) {
        return Err("the text must not contain HTML".to_owned());
    }
    Ok(())
}

fn looks_like_html(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    [
        "<a ", "<br", "<p>", "<div", "<span", "<b>", "<i>", "<html", "<img",
    ]
    .iter()
    .any(|tag| lower.contains(tag))
}

/// An action the agent sees for an order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfferedAction {
    pub name: String,
    /// Whether marketdesk can send it (text-only actions).
    pub supported: bool,
    /// The longest text, for the supported ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_chars: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
}

/// The offer as the agent sees it, in Amazon's order, unknown names kept (not sendable).
pub fn offer(names: &[String]) -> Vec<OfferedAction> {
    names
        .iter()
        .map(|name| match spec(name) {
            Some(s) => OfferedAction {
                name: name.clone(),
                supported: s.supported(),
                max_chars: s.text_max(),
                purpose: Some(s.purpose.to_owned()),
            },
            None => OfferedAction {
                name: name.clone(),
                supported: false,
                max_chars: None,
                purpose: None,
            },
        })
        .collect()
}

/// A Messaging API action ready to send.
#[derive(Clone, PartialEq, Eq)]
pub struct OutgoingAction {
    pub order: OrderId,
    pub marketplace: String,
    pub action: String,
    pub text: String,
}

impl std::fmt::Debug for OutgoingAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutgoingAction")
            .field("order", &self.order)
            .field("marketplace", &self.marketplace)
            .field("action", &self.action)
            .finish_non_exhaustive()
    }
}

/// The Messaging API of a connected Amazon account. Object-safe: the API holds it as
/// `Arc<dyn OrderMessaging>`.
pub trait OrderMessaging: Send + Sync {
    /// The actions Amazon offers for `order` now; `None` if Amazon does not know the order.
    fn offered_actions<'a>(
        &'a self,
        account: &'a ChannelAccount,
        order: &'a OrderId,
        marketplace: &'a str,
    ) -> BoxFuture<'a, Result<Option<Vec<String>>, ConnectorError>>;

    /// Sends `action` once (see `SpApiMessaging::send_text` for what is retried).
    fn send_action<'a>(
        &'a self,
        account: &'a ChannelAccount,
        action: &'a OutgoingAction,
    ) -> BoxFuture<'a, Result<(), ConnectorError>>;
}

/// No Messaging API configured: every call fails as a configuration error.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoOrderMessaging;

impl NoOrderMessaging {
    fn error(account: &ChannelAccount) -> ConnectorError {
        CallContext::new("sp-api", account.id.as_str(), "messaging").error(
            ErrorKind::InvalidRequest("no Messaging API client is configured".to_owned()),
        )
    }
}

impl OrderMessaging for NoOrderMessaging {
    fn offered_actions<'a>(
        &'a self,
        account: &'a ChannelAccount,
        _order: &'a OrderId,
        _marketplace: &'a str,
    ) -> BoxFuture<'a, Result<Option<Vec<String>>, ConnectorError>> {
        Box::pin(std::future::ready(Err(Self::error(account))))
    }

    fn send_action<'a>(
        &'a self,
        account: &'a ChannelAccount,
        _action: &'a OutgoingAction,
    ) -> BoxFuture<'a, Result<(), ConnectorError>> {
        Box::pin(std::future::ready(Err(Self::error(account))))
    }
}

impl<T: OrderMessaging + ?Sized> OrderMessaging for std::sync::Arc<T> {
    fn offered_actions<'a>(
        &'a self,
        account: &'a ChannelAccount,
        order: &'a OrderId,
        marketplace: &'a str,
    ) -> BoxFuture<'a, Result<Option<Vec<String>>, ConnectorError>> {
        (**self).offered_actions(account, order, marketplace)
    }

    fn send_action<'a>(
        &'a self,
        account: &'a ChannelAccount,
        action: &'a OutgoingAction,
    ) -> BoxFuture<'a, Result<(), ConnectorError>> {
        (**self).send_action(account, action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_actions_are_supported_and_attachment_ones_are_not() {
        let supported: Vec<&str> = ACTIONS
            .iter()
            .filter(|a| a.supported())
            .map(|a| a.name)
            .collect();
        assert_eq!(
            supported,
            [
                "unexpectedProblem",
                "confirmDeliveryDetails",
                "confirmOrderDetails",
                "confirmServiceDetails",
                "confirmCustomizationDetails",
                "digitalAccessKey"
            ]
        );
        assert!(!spec("legalDisclosure").unwrap().supported());
        assert!(spec("sendInvoice").is_none());
    }

    #[test]
    fn text_limits_are_the_models_and_count_characters() {
        let problem = spec("unexpectedProblem").unwrap();
        assert!(check_text(problem, &"è".repeat(2000)).is_ok());
        assert!(check_text(problem, &"è".repeat(2001)).is_err());
        assert!(check_text(spec("digitalAccessKey").unwrap(), &"k".repeat(401)).is_err());
        assert!(check_text(problem, "   ").is_err());
        assert!(check_text(problem, "Hello <a href=\"x\">here</a>").is_err());
        assert!(check_text(spec("invoice").unwrap(), "text").is_err());
    }

    #[test]
    fn an_offer_keeps_amazons_order_and_marks_what_cannot_be_sent() {
        let offered = offer(&[
            "legalDisclosure".to_owned(),
            "unexpectedProblem".to_owned(),
            "somethingNew".to_owned(),
        ]);
        let names: Vec<(&str, bool)> = offered
            .iter()
            .map(|a| (a.name.as_str(), a.supported))
            .collect();
        assert_eq!(
            names,
            [
                ("legalDisclosure", false),
                ("unexpectedProblem", true),
                ("somethingNew", false)
            ]
        );
        assert_eq!(offered[1].max_chars, Some(2000));
    }
}
