//! Cahier de textes use cases on a real store with a clock the test sets: the day and week
//! views of a pupil and of their family, weekly entries that skip the holidays, the pupil's
//! private « Fait ! », the access table (other class, other family, other teacher, a parent
//! of two children in two classes), an XSS corpus, files frozen when attached and served only
//! to those who may read the entry, refusals that say why, tombstones in the change feed, and
//! the homework feed as iCalendar.

mod support;

use jiff::civil::{Date, date};
use preau_app::logbook::{Agenda, EntryForm};
use preau_app::{AppError, Problem};
use preau_core::{ClassId, EntryId, LogbookEntry, Role, SpaceOwner, Subject, UserId};
use std::io::Read;
use support::{School, forbidden, refused};

/// The small demo school on Monday 30 November 2026 at 8:00 in Paris.
fn world() -> School {
    School::monday_morning()
}

/// What only the cahier de textes tests need.
impl School {
    /// The first pupil of the CP, whose guardians are the demo's signed-up parents.
    fn child(&self) -> UserId {
        self.school.pupils[0].user.id
    }

    fn parent(&self) -> Subject {
        self.subject(self.school.parents[0].user.id)
    }

    /// Writes an entry in the CP as its teacher.
    fn write(&self, form: EntryForm) -> Vec<LogbookEntry> {
        self.app
            .write_logbook_entry(&self.teacher(0), self.class(0), &form)
            .expect("entry written")
    }
}

fn session(day: &str, title: &str, done: &str, homework: &str, due: &str) -> EntryForm {
    EntryForm {
        date: day.into(),
        title: title.into(),
        done: done.into(),
        homework: homework.into(),
        due: due.into(),
        ..EntryForm::default()
    }
}

fn titles(views: &[preau_app::logbook::EntryView]) -> Vec<&str> {
    views.iter().map(|v| v.entry.title.as_str()).collect()
}

fn week(agenda: &Agenda) -> Vec<(Date, Vec<&str>, Vec<&str>)> {
    agenda
        .days
        .iter()
        .map(|d| (d.date, titles(&d.sessions), titles(&d.due)))
        .collect()
}

#[test]
fn pupils_and_parents_see_the_day_and_the_week_of_each_child() {
    let w = world();
    w.write(session(
        "2026-11-30",
        "Lecture",
        "Lecture de la poésie.",
        "Apprendre la première strophe.",
        "2026-12-01",
    ));
    w.write(session(
        "01/12/2026",
        "Mathématiques",
        "Les dizaines.",
        "",
        "",
    ));
    let child = w.child();
    let pupil = w.subject(child);
    let parent = w.parent();

    for who in [&pupil, &parent] {
        let day = w
            .app
            .pupil_agenda(who, child, date(2026, 12, 1), date(2026, 12, 1))
            .expect("day");
        assert_eq!(
            week(&day),
            [(date(2026, 12, 1), vec!["Mathématiques"], vec!["Lecture"])]
        );
        let monday = w
            .app
            .pupil_agenda(who, child, date(2026, 11, 30), date(2026, 12, 4))
            .expect("week");
        assert_eq!(monday.days.len(), 5);
        assert_eq!(monday.pupil.as_ref().map(|p| p.id), Some(child));
        assert_eq!(titles(&monday.days[0].sessions), ["Lecture"]);
        let homework = &monday.days[1].due[0];
        assert!(homework.entry.done.html.contains("Lecture de la poésie"));
        assert_eq!(
            homework
                .entry
                .homework
                .as_ref()
                .map(|h| h.text.html.as_str()),
            Some("<p>Apprendre la première strophe.</p>")
        );
        assert!(!monday.may_write);
    }

    // Pupils tick, families do not.
    let seen_by_pupil = w
        .app
        .pupil_agenda(&pupil, child, date(2026, 12, 1), date(2026, 12, 1))
        .expect("day");
    assert!(seen_by_pupil.days[0].due[0].may_tick);
    let seen_by_parent = w
        .app
        .pupil_agenda(&parent, child, date(2026, 12, 1), date(2026, 12, 1))
        .expect("day");
    assert!(!seen_by_parent.days[0].due[0].may_tick);
    assert_eq!(
        w.app
            .logbook_pupils(&parent)
            .iter()
            .map(|p| p.id)
            .collect::<Vec<_>>(),
        [child]
    );

    // The portals: the pupil's homework of today and the next school day; the family's
    // coming week.
    let mine = w.app.portal_homework(&pupil).expect("portal");
    assert_eq!(mine.len(), 1);
    assert_eq!(
        mine[0]
            .homework()
            .map(|h| h.entry.title.as_str())
            .collect::<Vec<_>>(),
        ["Lecture"]
    );
    let theirs = w.app.portal_homework(&parent).expect("portal");
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].homework().count(), 1);
    assert_eq!(theirs[0].days.len(), 8);
}

