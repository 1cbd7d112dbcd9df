//! Message use cases on a real store with a clock the test sets: who may write to whom (a
//! pupil, a parent), a teacher's message to three families making three private
//! conversations, the emergency switch taking effect at once, the sending rate, reports that
//! reach the headteacher alone, unread counts and read marks, attachments frozen and served
//! only to participants (pictures re-encoded), and an XSS corpus stored harmless.

mod support;

use jiff::civil::date;
use preau_app::messages::NewMessage;
use preau_app::{AppError, Problem};
use preau_core::{Conversation, MessagingRules, Role, SpaceOwner, Subject, UserId};
use std::io::Read;
use support::{School, hidden, paris_at, refused};

/// The small demo school on Monday 30 November 2026 at 10:00 in Paris.
fn world() -> School {
    School::at(paris_at(date(2026, 11, 30), 10, 0))
}

/// What only the message tests need.
impl School {
    /// One guardian of each of `n` families whose children are all in class `i` (so that
    /// the other class's teachers are strangers to them).
    fn parents_only_in(&self, i: usize, n: usize) -> Vec<Subject> {
        let dir = self.app.directory();
        let mut seen: Vec<UserId> = Vec::new();
        let mut out = Vec::new();
        for pupil in self.pupils(i) {
            let guardians = dir.user(pupil).expect("pupil").guardians.clone();
            if guardians.iter().any(|g| seen.contains(g)) {
                continue;
            }
            seen.extend(&guardians);
            let parent = self.subject(guardians[0]);
            if parent.classes == vec![self.class(i)] {
                out.push(parent);
            }
            if out.len() == n {
                break;
            }
        }
        assert_eq!(out.len(), n, "enough families in the class");
        out
    }

    fn send(
        &self,
        from: &Subject,
        to: &[UserId],
        text: &str,
    ) -> Result<Vec<Conversation>, AppError> {
        self.app.send_message(
            from,
            &NewMessage {
                to: to.to_vec(),
                subject: "Un mot".into(),
                body: text.into(),
            },
            &[],
            &[],
        )
    }
}

#[test]
fn a_pupil_writes_only_to_their_teachers_and_to_classmates_when_the_class_allows_it() {
    let w = world();
    let cp = w.pupils(0);
    let pupil = w.subject(cp[0]);
    let own_parent = w.app.directory().user(cp[0]).expect("pupil").guardians[0];
    let cm2_teacher = w.school.teachers[1].user.id;

    // Another class's teacher, a parent (even their own), a classmate: refused, saying who.
    for (to, why) in [
        (cm2_teacher, "another class's teacher"),
        (own_parent, "a parent"),
        (cp[1], "a classmate"),
    ] {
        assert_eq!(
            refused(w.send(&pupil, &[to], "Bonjour")),
            Problem::MayNotWrite(w.name_of(to)),
            "{why}"
        );
    }
    let recipients: Vec<UserId> = w
        .app
        .message_recipients(&pupil)
        .expect("recipients")
        .iter()
        .map(|u| u.id)
        .collect();
    assert!(recipients.contains(&w.school.teachers[0].user.id));
    assert!(!recipients.contains(&cm2_teacher));
    assert!(!recipients.contains(&own_parent));
    assert!(!recipients.contains(&cp[1]));

    // Their own teacher: yes.
    w.send(
        &pupil,
        &[w.school.teachers[0].user.id],
        "J'ai oublié mon cahier.",
    )
    .expect("to their teacher");

    // The headteacher lets the CP's pupils write to each other: a classmate, yes; a pupil of
    // the CM2, still no.
    let rules = MessagingRules {
        classmates: vec![w.class(0)],
        ..MessagingRules::default()
    };
    assert!(matches!(
        w.app.save_messaging_rules(&w.teacher(0), &rules),
        Err(AppError::Forbidden)
    ));
    w.app
        .save_messaging_rules(&w.head(), &rules)
        .expect("rules saved");
    w.send(&pupil, &[cp[1]], "On joue à la récré ?")
        .expect("to a classmate");
    let cm2_pupil = w.pupils(1)[0];
    assert_eq!(
        refused(w.send(&pupil, &[cm2_pupil], "Bonjour")),
        Problem::MayNotWrite(w.name_of(cm2_pupil))
    );
}

