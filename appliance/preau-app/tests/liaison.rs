//! Carnet de liaison use cases on a real store with a clock the test sets: the access table
//! (another family, a child not one's own, a pupil's own carnet, a teacher of another
//! class), the acknowledgement flow (one signature per child by any guardian, one reply),
//! reminders (only families still to sign, once a day), consent answers per child that
//! change until the deadline, groups and single pupils as audiences, an XSS corpus, the
//! change feed and the demo.

mod support;

use jiff::civil::{Date, date};
use preau_app::Problem;
use preau_app::accounts::GroupForm;
use preau_app::liaison::WordForm;
use preau_core::{LiaisonAudience, Role, UserId, Word};
use support::{School, forbidden, hidden, paris_at, refused};

/// The small demo school on Monday 30 November 2026, 8:00.
fn world() -> School {
    School::monday_morning()
}

/// What only the carnet de liaison tests need.
impl School {
    /// The `n`-th pupil of class `i` who is an only child with two guardians (the demo
    /// has siblings and single-parent families).
    fn only_child(&self, i: usize, n: usize) -> UserId {
        let dir = self.app.directory();
        let class = self.class(i);
        self.school
            .pupils
            .iter()
            .filter(|p| p.user.classes.contains(&class) && p.user.guardians.len() == 2)
            .filter(|p| {
                p.user
                    .guardians
                    .iter()
                    .all(|g| dir.children_of(*g).len() == 1)
            })
            .nth(n)
            .expect("an only child")
            .user
            .id
    }

    fn set_day(&self, day: Date, hour: i8) {
        self.set_clock(paris_at(day, hour, 0));
    }

    /// Posts a word as the CP's teacher.
    fn post(&self, audience: LiaisonAudience, consent: bool, deadline: &str) -> Word {
        self.app
            .post_liaison(
                &self.teacher(0),
                &WordForm {
                    audience: audience.code(),
                    title: "Sortie au musée".into(),
                    body: "La classe visite le musée jeudi.".into(),
                    consent,
                    deadline: deadline.into(),
                    ..WordForm::default()
                },
            )
            .expect("posted")
    }
}