#[test]
fn weekly_entries_skip_the_holidays_and_homework_moves_to_the_next_school_day() {
    let w = world();
    let mut form = session(
        "2026-12-07",
        "Lecture",
        "Lecture suivie.",
        "Lire le chapitre suivant.",
        "2026-12-08",
    );
    form.repeat_until = "2027-01-18".into();
    let made = w.write(form);
    let days: Vec<(Date, Date)> = made
        .iter()
        .map(|e| (e.date, e.homework.as_ref().expect("homework").due))
        .collect();
    // The Christmas holidays (19 December to 3 January, zone C) are skipped.
    assert_eq!(
        days,
        [
            (date(2026, 12, 7), date(2026, 12, 8)),
            (date(2026, 12, 14), date(2026, 12, 15)),
            (date(2027, 1, 4), date(2027, 1, 5)),
            (date(2027, 1, 11), date(2027, 1, 12)),
            (date(2027, 1, 18), date(2027, 1, 19)),
        ]
    );
    assert!(
        made.iter()
            .all(|e| e.series == made[0].series && e.series.is_some())
    );

    // Friday homework for Monday: the Monday after the holidays.
    let mut friday = session(
        "2026-12-11",
        "Écriture",
        "",
        "Apporter une photo.",
        "2026-12-14",
    );
    friday.repeat_until = "2027-01-08".into();
    let dues: Vec<Date> = w
        .write(friday)
        .iter()
        .map(|e| e.homework.as_ref().expect("homework").due)
        .collect();
    assert_eq!(
        dues,
        [date(2026, 12, 14), date(2027, 1, 4), date(2027, 1, 11)]
    );

    // Deleting « this one and the following » leaves tombstones, out of every view.
    let teacher = w.teacher(0);
    let before = w.app.store().changes_since(0, 100_000).expect("feed").len();
    w.app
        .delete_logbook_entry(&teacher, made[2].id, true)
        .expect("deleted");
    let changes = w.app.store().changes_since(0, 100_000).expect("feed");
    assert_eq!(
        changes.len() - before,
        3,
        "three tombstones enter the change feed"
    );
    assert!(
        changes[before..]
            .iter()
            .all(|c| c.key.starts_with("logbook_entry/"))
    );
    let tombstone: LogbookEntry = w
        .app
        .store()
        .read()
        .expect("read")
        .get(made[4].id.0)
        .expect("get")
        .expect("kept");
    assert!(tombstone.deleted);
    let left = w
        .app
        .class_agenda(&teacher, w.class(0), date(2026, 12, 7), date(2027, 1, 22))
        .expect("agenda");
    let lectures: Vec<Date> = left
        .days
        .iter()
        .filter(|d| titles(&d.sessions).contains(&"Lecture"))
        .map(|d| d.date)
        .collect();
    assert_eq!(lectures, [date(2026, 12, 7), date(2026, 12, 14)]);
    forbidden(w.app.logbook_entry(&teacher, made[3].id));
}

