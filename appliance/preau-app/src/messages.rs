//! Messages: conversations between people of the school, under the communication rules the
//! headteacher adjusts (`preau_core::messaging`), with attachments frozen at sending, read
//! status, rate limits, reports to the headteacher and the emergency restriction.
//!
//! A message to several people becomes one conversation when every pair of them may write
//! to each other (colleagues), and otherwise one conversation per recipient, so that
//! families never read each other's replies.

use crate::documents::Received;
use crate::{App, AppError, Problem, media, rich_text};
use preau_core::messaging::{self, Refusal};
use preau_core::{
    Action, ClassId, Conversation, ConversationId, HandedFile, Inbox, Message, MessageId,
    MessageReport, MessagingRules, NodeId, ReportId, Subject, User, UserId,
};
use preau_store::messages as db;
use preau_store::schema::random_u64;
use preau_store::{StoreError, Writer};

/// Longest subject, in characters.
const MAX_SUBJECT: usize = 200;
/// Longest report reason, in characters.
const MAX_REASON: usize = 1_000;
/// Most recipients of one message (a class's families and a few more).
const MAX_RECIPIENTS: usize = 60;

/// What someone writes to start conversations.
#[derive(Clone, Debug, Default)]
pub struct NewMessage {
    /// To whom.
    pub to: Vec<UserId>,
    /// About what.
    pub subject: String,
    /// The text (plain text or HTML, sanitised).
    pub body: String,
}

/// A conversation as a list shows it.
#[derive(Clone, Debug)]
pub struct ConversationSummary {
    /// The conversation.
    pub conversation: Conversation,
    /// The other participants' names.
    pub with: Vec<String>,
    /// Messages not read yet.
    pub unread: usize,
}

impl App {
    /// The school's communication rules.
    pub fn messaging_rules(&self) -> Result<MessagingRules, AppError> {
        Ok(db::rules(&self.store.read()?)?)
    }

    /// Saves the communication rules (headteacher). The emergency restriction takes effect at
    /// once: every sending checks the rules of its own write transaction.
    pub fn save_messaging_rules(
        &self,
        me: &Subject,
        rules: &MessagingRules,
    ) -> Result<(), AppError> {
        if !self.directory().can_on_school(me, Action::ModerateMessages) {
            return Err(AppError::Forbidden);
        }
        self.store.write(|w| {
            w.put(rules)?;
            self.audit(
                w,
                Some(me),
                if rules.emergency {
                    "messaging emergency on"
                } else {
                    "messaging rules"
                },
                String::new(),
            )
        })?;
        Ok(())
    }

    /// Switches the emergency restriction on or off (headteacher), leaving the other rules
    /// as they are. It takes effect at once, like [`App::save_messaging_rules`].
    pub fn set_messaging_emergency(&self, me: &Subject, on: bool) -> Result<(), AppError> {
        if !self.directory().can_on_school(me, Action::ModerateMessages) {
            return Err(AppError::Forbidden);
        }
        self.store.write(|w| {
            let mut rules = db::rules(w)?;
            rules.emergency = on;
            w.put(&rules)?;
            self.audit(
                w,
                Some(me),
                if on {
                    "messaging emergency on"
                } else {
                    "messaging emergency off"
                },
                String::new(),
            )
        })?;
        Ok(())
    }

    /// The classes whose pupils-writing-to-classmates setting `me` may switch (the classes a
    /// teacher speaks for — `PostLiaison` on the class — or every class for the headteacher),
    /// with the setting.
    pub fn classmates_settings(
        &self,
        me: &Subject,
    ) -> Result<Vec<(ClassId, String, bool)>, AppError> {
        let rules = self.messaging_rules()?;
        let dir = self.directory();
        Ok(dir
            .current_classes()
            .into_iter()
            .filter(|c| dir.can_on_class(me, Action::PostLiaison, c.id))
            .map(|c| (c.id, c.name.clone(), rules.classmates.contains(&c.id)))
            .collect())
    }