#[test]
fn the_access_table_of_the_carnet_de_liaison() {
    let w = world();
    let cp = w.class(0);
    let word = w.post(LiaisonAudience::Class(cp), true, "");
    let (child, other_child) = (w.only_child(0, 0), w.only_child(0, 1));
    let cm2_child = w.only_child(1, 0);
    let parent = w.guardian(child, 0);
    let other_family = w.guardian(other_child, 0);
    let cm2_family = w.guardian(cm2_child, 0);

    // The family reads its child's carnet and the word, with only its own child.
    let carnet = w.app.pupil_liaison(&parent, child).expect("carnet");
    assert_eq!(carnet.words.len(), 1);
    let view = w.app.liaison_word(&parent, word.id).expect("word");
    assert!(!view.may_manage);
    assert_eq!(
        view.children.iter().map(|c| c.pupil.id).collect::<Vec<_>>(),
        [child]
    );
    // Another family of the class sees the word, but only its own child.
    let view = w.app.liaison_word(&other_family, word.id).expect("word");
    assert_eq!(
        view.children.iter().map(|c| c.pupil.id).collect::<Vec<_>>(),
        [other_child]
    );
    // …and never the first family's carnet, nor signs for its child.
    hidden(w.app.pupil_liaison(&other_family, child));
    hidden(w.app.sign_liaison(&other_family, word.id, child));
    hidden(
        w.app
            .reply_liaison(&other_family, word.id, child, "Bonjour"),
    );
    hidden(
        w.app
            .answer_liaison_consent(&other_family, word.id, child, true),
    );
    // A family of another class sees nothing at all.
    hidden(w.app.liaison_word(&cm2_family, word.id));
    hidden(w.app.pupil_liaison(&cm2_family, child));
    hidden(w.app.sign_liaison(&cm2_family, word.id, child));
    hidden(w.app.open_liaison_attachment(&cm2_family, word.id, 0));
    assert!(
        w.app
            .portal_liaison(&cm2_family)
            .expect("portal")
            .is_empty()
    );
    // A parent cannot sign for their own child a word that does not concern it.
    hidden(w.app.sign_liaison(&cm2_family, word.id, cm2_child));

    // A word to one pupil reaches that family only.
    let private = w.post(LiaisonAudience::Pupil(child), false, "");
    assert!(w.app.liaison_word(&parent, private.id).is_ok());
    hidden(w.app.liaison_word(&other_family, private.id));
    assert_eq!(
        w.app
            .pupil_liaison(&other_family, other_child)
            .expect("carnet")
            .words
            .len(),
        1
    );

    // A pupil reads only their own carnet, read-only.
    let pupil = w.subject(child);
    let mine = w.app.pupil_liaison(&pupil, child).expect("own carnet");
    assert_eq!(mine.words.len(), 2);
    assert!(
        mine.words
            .iter()
            .all(|v| v.children.iter().all(|c| !c.may_sign))
    );
    hidden(w.app.pupil_liaison(&pupil, other_child));
    forbidden(w.app.sign_liaison(&pupil, word.id, child));
    assert_eq!(w.app.portal_liaison(&pupil).expect("portal").len(), 2);

    // The teacher of another class neither posts to the CP nor follows its words.
    let cm2_teacher = w.teacher(1);
    forbidden(w.app.post_liaison(
        &cm2_teacher,
        &WordForm {
            audience: LiaisonAudience::Class(cp).code(),
            title: "Intrus".into(),
            body: "Non".into(),
            ..WordForm::default()
        },
    ));
    forbidden(w.app.post_liaison(
        &cm2_teacher,
        &WordForm {
            audience: LiaisonAudience::Pupil(child).code(),
            title: "Intrus".into(),
            body: "Non".into(),
            ..WordForm::default()
        },
    ));
    hidden(w.app.liaison_word(&cm2_teacher, word.id));
    hidden(w.app.class_liaison(&cm2_teacher, cp));
    forbidden(w.app.remind_liaison(&cm2_teacher, word.id));
    forbidden(w.app.liaison_slips(&cm2_teacher, word.id));
    // Parents never post, follow or remind.
    forbidden(w.app.post_liaison(
        &parent,
        &WordForm {
            audience: LiaisonAudience::Pupil(child).code(),
            title: "Mot".into(),
            body: "Mot".into(),
            ..WordForm::default()
        },
    ));
    forbidden(w.app.remind_liaison(&parent, word.id));
    forbidden(w.app.liaison_slips(&parent, word.id));
    forbidden(w.app.withdraw_liaison(&parent, word.id));

    // The headteacher follows every class's words and posts anywhere.
    let head = w.head();
    let followed = w.app.liaison_word(&head, word.id).expect("head");
    assert!(followed.may_manage);
    assert_eq!(followed.children.len(), 30);
    assert!(
        w.app
            .class_liaison(&head, w.class(1))
            .expect("cm2")
            .is_empty()
    );

    // A withdrawn word is shown to no one.
    w.app
        .withdraw_liaison(&w.teacher(0), word.id)
        .expect("withdrawn");
    hidden(w.app.liaison_word(&parent, word.id));
    hidden(w.app.sign_liaison(&parent, word.id, child));
    assert_eq!(w.app.class_liaison(&head, cp).expect("cp").len(), 1);
}