#[test]
fn a_tick_is_the_pupils_own_and_teachers_see_only_counts() {
    let w = world();
    let entry = w.write(session(
        "2026-11-30",
        "Lecture",
        "",
        "Apprendre la poésie.",
        "2026-12-01",
    ))[0]
        .id;
    let (a, b) = (w.pupil(0, 0), w.pupil(0, 1));
    let (pupil_a, pupil_b) = (w.subject(a), w.subject(b));
    w.app.tick_homework(&pupil_a, entry, true).expect("tick");

    let ticked = |who: &Subject| w.app.logbook_entry(who, entry).expect("entry").ticked;
    assert!(ticked(&pupil_a));
    assert!(!ticked(&pupil_b), "another pupil does not see the tick");
    assert!(!ticked(&w.guardian(a, 0)), "nor does the family");
    assert!(!ticked(&w.teacher(0)));
    let view = w.app.logbook_entry(&w.teacher(0), entry).expect("entry");
    assert_eq!(view.ticks, Some((1, 30)), "the teacher sees how many");
    assert_eq!(
        w.app.logbook_entry(&pupil_a, entry).expect("entry").ticks,
        None
    );

    // Only pupils of the class tick, and only for themselves.
    forbidden(w.app.tick_homework(&w.guardian(a, 0), entry, true));
    forbidden(w.app.tick_homework(&w.teacher(0), entry, true));
    forbidden(w.app.tick_homework(&w.subject(w.pupil(1, 0)), entry, true));
    assert_eq!(
        w.app
            .logbook_entry(&w.teacher(0), entry)
            .expect("entry")
            .ticks,
        Some((1, 30))
    );

    // Unticking keeps the row and the count follows.
    w.app.tick_homework(&pupil_a, entry, false).expect("untick");
    assert!(!ticked(&pupil_a));
    assert_eq!(
        w.app
            .logbook_entry(&w.teacher(0), entry)
            .expect("entry")
            .ticks,
        Some((0, 30))
    );
}