#[test]
fn a_parent_writes_to_their_childs_teachers_and_never_sees_another_familys_conversation() {
    let w = world();
    let [parent, neighbour] = <[Subject; 2]>::try_from(w.parents_only_in(0, 2)).expect("two");
    let cm2_teacher = w.school.teachers[1].user.id;

    assert_eq!(
        refused(w.send(&parent, &[cm2_teacher], "Bonjour")),
        Problem::MayNotWrite(w.name_of(cm2_teacher)),
        "another family's teacher"
    );
    assert_eq!(
        refused(w.send(&parent, &[neighbour.user], "Bonjour")),
        Problem::MayNotWrite(w.name_of(neighbour.user)),
        "another parent"
    );
    let to_teacher = w
        .send(&parent, &[w.school.teachers[0].user.id], "Bonjour")
        .expect("to the child's teacher")[0]
        .clone();
    w.send(&parent, &[w.head().user], "Bonjour")
        .expect("to the headteacher");

    // The other family knows nothing of it.
    hidden(w.app.open_conversation(&neighbour, to_teacher.id));
    hidden(
        w.app
            .reply(&neighbour, to_teacher.id, "Moi aussi", &[], &[]),
    );
    let (_, messages) = w
        .app
        .open_conversation(&parent, to_teacher.id)
        .expect("own conversation");
    hidden(w.app.report_message(&neighbour, messages[0].id, "?"));
    hidden(w.app.open_message_attachment(&neighbour, messages[0].id, 0));
    assert!(w.app.conversations(&neighbour).expect("list").is_empty());
    // Nor does the CM2's teacher.
    hidden(w.app.open_conversation(&w.teacher(1), to_teacher.id));
}

#[test]
fn a_teachers_message_to_three_parents_makes_three_private_conversations() {
    let w = world();
    let teacher = w.teacher(0);
    let mut parents = w.parents_only_in(0, 3);
    // Conversations come back in the order of the recipients' ids.
    parents.sort_by_key(|p| p.user);
    let ids: Vec<UserId> = parents.iter().map(|p| p.user).collect();
    let started = w
        .send(&teacher, &ids, "La sortie au musée aura lieu jeudi.")
        .expect("sent");
    assert_eq!(started.len(), 3, "one conversation per family");
    for (conversation, parent) in started.iter().zip(&ids) {
        assert_eq!(conversation.participants, vec![teacher.user, *parent]);
    }
    for parent in &parents {
        assert_eq!(w.app.unread_messages(parent).expect("unread"), 1);
    }

    // The first family replies: only the teacher reads it.
    w.tick(60);
    let first = &started[0];
    w.app
        .reply(&parents[0], first.id, "Merci, c'est noté !", &[], &[])
        .expect("reply");
    assert_eq!(w.app.unread_messages(&teacher).expect("unread"), 1);
    let (_, messages) = w
        .app
        .open_conversation(&teacher, first.id)
        .expect("teacher reads");
    assert_eq!(messages.len(), 2);
    for (parent, conversation) in parents.iter().zip(&started).skip(1) {
        hidden(w.app.open_conversation(parent, first.id));
        let (_, theirs) = w
            .app
            .open_conversation(parent, conversation.id)
            .expect("their own");
        assert_eq!(theirs.len(), 1, "no reply of another family");
        assert!(!theirs[0].body_html.contains("noté"));
    }

    // Colleagues together share one conversation.
    let colleagues = [w.school.teachers[1].user.id, w.head().user];
    let staff_room = w
        .send(&teacher, &colleagues, "Réunion à 17 h.")
        .expect("to colleagues");
    assert_eq!(staff_room.len(), 1);
    assert_eq!(staff_room[0].participants.len(), 3);
}

