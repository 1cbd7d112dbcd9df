//! Message records (conversations, messages, inboxes, reports, the school's communication
//! rules) and the timelines that find a conversation's messages and a person's recent
//! sendings.
//!
//! Conversations and messages are replicated: central holds those with families (issue 8).
//! Nothing here is ever deleted in place; a withdrawn message would be a flagged record.

use crate::documents::record;
use crate::record::Record;
use crate::{Reader, StoreError, Tables, Timeline, Writer};
use preau_core::{
    Conversation, ConversationId, Inbox, Message, MessageReport, MessagingRules, UserId,
};
use redb::TableDefinition;

/// Conversation → its messages by sending time.
const BY_CONVERSATION: Timeline = TableDefinition::new("messages_by_conversation");
/// Author → their messages by sending time (rate limits).
const BY_AUTHOR: Timeline = TableDefinition::new("messages_by_author");

record!(Conversation, "conversations", "conversation", indexed: false, replicated: true, |c| c.id.0);
record!(Message, "messages", "message", indexed: false, replicated: true, |m| m.id.0);
record!(Inbox, "inboxes", "inbox", indexed: false, |i| i.user.0);
record!(MessageReport, "message_reports", "message_report", indexed: false, |r| r.id.0);
record!(MessagingRules, "messaging_rules", "messaging_rules", indexed: false, replicated: true, |_r| 0);

/// The school's communication rules (the defaults until the headteacher changes them).
pub fn rules(t: &impl Tables) -> Result<MessagingRules, StoreError> {
    Ok(t.get(0)?.unwrap_or_default())
}

/// A person's inbox (empty if they never had a conversation).
pub fn inbox(t: &impl Tables, user: UserId) -> Result<Inbox, StoreError> {
    Ok(t.get(user.0)?.unwrap_or(Inbox {
        user,
        read: Vec::new(),
    }))
}

/// Saves a message, filing it under its conversation and its author.
pub fn save_message(w: &mut Writer, message: &Message) -> Result<(), StoreError> {
    w.timeline_add(
        BY_CONVERSATION,
        message.conversation.0,
        message.sent,
        message.id.0,
    )?;
    w.timeline_add(BY_AUTHOR, message.author.0, message.sent, message.id.0)?;
    w.put(message)
}

/// A conversation's messages, oldest first.
pub fn messages_of(t: &impl Tables, id: ConversationId) -> Result<Vec<Message>, StoreError> {
    let mut out = Vec::new();
    for key in t.timeline(BY_CONVERSATION, id.0, i64::MIN, i64::MAX)? {
        out.extend(t.get::<Message>(key)?);
    }
    Ok(out)
}

/// When an author's messages since `from` were sent.
pub fn sent_since(t: &impl Tables, author: UserId, from: i64) -> Result<Vec<i64>, StoreError> {
    let mut out = Vec::new();
    for key in t.timeline(BY_AUTHOR, author.0, from, i64::MAX)? {
        if let Some(message) = t.get::<Message>(key)? {
            out.push(message.sent);
        }
    }
    Ok(out)
}

/// Every report, newest first.
pub fn reports(r: &Reader) -> Result<Vec<MessageReport>, StoreError> {
    let mut all = r.all::<MessageReport>()?;
    all.sort_by_key(|r| std::cmp::Reverse(r.at));
    Ok(all)
}