#[test]
fn the_access_table_of_the_cahier_de_textes() {
    let w = world();
    let cp = w.class(0);
    let cm2 = w.class(1);
    let entry = w.write(session(
        "2026-11-30",
        "Lecture",
        "Lecture.",
        "Relire.",
        "2026-12-01",
    ))[0]
        .id;
    let day = (date(2026, 11, 30), date(2026, 12, 4));
    let child = w.child();

    // A pupil of another class.
    let other_pupil = w.subject(w.pupil(1, 0));
    forbidden(w.app.logbook_entry(&other_pupil, entry));
    forbidden(w.app.class_agenda(&other_pupil, cp, day.0, day.1));
    forbidden(w.app.pupil_agenda(&other_pupil, child, day.0, day.1));
    forbidden(w.app.open_logbook_attachment(&other_pupil, entry, 0));
    forbidden(w.app.logbook_feed_token(&other_pupil, cp));

    // A parent of another family: not this child, and not the class when theirs is elsewhere.
    let cp_neighbour = w.guardian(w.pupil(0, 5), 0);
    assert!(!cp_neighbour.children.contains(&child));
    forbidden(w.app.pupil_agenda(&cp_neighbour, child, day.0, day.1));
    let cm2_parent = w.guardian(w.pupil(1, 0), 0);
    if !cm2_parent.classes.contains(&cp) {
        forbidden(w.app.logbook_entry(&cm2_parent, entry));
        forbidden(w.app.class_agenda(&cm2_parent, cp, day.0, day.1));
        forbidden(w.app.pupil_agenda(&cm2_parent, child, day.0, day.1));
    }

    // A teacher of another class.
    let cm2_teacher = w.teacher(1);
    forbidden(w.app.class_agenda(&cm2_teacher, cp, day.0, day.1));
    forbidden(w.app.logbook_entry(&cm2_teacher, entry));
    forbidden(w.app.write_logbook_entry(
        &cm2_teacher,
        cp,
        &session("2026-12-01", "Intrus", "x", "", ""),
    ));
    forbidden(w.app.update_logbook_entry(
        &cm2_teacher,
        entry,
        &session("2026-12-01", "Intrus", "x", "", ""),
    ));
    forbidden(w.app.delete_logbook_entry(&cm2_teacher, entry, false));
    forbidden(w.app.renew_logbook_feed(&cm2_teacher, cp));
    assert!(w.app.class_agenda(&cm2_teacher, cm2, day.0, day.1).is_ok());

    // Pupils and parents read, never write.
    for reader in [w.subject(child), w.parent()] {
        assert!(w.app.logbook_entry(&reader, entry).is_ok());
        forbidden(w.app.write_logbook_entry(
            &reader,
            cp,
            &session("2026-12-01", "Moi", "x", "", ""),
        ));
        forbidden(w.app.delete_logbook_entry(&reader, entry, false));
        forbidden(w.app.renew_logbook_feed(&reader, cp));
    }

    // The headteacher reads and writes every class.
    let head = w.head();
    assert!(w.app.class_agenda(&head, cm2, day.0, day.1).is_ok());
    assert!(
        w.app
            .write_logbook_entry(
                &head,
                cm2,
                &session("2026-12-01", "Chorale", "Chants.", "", "")
            )
            .is_ok()
    );

    // A parent of two children in two classes sees both, each in their own class.
    let parent = w.account(Role::Parent, "Camille", None, Vec::new());
    let little = w.account(Role::Pupil, "Lou", Some(cp), vec![parent]);
    let big = w.account(Role::Pupil, "Noé", Some(cm2), vec![parent]);
    let parent = w.subject(parent);
    let children: Vec<UserId> = w.app.logbook_pupils(&parent).iter().map(|p| p.id).collect();
    assert_eq!(children.len(), 2);
    assert!(children.contains(&little) && children.contains(&big));
    let cp_week = w
        .app
        .pupil_agenda(&parent, little, day.0, day.1)
        .expect("CP");
    assert_eq!(cp_week.class, cp);
    assert_eq!(titles(&cp_week.days[0].sessions), ["Lecture"]);
    let cm2_week = w.app.pupil_agenda(&parent, big, day.0, day.1).expect("CM2");
    assert_eq!(cm2_week.class, cm2);
    assert_eq!(titles(&cm2_week.days[1].sessions), ["Chorale"]);
    assert_eq!(w.app.portal_homework(&parent).expect("portal").len(), 2);
    let classes: Vec<ClassId> = w.app.logbook_classes(&parent).iter().map(|c| c.0).collect();
    assert!(classes.contains(&cp) && classes.contains(&cm2));
    // Yet not a child of another family in those classes.
    forbidden(w.app.pupil_agenda(&parent, child, day.0, day.1));
}

/// Attacks a sanitiser must defuse, as a teacher might paste them.
const XSS: &[&str] = &[
    "<script>alert(1)</script>Bonjour",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">clic</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">clic</a>",
    "<a href=\"&#106;avascript:alert(1)\">clic</a>",
    "<p style=\"background:url(javascript:alert(1))\">style</p>",
    "<p onclick=\"alert(1)\" onmouseover=\"alert(2)\">clic</p>",
    "<svg onload=alert(1)><circle/></svg>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<style>body{display:none}</style><p>x</p>",
    "<form action=\"https://evil.example\"><input name=x><button>Go</button></form>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "<object data=\"javascript:alert(1)\"></object><embed src=x>",
    "<base href=\"https://evil.example/\"><link rel=stylesheet href=x>",
    "<<script>script>alert(1)<</script>/script>",
    "Du texte <script>alert(1)</script> et javascript:alert(1)",
    "<div><p>ok</p></div><meta http-equiv=refresh content=0;url=https://evil.example>",
];

