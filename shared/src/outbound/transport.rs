//! [`ChannelReplies`] on the clients of each connected account.

use super::ChannelReplies;
use crate::connectors::accounts::{AccountClients, ChannelClients, SecretSource};
use crate::connectors::{
    CallContext, ConnectorError, ErrorKind, OutgoingReply, ReplyTransport, SentReply,
};
use crate::domain::ChannelAccount;

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