#[test]
fn the_emergency_switch_takes_effect_at_once_and_staff_keep_sending() {
    let w = world();
    let teacher = w.teacher(0);
    let parent = w.parents_only_in(0, 1).remove(0);
    let pupil = w.subject(w.pupils(0)[0]);
    let conversation = w.send(&teacher, &[parent.user], "Bonjour").expect("sent")[0].clone();

    assert!(matches!(
        w.app.set_messaging_emergency(&teacher, true),
        Err(AppError::Forbidden)
    ));
    w.app
        .set_messaging_emergency(&w.head(), true)
        .expect("restricted");
    assert!(w.app.messaging_rules().expect("rules").emergency);

    // Right after the switch: the parent's reply and the pupil's message are refused.
    assert_eq!(
        refused(w.app.reply(&parent, conversation.id, "Bien reçu", &[], &[])),
        Problem::MessagingEmergency
    );
    assert_eq!(
        refused(w.send(&pupil, &[teacher.user], "Bonjour")),
        Problem::MessagingEmergency
    );
    // Staff keep sending: the teacher, a colleague, the headteacher.
    w.app
        .reply(&teacher, conversation.id, "Une précision…", &[], &[])
        .expect("the teacher still writes");
    w.send(&w.teacher(1), &[teacher.user], "Tout va bien ?")
        .expect("colleagues still write");
    w.send(&w.head(), &[parent.user], "Information de la direction")
        .expect("the headteacher still writes");
    // Reading is not restricted.
    w.app
        .open_conversation(&parent, conversation.id)
        .expect("the parent still reads");

    // Lifted: the parent's reply goes through at once.
    w.app
        .set_messaging_emergency(&w.head(), false)
        .expect("lifted");
    w.app
        .reply(&parent, conversation.id, "Bien reçu", &[], &[])
        .expect("reply after lifting");
}

#[test]
fn a_teacher_lets_her_own_class_write_to_each_other_and_no_other() {
    let w = world();
    let cp = w.pupils(0);
    let pupil = w.subject(cp[0]);
    let teacher = w.teacher(0);
    assert!(matches!(
        w.app.allow_classmates(&w.teacher(1), w.class(0), true),
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        w.app.allow_classmates(&pupil, w.class(0), true),
        Err(AppError::Forbidden)
    ));
    let settings = w.app.classmates_settings(&teacher).expect("settings");
    assert_eq!(settings.len(), 1, "only her own class: {settings:?}");
    assert_eq!((settings[0].0, settings[0].2), (w.class(0), false));

    w.app
        .allow_classmates(&teacher, w.class(0), true)
        .expect("her class");
    w.send(&pupil, &[cp[1]], "On joue à la récré ?")
        .expect("classmates allowed");
    w.app
        .allow_classmates(&teacher, w.class(0), false)
        .expect("her class");
    assert_eq!(
        refused(w.send(&pupil, &[cp[1]], "Et demain ?")),
        Problem::MayNotWrite(w.name_of(cp[1])),
        "stopped at once"
    );
}

#[test]
fn a_pupils_sixth_message_in_a_minute_is_refused() {
    let w = world();
    let pupil = w.subject(w.pupils(0)[0]);
    let teacher = w.school.teachers[0].user.id;
    for n in 0..5 {
        w.send(&pupil, &[teacher], &format!("Message {n}"))
            .expect("within the rate");
        w.tick(5);
    }
    assert_eq!(
        refused(w.send(&pupil, &[teacher], "Encore un")),
        Problem::TooManyMessages
    );
    // A minute later: again.
    w.tick(60);
    w.send(&pupil, &[teacher], "Encore un")
        .expect("a minute later");
}

