//! Who reaches which document space and which assignment, on a real demo school: the table
//! below is the whole answer, written out, and every line goes through the one access
//! decision via the same calls the pages and the network drive make.

use preau_app::accounts::GroupForm;
use preau_app::assignments::AssignmentForm;
use preau_core::{SpaceOwner, Subject, UserId};
use preau_tests::TestApp;
use preau_tests::files::subject;

/// One line per person, one mark per space or assignment: `W` reads and writes, `R` reads,
/// `.` nothing (the space does not even show). Columns: pupil A's own space, pupil B's own
/// space (same class), the CP class space, the CM2 class space, the group "Jardin" (A and
/// C), the staff room, then the CP assignment and the CM2 assignment (`S` sees it and hands
/// in, `M` manages it, `V` views a child's, `.` nothing).
const EXPECTED: &str = "
    pupil-A-CP      W . R . W . S .
    pupil-B-CP      . W R . . . S .
    pupil-C-CM2     . . . R W . . S
    teacher-CP      . . W . . W M .
    teacher-CM2     . . . W . W . M
    teacher-both    . . W W . W M M
    headteacher     . . . . . W M M
    parent-of-A     . . . . . . V .
";

fn mark_space(app: &TestApp, who: &Subject, owner: SpaceOwner) -> &'static str {
    let root = app.app.ensure_space(owner).expect("space").root;
    match app.app.resolve(who, root) {
        Ok(r) if r.access.write => "W",
        Ok(r) if r.access.read => "R",
        _ => ".",
    }
}

fn mark_assignment(app: &TestApp, who: &Subject, id: preau_core::AssignmentId) -> &'static str {
    match app.app.assignment(who, id) {
        Ok(v) if v.manage => "M",
        Ok(v) if v.hand_in => "S",
        Ok(_) => "V",
        Err(_) => ".",
    }
}

#[tokio::test]
async fn who_reaches_which_space_and_assignment() {
    let app = TestApp::start().await;
    let dir = app.app.directory();
    let cp = app.school.classes[0].clone();
    let cm2 = app.school.classes[1].clone();
    let pupils_of = |class| -> Vec<UserId> { dir.pupils_of(class).iter().map(|p| p.id).collect() };
    let (a, b) = (pupils_of(cp.id)[0], pupils_of(cp.id)[1]);
    let c = pupils_of(cm2.id)[0];
    let parent_of_a = dir.user(a).unwrap().guardians[0];
    let head = app.school.headteacher.clone().unwrap().user.id;
    let teacher_cp = cp.teachers[0];
    let teacher_cm2 = cm2.teachers[0];
    let teacher_both = *cp
        .teachers
        .iter()
        .find(|t| cm2.teachers.contains(t))
        .unwrap();
    drop(dir);

    let head_subject = subject(&app.app, head);
    let group = app
        .app
        .create_group(
            &head_subject,
            &GroupForm {
                name: "Jardin".into(),
                class: None,
                members: vec![a, c],
            },
        )
        .unwrap();
    let due = preau_app::paris::input_value(app.app.now() + 86_400);
    let set = |teacher: UserId, class| {
        app.app
            .create_assignment(
                &subject(&app.app, teacher),
                &AssignmentForm {
                    class: Some(class),
                    title: "Travail".into(),
                    due: due.clone(),
                    ..Default::default()
                },
            )
            .unwrap()
            .id
    };
    let cp_work = set(teacher_cp, cp.id);
    let cm2_work = set(teacher_cm2, cm2.id);

    let people = [
        ("pupil-A-CP", a),
        ("pupil-B-CP", b),
        ("pupil-C-CM2", c),
        ("teacher-CP", teacher_cp),
        ("teacher-CM2", teacher_cm2),
        ("teacher-both", teacher_both),
        ("headteacher", head),
        ("parent-of-A", parent_of_a),
    ];
    let spaces = [
        SpaceOwner::Personal(a),
        SpaceOwner::Personal(b),
        SpaceOwner::Class(cp.id),
        SpaceOwner::Class(cm2.id),
        SpaceOwner::Group(group.id),
        SpaceOwner::Staff,
    ];
    let mut actual = String::new();
    for (label, user) in people {
        let who = subject(&app.app, user);
        let mut marks: Vec<&str> = spaces.iter().map(|s| mark_space(&app, &who, *s)).collect();
        marks.push(mark_assignment(&app, &who, cp_work));
        marks.push(mark_assignment(&app, &who, cm2_work));
        // The spaces a person is offered are exactly the ones they reach.
        let offered: Vec<SpaceOwner> = app
            .app
            .spaces(&who)
            .unwrap()
            .iter()
            .map(|v| v.space.owner)
            .collect();
        for (owner, mark) in spaces.iter().zip(&marks) {
            if *mark != "." && !matches!(owner, SpaceOwner::Personal(_)) {
                assert!(
                    offered.contains(owner),
                    "{label} reaches {owner:?} but is not offered it"
                );
            }
            if *mark == "." {
                assert!(
                    !offered.contains(owner),
                    "{label} is offered {owner:?} without reaching it"
                );
            }
        }
        actual.push_str(&format!("{label:<15} {}\n", marks.join(" ")));
    }
    let expected: String = EXPECTED
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(actual, expected);
}
