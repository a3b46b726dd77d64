//! [`ChannelReplies`] and [`OrderMessaging`] on the clients of each connected account.

use futures::future::BoxFuture;

use super::{ChannelReplies, OrderMessaging, OutgoingAction};
use crate::connectors::accounts::{AccountClients, ChannelClients, SecretSource};
use crate::connectors::{
    CallContext, ConnectorError, ErrorKind, OutgoingReply, ReplyTransport, SentReply,
};
use crate::domain::{ChannelAccount, OrderId};

impl<S: SecretSource> ChannelReplies for ChannelClients<S> {
    async fn send_reply(
        &self,
        account: &ChannelAccount,
        reply: &OutgoingReply,
    ) -> Result<SentReply, ConnectorError> {
        match &*self.clients(account).await? {
            AccountClients::Ebay(ebay) => ebay.messages.send_reply(reply).await,
            _ => Err(
                CallContext::new("replies", account.id.as_str(), "sendReply").error(
                    ErrorKind::InvalidRequest(format!(
                        "{} has no messaging API to reply through",
                        account.channel
                    )),
                ),
            ),
        }
    }
}

impl<S: SecretSource> OrderMessaging for ChannelClients<S> {
    fn offered_actions<'a>(
        &'a self,
        account: &'a ChannelAccount,
        order: &'a OrderId,
        marketplace: &'a str,
    ) -> BoxFuture<'a, Result<Option<Vec<String>>, ConnectorError>> {
        Box::pin(async move {
            let messaging = self.amazon_messaging(account).await?;
            messaging.actions_for_order(order, marketplace).await
        })
    }

    fn send_action<'a>(
        &'a self,
        account: &'a ChannelAccount,
        action: &'a OutgoingAction,
    ) -> BoxFuture<'a, Result<(), ConnectorError>> {
        Box::pin(async move {
            let messaging = self.amazon_messaging(account).await?;
            messaging
                .send_text(
                    &action.order,
                    &action.marketplace,
                    &action.action,
                    &action.text,
                )
                .await
        })
    }
}