#[test]
fn each_child_is_signed_once_by_any_guardian_and_replied_to_once() {
    let w = world();
    let cp = w.class(0);
    let word = w.post(LiaisonAudience::Class(cp), false, "");
    let child = w.only_child(0, 0);
    let (mother, father) = (w.guardian(child, 0), w.guardian(child, 1));

    // Unsigned words come first on the portal and in the carnet.
    let portal = w.app.portal_liaison(&mother).expect("portal");
    assert_eq!(portal.len(), 1);
    assert!(portal[0].awaits_family());

    let signed = w.app.sign_liaison(&mother, word.id, child).expect("signed");
    assert_eq!(signed.signed.map(|m| m.by), Some(mother.user));
    // The second guardian sees it signed, by whom; signing again keeps the first signature.
    let seen = w.app.liaison_word(&father, word.id).expect("word");
    let line = &seen.children[0];
    assert_eq!(line.answer.signed.map(|m| m.by), Some(mother.user));
    let mother_name = w.app.directory().user(mother.user).expect("m").full_name();
    assert_eq!(line.signer.as_deref(), Some(mother_name.as_str()));
    let again = w
        .app
        .sign_liaison(&father, word.id, child)
        .expect("idempotent");
    assert_eq!(again.signed.map(|m| m.by), Some(mother.user));
    assert!(w.app.portal_liaison(&father).expect("portal").is_empty());

    // One reply per child: the second one is refused, whoever writes it.
    w.app
        .reply_liaison(&father, word.id, child, "Bien reçu, merci.")
        .expect("reply");
    assert_eq!(
        refused(w.app.reply_liaison(&mother, word.id, child, "Encore moi")),
        Problem::AlreadyReplied
    );
    assert_eq!(
        refused(w.app.reply_liaison(&mother, word.id, child, "   ")),
        Problem::Missing("réponse")
    );

    // The teacher sees the signature, the reply and the families still to sign.
    let follow = w.app.liaison_word(&w.teacher(0), word.id).expect("follow");
    assert!(follow.may_manage);
    assert_eq!(follow.children.len(), 30);
    assert_eq!(follow.to_sign().count(), 29);
    assert!(follow.to_sign().all(|c| c.pupil.id != child));
    let line = follow
        .children
        .iter()
        .find(|c| c.pupil.id == child)
        .expect("line");
    assert_eq!(
        line.answer.reply.as_ref().map(|r| r.text.as_str()),
        Some("Bien reçu, merci.")
    );

    // Both records enter the change feed (central will hold them).
    let changes = w.app.store().changes_since(0, 1_000_000).expect("feed");
    assert!(changes.iter().any(|c| c.key.starts_with("liaison_word/")));
    assert!(changes.iter().any(|c| c.key.starts_with("liaison_answer/")));
}

#[test]
fn reminders_reach_only_families_still_to_sign_and_once_a_day() {
    let w = world();
    let cp = w.class(0);
    let word = w.post(LiaisonAudience::Class(cp), false, "");
    let (signer, late) = (w.only_child(0, 0), w.only_child(0, 1));
    let teacher = w.teacher(0);
    w.app
        .sign_liaison(&w.guardian(signer, 0), word.id, signer)
        .expect("signed");

    assert_eq!(
        w.app.remind_liaison(&teacher, word.id).expect("reminded"),
        29
    );
    assert_eq!(
        refused(w.app.remind_liaison(&teacher, word.id)),
        Problem::AlreadyRemindedToday
    );
    let reminded = w
        .app
        .liaison_word(&w.guardian(late, 0), word.id)
        .expect("w");
    assert!(reminded.children[0].reminded.is_some(), "« Rappel » shown");
    let not = w
        .app
        .liaison_word(&w.guardian(signer, 0), word.id)
        .expect("w");
    assert!(not.children[0].reminded.is_none());
    assert!(
        w.app
            .liaison_word(&teacher, word.id)
            .expect("w")
            .reminded_today
    );

    // The next day, a new reminder goes to those still to sign.
    w.app
        .sign_liaison(&w.guardian(late, 0), word.id, late)
        .expect("signed");
    w.set_day(date(2026, 12, 1), 8);
    assert_eq!(w.app.remind_liaison(&teacher, word.id).expect("again"), 28);
    let word_now = w.app.liaison_word(&teacher, word.id).expect("w").word;
    assert_eq!(word_now.reminders.len(), 2);
    assert!(!word_now.reminders[1].pupils.contains(&late));
    // The signed family no longer sees « Rappel ».
    let after = w
        .app
        .liaison_word(&w.guardian(late, 0), word.id)
        .expect("w");
    assert!(after.children[0].reminded.is_none());
}