fn harmless(html: &str) -> bool {
    let lower = html.to_lowercase();
    ![
        "<script",
        "onerror",
        "onload",
        "onclick",
        "onmouseover",
        "href=\"javascript",
        "href=\"&#106",
        "style=",
        "<style",
        "<iframe",
        "<svg",
        "<form",
        "<img",
        "<math",
        "<object",
        "<embed",
        "<base",
        "<link",
        "<meta",
        "<input",
    ]
    .iter()
    .any(|bad| lower.contains(bad))
}

#[test]
fn an_xss_corpus_is_stored_harmless() {
    let w = world();
    for (n, attack) in XSS.iter().enumerate() {
        let entry = &w.write(session(
            "2026-11-30",
            &format!("Essai {n}"),
            attack,
            attack,
            "2026-12-01",
        ))[0];
        let stored: LogbookEntry = w
            .app
            .store()
            .read()
            .expect("read")
            .get(entry.id.0)
            .expect("get")
            .expect("stored");
        let homework = stored.homework.as_ref().expect("homework");
        for html in [&stored.done.html, &homework.text.html] {
            assert!(harmless(html), "attack {n} survived: {html}");
        }
        assert_eq!(
            stored.done.typed,
            attack.trim(),
            "what was typed is kept for editing"
        );
    }
    // Harmless content is kept.
    let kept = &w.write(session(
        "2026-11-30",
        "Liens",
        "<p>Voir <a href=\"https://fr.vikidia.org/\">Vikidia</a> et <strong>relire</strong>.</p>",
        "",
        "",
    ))[0];
    assert!(kept.done.html.contains("href=\"https://fr.vikidia.org/\""));
    assert!(kept.done.html.contains("<strong>relire</strong>"));
    assert!(
        kept.done
            .html
            .contains("rel=\"noopener noreferrer nofollow\"")
    );
}

fn read_all(mut file: std::fs::File) -> String {
    let mut text = String::new();
    file.read_to_string(&mut text).expect("read");
    text
}

#[test]
fn attached_files_are_frozen_and_served_only_to_those_who_may_read_the_entry() {
    let w = world();
    let teacher = w.teacher(0);
    let sheet = w.own_file(&teacher, "fiche.txt", "version 1");
    let class_space = w
        .app
        .ensure_space(SpaceOwner::Class(w.class(0)))
        .expect("class space");
    let mut form = session("2026-11-30", "Lecture", "Avec la fiche.", "", "");
    form.files = vec![sheet];
    let entry = w.write(form)[0].clone();
    assert_eq!(entry.attachments.len(), 1);
    assert_eq!(entry.attachments[0].name, "fiche.txt");
    assert_eq!(entry.attachments[0].size, 9);

    // The teacher changes the file, then deletes it for good: the entry keeps its copy.
    w.own_file(&teacher, "fiche.txt", "version 2, plus longue");
    w.app.trash(&teacher, sheet).expect("trash");
    w.app.delete_forever(&teacher, sheet).expect("destroy");
    let keep = preau_store::documents::referenced_blobs(&w.app.store().read().expect("read"))
        .expect("blobs");
    assert!(
        keep.contains(&entry.attachments[0].blob),
        "the blob collector keeps it"
    );

    let child = w.subject(w.child());
    for reader in [&teacher, &child, &w.parent(), &w.head()] {
        let (file, content) = w
            .app
            .open_logbook_attachment(reader, entry.id, 0)
            .expect("served");
        assert_eq!(file.name, "fiche.txt");
        assert_eq!(read_all(content), "version 1");
    }
    for stranger in [
        w.subject(w.pupil(1, 0)),
        w.teacher(1),
        w.guardian(w.pupil(1, 0), 0),
    ] {
        if stranger.classes.contains(&w.class(0)) {
            continue;
        }
        forbidden(w.app.open_logbook_attachment(&stranger, entry.id, 0));
    }
    forbidden(w.app.open_logbook_attachment(&teacher, entry.id, 1));

    // A deleted entry serves nothing.
    w.app
        .delete_logbook_entry(&teacher, entry.id, false)
        .expect("delete");
    forbidden(w.app.open_logbook_attachment(&teacher, entry.id, 0));

    // Only files the teacher may read can be attached.
    let colleague = w.teacher(1);
    let theirs = w.own_file(&colleague, "secret.txt", "à moi");
    let mut form = session("2026-11-30", "Lecture", "x", "", "");
    form.files = vec![theirs];
    forbidden(w.app.write_logbook_entry(&teacher, w.class(0), &form));
    let offered: Vec<String> = w
        .app
        .attachable_files(&teacher, w.class(0))
        .expect("files")
        .into_iter()
        .map(|(_, label)| label)
        .collect();
    assert!(offered.iter().all(|l| !l.contains("secret")));
    assert!(class_space.root.0 != 0);

    // Changing an entry: keep some files, add others.
    let one = w.own_file(&teacher, "un.txt", "1");
    let two = w.own_file(&teacher, "deux.txt", "2");
    let mut form = session("2026-12-01", "Lecture", "x", "", "");
    form.files = vec![one, two];
    let entry = w.write(form)[0].id;
    let mut change = session("2026-12-01", "Lecture", "y", "", "");
    change.keep = vec![1];
    change.files = vec![one];
    let changed = w
        .app
        .update_logbook_entry(&teacher, entry, &change)
        .expect("changed");
    let names: Vec<&str> = changed
        .attachments
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, ["deux.txt", "un.txt"]);
}

