//! Document use cases on a real store with a clock the test moves: the trash empties after
//! 30 days and gives the space back; shares widen access read-only or read-write; a space's
//! usage follows every change.

mod support;

use preau_app::{AppError, Problem};
use preau_core::{NodeId, ShareTarget, SpaceOwner, Subject};
use support::School;

/// The demo school on Friday 4 December 2026, 17:00 in Paris.
fn world() -> School {
    School::at(1_796_400_000)
}

/// What only the document tests need.
impl School {
    /// Saves `bytes` as `name` in `folder`, as `who`.
    fn save(
        &self,
        who: &Subject,
        folder: NodeId,
        name: &str,
        bytes: &[u8],
    ) -> Result<NodeId, AppError> {
        let (_, received) = self.received(name, bytes);
        Ok(self.app.save_file(who, folder, name, &received)?.id)
    }
}

#[test]
fn the_trash_empties_after_thirty_days_and_gives_the_space_back() {
    let w = world();
    let teacher = w.subject(w.school.teachers[0].user.id);
    let space = w
        .app
        .ensure_space(SpaceOwner::Personal(teacher.user))
        .unwrap();
    let folder = w
        .app
        .create_folder(&teacher, space.root, "Archives")
        .unwrap();
    w.save(&teacher, folder.id, "vieux.txt", &[7u8; 5000])
        .unwrap();
    assert_eq!(
        w.app
            .ensure_space(SpaceOwner::Personal(teacher.user))
            .unwrap()
            .used,
        5000
    );
    w.app.trash(&teacher, folder.id).unwrap();
    let (_, trash) = w.app.trash_of(&teacher, space.id).unwrap();
    assert_eq!(trash.len(), 1, "the folder is in the trash, whole");
    // Still counted while in the trash, and restorable for 30 days.
    w.tick(29 * 86_400);
    assert_eq!(w.app.purge_trash().unwrap(), 0);
    assert_eq!(
        w.app
            .ensure_space(SpaceOwner::Personal(teacher.user))
            .unwrap()
            .used,
        5000
    );
    w.tick(2 * 86_400);
    assert_eq!(w.app.purge_trash().unwrap(), 1);
    assert_eq!(
        w.app
            .ensure_space(SpaceOwner::Personal(teacher.user))
            .unwrap()
            .used,
        0
    );
    assert!(matches!(
        w.app.resolve(&teacher, folder.id),
        Err(AppError::NotFound)
    ));
    assert!(w.app.trash_of(&teacher, space.id).unwrap().1.is_empty());
}

#[test]
fn shares_widen_access_read_only_or_read_write() {
    let w = world();
    let class = w.school.classes[0].id;
    let teacher = w.subject(w.school.classes[0].teachers[0]);
    let pupils = w
        .app
        .directory()
        .pupils_of(class)
        .iter()
        .map(|p| p.id)
        .collect::<Vec<_>>();
    let (a, b) = (w.subject(pupils[0]), w.subject(pupils[1]));
    // Pupil A shares a folder of their own with classmate B, read-only first.
    let mine = w.app.ensure_space(SpaceOwner::Personal(a.user)).unwrap();
    let project = w.app.create_folder(&a, mine.root, "Exposé").unwrap();
    w.save(&a, project.id, "plan.txt", b"1. Les volcans")
        .unwrap();
    assert!(matches!(
        w.app.resolve(&b, project.id),
        Err(AppError::NotFound)
    ));
    w.app
        .share(&a, project.id, ShareTarget::User(b.user), false)
        .unwrap();
    let seen = w.app.folder(&b, project.id).unwrap();
    assert_eq!(seen.children.len(), 1);
    assert!(!seen.access.write);
    assert!(matches!(
        w.save(&b, project.id, "ajout.txt", b"x"),
        Err(AppError::Forbidden)
    ));
    assert_eq!(w.app.shared_with_me(&b).unwrap().len(), 1);
    // Read-write: B adds a file, which counts in A's space.
    w.app
        .share(&a, project.id, ShareTarget::User(b.user), true)
        .unwrap();
    w.save(&b, project.id, "ajout.txt", b"2. Les seismes")
        .unwrap();
    assert_eq!(
        w.app
            .ensure_space(SpaceOwner::Personal(a.user))
            .unwrap()
            .used,
        14 + 14
    );
    // A pupil may not share with a pupil of another class, nor with the families.
    let other_class_pupil = w.app.directory().pupils_of(w.school.classes[1].id)[0].id;
    assert!(matches!(
        w.app
            .share(&a, project.id, ShareTarget::User(other_class_pupil), false),
        Err(AppError::Invalid(Problem::ShareTarget))
    ));
    assert!(matches!(
        w.app
            .share(&a, project.id, ShareTarget::ClassFamilies(class), false),
        Err(AppError::Invalid(Problem::ShareTarget))
    ));
    // B cannot re-share A's folder, nor delete it.
    assert!(
        w.app
            .share(&b, project.id, ShareTarget::Class(class), false)
            .is_err()
    );
    assert!(
        w.app.trash(&b, project.id).is_err(),
        "the shared folder itself stays A's"
    );
    // Ending the share ends B's access.
    let share = w.app.shares(&a, project.id).unwrap()[0].id;
    w.app.unshare(&a, share).unwrap();
    assert!(matches!(
        w.app.resolve(&b, project.id),
        Err(AppError::NotFound)
    ));
    // The teacher shares the class's lesson with the families: read-only, whatever was asked.
    let class_space = w.app.ensure_space(SpaceOwner::Class(class)).unwrap();
    let lesson = w
        .save(&teacher, class_space.root, "lecon.txt", b"Lecon")
        .unwrap();
    let shared = w
        .app
        .share(&teacher, lesson, ShareTarget::ClassFamilies(class), true)
        .unwrap();
    assert!(!shared.write);
}

#[test]
fn moving_between_spaces_moves_the_usage_and_respects_the_quota() {
    let w = world();
    let teacher = w.subject(w.school.classes[0].teachers[0]);
    let own = w
        .app
        .ensure_space(SpaceOwner::Personal(teacher.user))
        .unwrap();
    let class = w
        .app
        .ensure_space(SpaceOwner::Class(w.school.classes[0].id))
        .unwrap();
    let folder = w.app.create_folder(&teacher, own.root, "Séquence").unwrap();
    w.save(&teacher, folder.id, "a.txt", &[1u8; 1000]).unwrap();
    w.save(&teacher, folder.id, "b.txt", &[2u8; 2000]).unwrap();
    w.app
        .move_to(&teacher, folder.id, class.root, None)
        .unwrap();
    let used = |owner| w.app.ensure_space(owner).unwrap().used;
    assert_eq!(used(SpaceOwner::Personal(teacher.user)), 0);
    assert_eq!(used(SpaceOwner::Class(w.school.classes[0].id)), 3000);
    // The files inside moved too: a pupil of the class reads them.
    let pupil = w.subject(w.app.directory().pupils_of(w.school.classes[0].id)[0].id);
    assert_eq!(w.app.folder(&pupil, folder.id).unwrap().children.len(), 2);
    // A copy back counts again, and the same content is stored once on disk.
    let before = w.app.blob_disk_usage().unwrap();
    w.app.copy_to(&teacher, folder.id, own.root, None).unwrap();
    assert_eq!(used(SpaceOwner::Personal(teacher.user)), 3000);
    assert_eq!(w.app.blob_disk_usage().unwrap(), before);
}