#[test]
fn consent_answers_are_per_child_and_change_until_the_deadline() {
    let w = world();
    let cp = w.class(0);
    let word = w.post(LiaisonAudience::Class(cp), true, "2026-12-02");
    let child = w.only_child(0, 0);
    let parent = w.guardian(child, 0);
    let yes = w
        .app
        .answer_liaison_consent(&parent, word.id, child, true)
        .expect("yes");
    assert_eq!(yes.consent.map(|c| c.agrees), Some(true));
    assert!(yes.signed.is_some(), "answering signs");
    w.set_day(date(2026, 12, 2), 20);
    let no = w
        .app
        .answer_liaison_consent(&parent, word.id, child, false)
        .expect("changed");
    assert_eq!(no.consent.map(|c| c.agrees), Some(false));
    // A sibling's answer is their own: the other family is untouched.
    let other = w.only_child(0, 1);
    let view = w.app.liaison_word(&w.teacher(0), word.id).expect("w");
    assert_eq!(view.consent_counts(), (0, 1));
    assert!(
        view.children
            .iter()
            .find(|c| c.pupil.id == other)
            .expect("other")
            .answer
            .consent
            .is_none()
    );
    // After the deadline, answers are refused and say until when.
    w.set_day(date(2026, 12, 3), 8);
    assert_eq!(
        refused(w.app.answer_liaison_consent(&parent, word.id, child, true)),
        Problem::ConsentClosed("mercredi 2 décembre".into())
    );
    // Signing still works; a word without a form takes no answer; no past deadline.
    w.app
        .sign_liaison(&w.guardian(other, 0), word.id, other)
        .expect("sign");
    let plain = w.post(LiaisonAudience::Class(cp), false, "");
    assert_eq!(
        refused(w.app.answer_liaison_consent(&parent, plain.id, child, true)),
        Problem::NoConsentForm
    );
    assert_eq!(
        refused(w.app.post_liaison(
            &w.teacher(0),
            &WordForm {
                audience: LiaisonAudience::Class(cp).code(),
                title: "Sortie".into(),
                body: "Sortie".into(),
                consent: true,
                deadline: "2026-12-01".into(),
                ..WordForm::default()
            }
        )),
        Problem::DeadlinePast
    );
}

#[test]
fn a_group_or_one_pupil_is_reached_and_nobody_else() {
    let w = world();
    let (a, b, c) = (w.only_child(0, 0), w.only_child(0, 1), w.only_child(0, 2));
    let group = w
        .app
        .create_group(
            &w.head(),
            &GroupForm {
                name: "Chorale".into(),
                class: Some(w.class(0)),
                members: vec![a, b, w.school.teachers[0].user.id],
            },
        )
        .expect("group");
    let audiences = w
        .app
        .liaison_audiences(&w.teacher(0), w.class(0))
        .expect("audiences");
    assert!(
        audiences
            .iter()
            .any(|(code, _)| code == &format!("groupe-{}", group.id))
    );
    assert!(audiences[0].1.contains("toute la classe"));
    let word = w.post(LiaisonAudience::Group(group.id), false, "");
    assert_eq!(word.pupils.len(), 2);
    assert!(w.app.liaison_word(&w.guardian(a, 0), word.id).is_ok());
    assert!(w.app.liaison_word(&w.guardian(b, 0), word.id).is_ok());
    hidden(w.app.liaison_word(&w.guardian(c, 0), word.id));
    assert_eq!(
        w.app
            .liaison_word(&w.teacher(0), word.id)
            .expect("w")
            .children
            .len(),
        2
    );
    // An audience that reaches nobody is refused.
    assert_eq!(
        refused(w.app.post_liaison(
            &w.teacher(0),
            &WordForm {
                audience: "groupe-999".into(),
                title: "Rien".into(),
                body: "Rien".into(),
                ..WordForm::default()
            }
        )),
        Problem::NoFamilies
    );
    // A pupil-only word: refused fields say why.
    assert_eq!(
        refused(w.app.post_liaison(
            &w.teacher(0),
            &WordForm {
                audience: LiaisonAudience::Pupil(a).code(),
                title: " ".into(),
                body: "x".into(),
                ..WordForm::default()
            }
        )),
        Problem::Missing("titre")
    );
}