#[test]
fn refusals_say_why() {
    let w = world();
    let teacher = w.teacher(0);
    let cp = w.class(0);
    let write = |form: EntryForm| w.app.write_logbook_entry(&teacher, cp, &form);
    assert_eq!(
        refused(write(session("2026-11-30", "Lecture", " ", "", ""))),
        Problem::EmptyEntry
    );
    assert_eq!(
        refused(write(session("2026-11-30", "", "x", "", ""))),
        Problem::Missing("intitulé")
    );
    assert_eq!(
        refused(write(session(
            "2026-12-02",
            "Lecture",
            "",
            "x",
            "2026-12-01"
        ))),
        Problem::HomeworkBeforeSession
    );
    assert!(matches!(
        refused(write(session("2026-12-05", "Lecture", "x", "", ""))),
        Problem::NoClassThatDay(_, _)
    ));
    assert!(matches!(
        refused(write(session("2026-12-18", "Lecture", "", "x", "2026-12-21"))),
        Problem::NoClassThatDay(day, why) if day == "lundi 21 décembre" && why.contains("Noël")
    ));
    assert_eq!(
        refused(write(session("2026-12-01", "Lecture", "", "x", "demain"))),
        Problem::Date("date « à faire pour le »")
    );
    let mut backwards = session("2026-12-01", "Lecture", "x", "", "");
    backwards.repeat_until = "2026-11-01".into();
    assert_eq!(refused(write(backwards)), Problem::RepeatUntil);
    let mut too_long = session("2026-12-01", "Lecture", "x", "", "");
    too_long.repeat_until = "2028-12-01".into();
    assert_eq!(refused(write(too_long)), Problem::RepeatUntil);
    let mut unknown = session("2026-12-01", "Lecture", "x", "", "");
    unknown.resources = vec![preau_core::ResourceId(42)];
    assert_eq!(refused(write(unknown)), Problem::UnknownResource);
    assert!(matches!(
        w.app.logbook_entry(&teacher, EntryId(7)),
        Err(AppError::NotFound)
    ));
}