    /// Lets the pupils of a class write to each other, or stops it (its teacher or the
    /// headteacher). Takes effect at once.
    pub fn allow_classmates(
        &self,
        me: &Subject,
        class: ClassId,
        allowed: bool,
    ) -> Result<(), AppError> {
        if !self
            .directory()
            .can_on_class(me, Action::PostLiaison, class)
        {
            return Err(AppError::Forbidden);
        }
        self.store.write(|w| {
            let mut rules = db::rules(w)?;
            rules.classmates.retain(|c| *c != class);
            if allowed {
                rules.classmates.push(class);
            }
            w.put(&rules)?;
            self.audit(
                w,
                Some(me),
                if allowed {
                    "classmates allowed"
                } else {
                    "classmates stopped"
                },
                class.to_string(),
            )
        })?;
        Ok(())
    }

    /// The people one may write to now, by name.
    pub fn message_recipients(&self, me: &Subject) -> Result<Vec<User>, AppError> {
        let rules = self.messaging_rules()?;
        let dir = self.directory();
        let mut people: Vec<User> = dir
            .users()
            .into_iter()
            .filter(|u| !u.archived)
            .filter(|u| messaging::may_write(me, &dir.subject(u), &rules).is_ok())
            .cloned()
            .collect();
        people.sort_by_key(|u| (u.last_name.to_lowercase(), u.first_name.to_lowercase()));
        Ok(people)
    }

    /// Refuses unless `me` may write to every one of `to` under the rules now in force.
    fn check_may_write(
        &self,
        w: &Writer,
        me: &Subject,
        to: &[UserId],
    ) -> Result<MessagingRules, AppError> {
        let rules = db::rules(w)?;
        let dir = self.directory();
        for id in to {
            let user = dir
                .user(*id)
                .filter(|u| !u.archived)
                .ok_or(AppError::Invalid(Problem::UnknownPerson))?;
            match messaging::may_write(me, &dir.subject(user), &rules) {
                Ok(()) => {}
                Err(Refusal::Emergency) => {
                    return Err(AppError::Invalid(Problem::MessagingEmergency));
                }
                Err(_) => {
                    return Err(AppError::Invalid(Problem::MayNotWrite(user.full_name())));
                }
            }
        }
        // One sending to several people writes one message per conversation at the same
        // instant: it counts once.
        let mut recent = db::sent_since(w, me.user, self.now() - 24 * 3600)?;
        recent.sort_unstable();
        recent.dedup();
        if !messaging::within_rate(me.role, &recent, self.now()) {
            return Err(AppError::Invalid(Problem::TooManyMessages));
        }
        Ok(rules)
    }

    /// Sends a new message: one conversation for colleagues who may all write to each other,
    /// otherwise one per recipient. Returns the conversations started.
    pub fn send_message(
        &self,
        me: &Subject,
        message: &NewMessage,
        uploads: &[(String, Received)],
        from_spaces: &[NodeId],
    ) -> Result<Vec<Conversation>, AppError> {
        let mut to = message.to.clone();
        to.sort();
        to.dedup();
        to.retain(|id| *id != me.user);
        if to.is_empty() {
            return Err(AppError::Invalid(Problem::Missing("destinataires")));
        }
        if to.len() > MAX_RECIPIENTS {
            return Err(AppError::Invalid(Problem::TooLong("destinataires")));
        }
        let subject = message.subject.trim().to_owned();
        if subject.is_empty() {
            return Err(AppError::Invalid(Problem::Missing("objet")));
        }
        if subject.chars().count() > MAX_SUBJECT {
            return Err(AppError::Invalid(Problem::TooLong("objet")));
        }
        let body_html = body(&message.body)?;
        let attachments = self.attachments(me, uploads, from_spaces)?;
        let dir = self.directory();
        let school = dir.uai().to_owned();
        let group = to.iter().all(|a| {
            to.iter().all(|b| {
                a == b
                    || match (dir.user(*a), dir.user(*b)) {
                        (Some(a), Some(b)) => {
                            messaging::channel(&dir.subject(a), &dir.subject(b)).is_some()
                        }
                        _ => false,
                    }
            })
        });
        let sides: Vec<Vec<UserId>> = if group {
            vec![to.clone()]
        } else {
            to.iter().map(|id| vec![*id]).collect()
        };
        let now = self.now();
        self.store.write(|w| {
            self.check_may_write(w, me, &to)?;
            let mut started = Vec::new();
            for others in sides {
                let mut participants = vec![me.user];
                participants.extend(others);
                let conversation = Conversation {
                    id: ConversationId(random_u64()),
                    school: school.clone(),
                    subject: subject.clone(),
                    started_by: me.user,
                    participants,
                    created: now,
                    updated: now,
                };
                w.put(&conversation)?;
                post(w, &conversation, me.user, &body_html, &attachments, now)?;
                started.push(conversation);
            }
            Ok::<_, AppError>(started)
        })
    }