#[test]
fn one_message_to_many_families_counts_once_against_the_rate() {
    let w = world();
    let teacher = w.teacher(0);
    let parents: Vec<UserId> = w
        .app
        .message_recipients(&teacher)
        .expect("recipients")
        .into_iter()
        .filter(|u| u.role == Role::Parent)
        .map(|u| u.id)
        .collect();
    assert!(parents.len() > 1, "the class has several families");
    let sent = w.send(&teacher, &parents, "Sortie au musée").expect("sent");
    assert_eq!(sent.len(), parents.len(), "one conversation per family");
    // The teacher's limit is 30 sendings a minute: the message to every family was one.
    let first = parents[0];
    for n in 1..30 {
        w.tick(1);
        w.send(&teacher, &[first], &format!("Précision {n}"))
            .expect("within the rate");
    }
    w.tick(1);
    assert_eq!(
        refused(w.send(&teacher, &[first], "Une de trop")),
        Problem::TooManyMessages
    );
}

#[test]
fn a_report_reaches_the_headteacher_and_nobody_else() {
    let w = world();
    let teacher = w.teacher(0);
    let parent = w.parents_only_in(0, 1).remove(0);
    let conversation = w
        .send(&teacher, &[parent.user], "Un message désagréable")
        .expect("sent")[0]
        .clone();
    let (_, messages) = w
        .app
        .open_conversation(&parent, conversation.id)
        .expect("read");
    let report = w
        .app
        .report_message(&parent, messages[0].id, "  Ce ton n'est pas correct.  ")
        .expect("reported");
    assert_eq!(report.reason, "Ce ton n'est pas correct.");

    let reports = w
        .app
        .message_reports(&w.head())
        .expect("head reads reports");
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].0.by, parent.user);
    assert_eq!(reports[0].1.as_ref().map(|m| m.id), Some(messages[0].id));
    for other in [teacher, parent, w.teacher(1), w.subject(w.pupils(0)[0])] {
        assert!(
            matches!(w.app.message_reports(&other), Err(AppError::Forbidden)),
            "{:?} reads no report",
            other.role
        );
    }
}

#[test]
fn unread_counts_follow_what_was_read() {
    let w = world();
    let teacher = w.teacher(0);
    let parent = w.parents_only_in(0, 1).remove(0);
    let conversation = w.send(&teacher, &[parent.user], "Premier").expect("sent")[0].clone();
    assert_eq!(w.app.unread_messages(&parent).expect("unread"), 1);
    assert_eq!(
        w.app.unread_messages(&teacher).expect("unread"),
        0,
        "own message"
    );
    let list = w.app.conversations(&parent).expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].unread, 1);
    assert_eq!(list[0].with, vec![w.name_of(teacher.user)]);

    w.app
        .open_conversation(&parent, conversation.id)
        .expect("read");
    assert_eq!(w.app.unread_messages(&parent).expect("unread"), 0);

    // Two more in the same second as the first: both count, in order.
    w.app
        .reply(&teacher, conversation.id, "Deuxième", &[], &[])
        .expect("reply");
    w.app
        .reply(&teacher, conversation.id, "Troisième", &[], &[])
        .expect("reply");
    assert_eq!(w.app.unread_messages(&parent).expect("unread"), 2);
    let (_, messages) = w
        .app
        .open_conversation(&parent, conversation.id)
        .expect("read");
    let texts: Vec<String> = messages
        .iter()
        .map(|m| preau_app::rich_text::to_plain(&m.body_html))
        .collect();
    assert_eq!(texts, ["Premier", "Deuxième", "Troisième"]);
    assert_eq!(w.app.unread_messages(&parent).expect("unread"), 0);

    // The most recent conversation comes first.
    w.tick(60);
    let later = w
        .send(&w.head(), &[parent.user], "Direction")
        .expect("sent")[0]
        .clone();
    let list = w.app.conversations(&parent).expect("list");
    assert_eq!(list[0].conversation.id, later.id);
    assert_eq!((list[0].unread, list[1].unread), (1, 0));
}