/// Properties of the VEVENTs of a feed, parsed with the `ical` crate.
fn events(feed: &str) -> Vec<Vec<ical::property::Property>> {
    let mut calendars = ical::IcalParser::new(std::io::BufReader::new(feed.as_bytes()));
    let calendar = calendars
        .next()
        .expect("one calendar")
        .expect("the feed parses as iCalendar");
    calendar.events.into_iter().map(|e| e.properties).collect()
}

fn value<'a>(event: &'a [ical::property::Property], name: &str) -> Option<&'a str> {
    event
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.as_deref())
}

#[test]
fn the_homework_feed_holds_each_homework_on_its_due_day() {
    let w = world();
    let mut form = session(
        "2026-11-30",
        "Lecture; poésie, strophe 1",
        "",
        "Apprendre la poésie.\n\nEt l'illustrer.",
        "2026-12-01",
    );
    form.repeat_until = "2026-12-14".into();
    w.write(form);
    w.write(session("2026-12-01", "Sans devoir", "x", "", ""));
    let deleted = w.write(session("2026-12-02", "Supprimé", "", "x", "2026-12-03"))[0].id;
    w.app
        .delete_logbook_entry(&w.teacher(0), deleted, false)
        .expect("delete");

    let pupil = w.subject(w.child());
    let token = w.app.logbook_feed_token(&pupil, w.class(0)).expect("token");
    assert_eq!(
        w.app
            .logbook_feed_token(&w.parent(), w.class(0))
            .expect("token"),
        token,
        "one feed per class"
    );
    let feed = w.app.homework_feed(&token).expect("feed");
    let events = events(&feed);
    assert_eq!(events.len(), 3, "{feed}");
    let starts: Vec<&str> = events.iter().filter_map(|e| value(e, "DTSTART")).collect();
    assert_eq!(starts, ["20261201", "20261208", "20261215"]);
    assert_eq!(value(&events[0], "DTEND"), Some("20261202"));
    assert_eq!(
        value(&events[0], "SUMMARY"),
        Some("À faire : Lecture\\; poésie\\, strophe 1")
    );
    assert!(
        value(&events[0], "DESCRIPTION")
            .is_some_and(|d| d.contains("Apprendre la poésie.") && d.contains("illustrer"))
    );

    // Renewing the secret closes the old address; only teachers may.
    forbidden(w.app.renew_logbook_feed(&pupil, w.class(0)));
    let fresh = w
        .app
        .renew_logbook_feed(&w.teacher(0), w.class(0))
        .expect("renew");
    assert_ne!(fresh, token);
    forbidden(w.app.homework_feed(&token));
    assert!(w.app.homework_feed(&fresh).is_ok());
    forbidden(w.app.homework_feed("nothing"));
}

#[test]
fn the_demo_fills_a_few_weeks_of_each_class() {
    let w = world();
    w.app
        .seed_demo_documents(&w.school)
        .expect("demo documents");
    let head = w.head();
    for class in &w.school.classes {
        let weeks = w
            .app
            .class_agenda(&head, class.id, date(2026, 11, 16), date(2026, 12, 18))
            .expect("agenda");
        let sessions: usize = weeks.days.iter().map(|d| d.sessions.len()).sum();
        let homework = weeks.homework().count();
        assert!(sessions >= 16, "{} has {sessions} sessions", class.name);
        assert!(homework >= 8, "{} has {homework} homework", class.name);
        let lecture = weeks.days[0]
            .sessions
            .iter()
            .find(|s| s.entry.title == "Lecture");
        assert!(
            lecture.is_some_and(|l| l.entry.attachments.len() == 1),
            "the poem is attached on Mondays"
        );
    }
    // The Christmas holidays stay empty.
    let holidays = w
        .app
        .class_agenda(&head, w.class(0), date(2026, 12, 21), date(2027, 1, 1))
        .expect("agenda");
    assert!(holidays.days.iter().all(|d| d.sessions.is_empty()));
}