/// Attacks a sanitiser must defuse.
const XSS: &[&str] = &[
    "<script>alert(1)</script>Bonjour",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">clic</a>",
    "<a href=\"&#106;avascript:alert(1)\">clic</a>",
    "<p style=\"background:url(javascript:alert(1))\">style</p>",
    "<p onclick=\"alert(1)\">clic</p>",
    "<svg onload=alert(1)><circle/></svg>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<form action=\"https://evil.example\"><input name=x></form>",
    "<<script>script>alert(1)<</script>/script>",
];

/// Whether no tag of `html` carries a script, a handler, a style or a dangerous element
/// (escaped text may say anything).
fn harmless(html: &str) -> bool {
    let lower = html.to_lowercase();
    lower.split('<').skip(1).all(|tag| {
        let tag = tag.split('>').next().unwrap_or_default();
        ![
            "script",
            "on",
            "javascript",
            "style",
            "iframe",
            "svg",
            "form",
            "img",
            "input",
            "&#",
        ]
        .iter()
        .any(|bad| {
            tag.starts_with(bad)
                || tag.starts_with(&format!("/{bad}"))
                || tag.contains(&format!(" {bad}"))
        }) && !tag.contains("javascript")
    })
}

#[test]
fn an_xss_corpus_is_stored_harmless_in_words_and_kept_plain_in_replies() {
    let w = world();
    let child = w.pupil(0, 0);
    for attack in XSS {
        let word = w
            .app
            .post_liaison(
                &w.teacher(0),
                &WordForm {
                    audience: LiaisonAudience::Pupil(child).code(),
                    title: attack.to_string(),
                    body: format!("Bonjour {attack}"),
                    ..WordForm::default()
                },
            )
            .expect("posted");
        assert!(harmless(&word.body.html), "{attack} → {}", word.body.html);
        // Replies are plain text, kept as typed (every page escapes them).
        let answer = w
            .app
            .reply_liaison(&w.guardian(child, 0), word.id, child, attack)
            .expect("reply");
        assert_eq!(answer.reply.map(|r| r.text).as_deref(), Some(*attack));
    }
}

#[test]
fn the_demo_asks_the_first_class_to_authorise_an_outing() {
    let w = world();
    w.app
        .seed_demo_documents(&w.school)
        .expect("demo documents");
    let words = w
        .app
        .class_liaison(&w.teacher(0), w.class(0))
        .expect("words");
    let outing = words
        .iter()
        .find(|v| v.word.consent.is_some())
        .expect("an outing");
    let signed = outing
        .children
        .iter()
        .filter(|c| c.answer.signed.is_some())
        .count();
    assert!(signed >= 3, "a few families signed");
    assert!(outing.consent_counts().1 >= 1, "one family said no");
    // The demo parents have not signed yet: their portal shows the word.
    let parent = w.subject(w.school.parents[0].user.id);
    assert_eq!(w.app.portal_liaison(&parent).expect("portal").len(), 1);
    assert_eq!(Role::Parent, parent.role);
}