#[test]
fn attachments_are_frozen_and_served_only_to_participants() {
    let w = world();
    let teacher = w.teacher(0);
    let parent = w.parents_only_in(0, 1).remove(0);
    let note = w.own_file(&teacher, "Liste.txt", "crayons, cahier");
    let upload = w.received("Emploi du temps.txt", b"lundi: lecture");
    let conversation = w
        .app
        .send_message(
            &teacher,
            &NewMessage {
                to: vec![parent.user],
                subject: "Fournitures".into(),
                body: "Voici la liste.".into(),
            },
            &[upload],
            &[note],
        )
        .expect("sent")[0]
        .clone();
    // The file changes afterwards: the message keeps what was sent.
    let space = w
        .app
        .ensure_space(SpaceOwner::Personal(teacher.user))
        .expect("space");
    let (_, changed) = w.received("Liste.txt", b"tout autre chose");
    w.app
        .save_file(&teacher, space.root, "Liste.txt", &changed)
        .expect("new version");

    let (_, messages) = w
        .app
        .open_conversation(&parent, conversation.id)
        .expect("read");
    let id = messages[0].id;
    let mut names = Vec::new();
    for n in 0..2 {
        let (file, mut content) = w
            .app
            .open_message_attachment(&parent, id, n)
            .expect("attachment");
        let mut text = String::new();
        content.read_to_string(&mut text).expect("read");
        names.push((file.name, text));
    }
    assert_eq!(
        names,
        [
            (
                "Emploi du temps.txt".to_string(),
                "lundi: lecture".to_string()
            ),
            ("Liste.txt".to_string(), "crayons, cahier".to_string()),
        ]
    );
    hidden(w.app.open_message_attachment(&parent, id, 2));
    // Not a picture: no re-encoded form of it.
    hidden(w.app.message_picture(&parent, id, 0));
    // Nobody else.
    let stranger = w.parents_only_in(0, 2).remove(1);
    hidden(w.app.open_message_attachment(&stranger, id, 0));
    hidden(w.app.open_message_attachment(&w.head(), id, 0));
    // A file of someone else's space cannot be attached.
    assert!(
        w.app
            .send_message(
                &parent,
                &NewMessage {
                    to: vec![teacher.user],
                    subject: "Re".into(),
                    body: "Merci".into(),
                },
                &[],
                &[note],
            )
            .is_err()
    );
}

#[test]
fn an_xss_corpus_is_stored_harmless() {
    let w = world();
    let teacher = w.teacher(0);
    let parent = w.parents_only_in(0, 1).remove(0);
    let corpus = [
        "<script>alert(1)</script>Bonjour",
        "<img src=x onerror=alert(1)>Bonjour",
        "<p onclick=\"alert(1)\">Bonjour</p>",
        "<a href=\"javascript:alert(1)\">Bonjour</a>",
        "<a href=\"jav&#x09;ascript:alert(1)\">Bonjour</a>",
        "<svg onload=alert(1)><p>Bonjour</p></svg>",
        "<iframe src=\"https://evil.example\"></iframe><p>Bonjour</p>",
        "<p style=\"background:url(javascript:alert(1))\">Bonjour</p>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>Bonjour",
        "<form action=\"https://evil.example\"><button>Bonjour</button></form>",
        "<base href=\"https://evil.example/\"><p>Bonjour</p>",
        "<object data=\"data:text/html,<script>alert(1)</script>\"></object>Bonjour",
        "Bonjour <scr<script>ipt>alert(1)</script>",
        "\"><script>alert(1)</script> Bonjour",
    ];
    let conversation = w.send(&teacher, &[parent.user], "Bonjour").expect("sent")[0].clone();
    for (n, payload) in corpus.iter().enumerate() {
        w.tick(3);
        let message = w
            .app
            .reply(&teacher, conversation.id, payload, &[], &[])
            .unwrap_or_else(|e| panic!("payload {n} refused: {e:?}"));
        let html = message.body_html.to_lowercase();
        for bad in [
            "<script",
            "onerror",
            "onclick",
            "onload",
            "javascript:",
            "<iframe",
            "<svg",
            "<img",
            "style=",
            "<form",
            "<base",
            "<object",
            "<math",
        ] {
            assert!(!html.contains(bad), "payload {n} kept {bad}: {html}");
        }
        assert!(
            html.contains("bonjour"),
            "payload {n} lost its text: {html}"
        );
    }
}