    fn attachments(
        &self,
        me: &Subject,
        uploads: &[(String, Received)],
        from_spaces: &[NodeId],
    ) -> Result<Vec<HandedFile>, AppError> {
        if uploads.is_empty() && from_spaces.is_empty() {
            Ok(Vec::new())
        } else {
            self.frozen_files(me, uploads, from_spaces)
        }
    }

    /// Replies in a conversation: only its participants, and only while the rules let the
    /// sender write to every other participant.
    pub fn reply(
        &self,
        me: &Subject,
        id: ConversationId,
        text: &str,
        uploads: &[(String, Received)],
        from_spaces: &[NodeId],
    ) -> Result<Message, AppError> {
        let body_html = body(text)?;
        let attachments = self.attachments(me, uploads, from_spaces)?;
        let now = self.now();
        self.store.write(|w| {
            let mut conversation = self.participating(w, me, id)?;
            let others: Vec<UserId> = conversation
                .participants
                .iter()
                .copied()
                .filter(|p| *p != me.user)
                .collect();
            self.check_may_write(w, me, &others)?;
            // Strictly after the last message, so that read marks (times) never swallow a
            // reply sent within the same second, and the order of messages is kept.
            let sent = now.max(conversation.updated + 1);
            conversation.updated = sent;
            w.put(&conversation)?;
            post(w, &conversation, me.user, &body_html, &attachments, sent)
        })
    }

    fn participating(
        &self,
        t: &impl preau_store::Tables,
        me: &Subject,
        id: ConversationId,
    ) -> Result<Conversation, AppError> {
        t.get::<Conversation>(id.0)?
            .filter(|c| c.participants.contains(&me.user))
            .ok_or(AppError::NotFound)
    }

    /// One's conversations, most recent first, with what is unread.
    pub fn conversations(&self, me: &Subject) -> Result<Vec<ConversationSummary>, AppError> {
        let read = self.store.read()?;
        let inbox = db::inbox(&read, me.user)?;
        let dir = self.directory();
        let mut out = Vec::new();
        for (id, seen) in &inbox.read {
            let Some(conversation) = read.get::<Conversation>(id.0)? else {
                continue;
            };
            let unread = db::messages_of(&read, *id)?
                .iter()
                .filter(|m| m.sent > *seen && m.author != me.user)
                .count();
            out.push(ConversationSummary {
                with: conversation
                    .participants
                    .iter()
                    .filter(|p| **p != me.user)
                    .filter_map(|p| dir.user(*p).map(User::full_name))
                    .collect(),
                conversation,
                unread,
            });
        }
        out.sort_by_key(|c| std::cmp::Reverse(c.conversation.updated));
        Ok(out)
    }

    /// How many messages wait unread (for the portal's badge).
    pub fn unread_messages(&self, me: &Subject) -> Result<usize, AppError> {
        Ok(self.conversations(me)?.iter().map(|c| c.unread).sum())
    }

    /// A conversation and its messages, oldest first; marks them read.
    pub fn open_conversation(
        &self,
        me: &Subject,
        id: ConversationId,
    ) -> Result<(Conversation, Vec<Message>), AppError> {
        let read = self.store.read()?;
        let conversation = self.participating(&read, me, id)?;
        let messages = db::messages_of(&read, id)?;
        let last = messages.iter().map(|m| m.sent).max().unwrap_or(0);
        drop(read);
        self.store.write(|w| mark_read(w, me.user, id, last))?;
        Ok((conversation, messages))
    }

    /// Reports a message of one's conversation to the headteacher.
    pub fn report_message(
        &self,
        me: &Subject,
        id: MessageId,
        reason: &str,
    ) -> Result<MessageReport, AppError> {
        let reason = reason.trim();
        if reason.chars().count() > MAX_REASON {
            return Err(AppError::Invalid(Problem::TooLong("raison")));
        }
        let now = self.now();
        self.store.write(|w| {
            let message = w.get::<Message>(id.0)?.ok_or(AppError::NotFound)?;
            self.participating(w, me, message.conversation)?;
            let report = MessageReport {
                id: ReportId(random_u64()),
                message: id,
                conversation: message.conversation,
                by: me.user,
                reason: reason.to_owned(),
                at: now,
                handled: false,
            };
            w.put(&report)?;
            self.audit(w, Some(me), "report message", id.to_string())?;
            Ok::<_, AppError>(report)
        })
    }

    /// A file attached to a message of one's conversation, as it was when sent.
    pub fn open_message_attachment(
        &self,
        me: &Subject,
        id: MessageId,
        index: usize,
    ) -> Result<(HandedFile, std::fs::File), AppError> {
        let read = self.store.read()?;
        let message = read.get::<Message>(id.0)?.ok_or(AppError::NotFound)?;
        self.participating(&read, me, message.conversation)?;
        let file = message
            .attachments
            .get(index)
            .cloned()
            .ok_or(AppError::NotFound)?;
        let content = self
            .blobs
            .open_blob(&file.revision.blob)
            .map_err(|e| AppError::Disk(e.to_string()))?;
        Ok((file, content))
    }

    /// A picture attached to a message of one's conversation, decoded and encoded again
    /// (the bytes and their media type), through the same path as documents' pictures.
    /// Files that are not pictures are not found here.
    pub fn message_picture(
        &self,
        me: &Subject,
        id: MessageId,
        index: usize,
    ) -> Result<(Vec<u8>, &'static str), AppError> {
        let (file, content) = self.open_message_attachment(me, id, index)?;
        if !is_picture(&file) {
            return Err(AppError::NotFound);
        }
        self.derived
            .get_or_make(&file.revision.blob, "preview", || {
                media::reencode_image(std::io::BufReader::new(content), media::MAX_PIXELS)
            })
            .map_err(crate::previews::media_error)
    }

    /// The reports, newest first, with the messages reported (headteacher).
    pub fn message_reports(
        &self,
        me: &Subject,
    ) -> Result<Vec<(MessageReport, Option<Message>)>, AppError> {
        if !self.directory().can_on_school(me, Action::ModerateMessages) {
            return Err(AppError::Forbidden);
        }
        let read = self.store.read()?;
        let mut out = Vec::new();
        for report in db::reports(&read)? {
            let message = read.get::<Message>(report.message.0)?;
            out.push((report, message));
        }
        Ok(out)
    }
}

/// Whether an attached file is a picture shown in the conversation (re-encoded); other
/// files are downloaded.
pub fn is_picture(file: &HandedFile) -> bool {
    media::inline_kind(&file.revision.mime) == Some(media::Inline::Image)
}

fn body(text: &str) -> Result<String, AppError> {
    let html = rich_text::to_html(text);
    if rich_text::to_plain(&html).trim().is_empty() {
        return Err(AppError::Invalid(Problem::Missing("message")));
    }
    Ok(html)
}

/// Writes a message and files the conversation in every participant's inbox (read up to now
/// for its author).
fn post(
    w: &mut Writer,
    conversation: &Conversation,
    author: UserId,
    body_html: &str,
    attachments: &[HandedFile],
    now: i64,
) -> Result<Message, AppError> {
    let message = Message {
        id: MessageId(random_u64()),
        conversation: conversation.id,
        author,
        body_html: body_html.to_owned(),
        attachments: attachments.to_vec(),
        sent: now,
    };
    db::save_message(w, &message)?;
    for person in &conversation.participants {
        let mut inbox: Inbox = db::inbox(w, *person)?;
        if !inbox.read.iter().any(|(c, _)| *c == conversation.id) {
            inbox.read.push((conversation.id, 0));
        }
        w.put(&inbox)?;
    }
    mark_read(w, author, conversation.id, now)?;
    Ok(message)
}

fn mark_read(
    w: &mut Writer,
    user: UserId,
    id: ConversationId,
    upto: i64,
) -> Result<(), StoreError> {
    let mut inbox = db::inbox(w, user)?;
    match inbox.read.iter_mut().find(|(c, _)| *c == id) {
        Some((_, seen)) => *seen = (*seen).max(upto),
        None => inbox.read.push((id, upto)),
    }
    w.put(&inbox)
}
