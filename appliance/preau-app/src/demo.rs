//! The demo school: a realistic, reproducible French primary school to try Préau with.

use crate::assignments::AssignmentForm;
use crate::bookings::{BookableForm, BookingRequest};
use crate::library::ResourceForm;
use crate::{App, AppError};
use preau_core::{
    BookableKind, Class, ClassId, Credentials, Discipline, Level, NodeId, ResourceKind, Role,
    School, SchoolYear, SpaceOwner, Subject, Uai, User, UserId,
};
use preau_store::directory::save_user;
use preau_store::security::save_credentials;
use time::{Date, Month, OffsetDateTime};

/// The demo's rooms and equipment: name, kind, place, capacity, quantity, approval.
const DEMO_BOOKABLES: &[(&str, BookableKind, &str, u32, u32, bool)] = &[
    (
        "Salle informatique",
        BookableKind::Room,
        "1er étage",
        28,
        1,
        false,
    ),
    ("BCD", BookableKind::Room, "Rez-de-chaussée", 30, 1, false),
    ("Gymnase", BookableKind::Room, "Rue des écoles", 60, 1, true),
    (
        "Salle de motricité",
        BookableKind::Room,
        "Bâtiment maternelle",
        30,
        1,
        false,
    ),
    (
        "Vidéoprojecteur",
        BookableKind::Equipment,
        "Bureau de la direction",
        0,
        1,
        false,
    ),
    (
        "TNI mobile",
        BookableKind::Equipment,
        "Salle des maîtres",
        0,
        1,
        false,
    ),
    (
        "Appareil photo",
        BookableKind::Equipment,
        "Bureau de la direction",
        0,
        1,
        false,
    ),
    (
        "Chariot de tablettes",
        BookableKind::Equipment,
        "Salle informatique",
        0,
        15,
        false,
    ),
];

/// The size of the school to create.
#[derive(Clone, Debug)]
pub struct DemoPlan {
    /// One entry per class: its levels and number of pupils.
    pub classes: Vec<(Vec<Level>, usize)>,
}

impl DemoPlan {
    /// The README's demo: CP to CM2, about 120 pupils, 6 teachers and a headteacher.
    pub fn full() -> DemoPlan {
        DemoPlan {
            classes: vec![
                (vec![Level::Cp], 22),
                (vec![Level::Ce1], 25),
                (vec![Level::Ce2], 24),
                (vec![Level::Cm1], 25),
                (vec![Level::Cm2], 24),
            ],
        }
    }

    /// A small school for tests: a CP of 30 pupils (a whole class signing in) and a CM2 of 6.
    pub fn small() -> DemoPlan {
        DemoPlan {
            classes: vec![(vec![Level::Cp], 30), (vec![Level::Cm2], 6)],
        }
    }
}

/// An account of the demo and how to sign in with it.
#[derive(Clone, Debug)]
pub struct DemoAccount {
    /// The account.
    pub user: User,
    /// Its password (adults), if it has one.
    pub password: Option<String>,
    /// Its picture code (pupils).
    pub pictures: Option<[u8; 3]>,
    /// The secret of its QR card (pupils).
    pub card_secret: Option<String>,
}

/// Who is in the demo school, with the secrets needed to sign in as each role.
#[derive(Clone, Debug, Default)]
pub struct DemoSchool {
    /// The headteacher.
    pub headteacher: Option<DemoAccount>,
    /// The teachers, the first one teaching the first class.
    pub teachers: Vec<DemoAccount>,
    /// Parents who have activated their account (the others still wait for a code).
    pub parents: Vec<DemoAccount>,
    /// Every pupil.
    pub pupils: Vec<DemoAccount>,
    /// The classes, youngest first.
    pub classes: Vec<Class>,
}

const DEMO_POEM: &str = "Le Corbeau et le Renard\n\nMaître Corbeau, sur un arbre perché,\nTenait en son bec un fromage.\nMaître Renard, par l'odeur alléché,\nLui tint à peu près ce langage :\n« Hé ! bonjour, Monsieur du Corbeau.\nQue vous êtes joli ! que vous me semblez beau ! »\n\nJean de La Fontaine\n";
/// Resources of the demo library: title, kind, levels, subject, text.
const DEMO_RESOURCES: &[(&str, ResourceKind, &[Level], Discipline, &str)] = &[
    (
        "Le cycle de l'eau",
        ResourceKind::Lesson,
        &[Level::Cp, Level::Ce1],
        Discipline::Science,
        "L'eau de la mer s'évapore avec la chaleur du soleil.\nLa vapeur forme les nuages, puis la pluie tombe et rejoint les rivières.\n",
    ),
    (
        "Les animaux de la ferme",
        ResourceKind::Worksheet,
        &[Level::Cp],
        Discipline::Science,
        "Relie chaque animal à son petit : la vache et le veau, la poule et le poussin, la brebis et l'agneau.\n",
    ),
    (
        "Les fractions",
        ResourceKind::Worksheet,
        &[Level::Cm1, Level::Cm2],
        Discipline::Mathematics,
        "Partage une tarte en quatre parts égales : chaque part est un quart de la tarte.\n",
    ),
    (
        "L'accord du pluriel",
        ResourceKind::Lesson,
        &[Level::Ce1, Level::Ce2],
        Discipline::French,
        "Au pluriel, on ajoute souvent un s : un élève, des élèves ; un cheval, des chevaux.\n",
    ),
];
const DEMO_OUTINGS: &str = "Sorties de l'année\n\n- Octobre : ferme pédagogique (CP, CE1)\n- Mars : musée des Beaux-Arts (CE2, CM1)\n- Juin : classe de découverte (CM2)\n";

/// Password of every adult of the demo school (never used outside the demo).
pub const DEMO_PASSWORD: &str = "preau-demo-2026";

const GIRLS: &[&str] = &[
    "Léa",
    "Emma",
    "Jade",
    "Louise",
    "Alice",
    "Chloé",
    "Lina",
    "Rose",
    "Anna",
    "Mia",
    "Inès",
    "Léna",
    "Julia",
    "Zoé",
    "Ambre",
    "Agathe",
    "Juliette",
    "Lou",
    "Manon",
    "Camille",
    "Sarah",
    "Nina",
    "Romane",
    "Lucie",
    "Margaux",
    "Clémence",
    "Maëlys",
    "Yasmine",
    "Éva",
    "Iris",
    "Salomé",
    "Apolline",
    "Capucine",
    "Héloïse",
    "Victoire",
    "Maya",
    "Aya",
    "Noémie",
];
const BOYS: &[&str] = &[
    "Gabriel", "Léo", "Raphaël", "Louis", "Arthur", "Jules", "Adam", "Maël", "Lucas", "Hugo",
    "Noah", "Liam", "Sacha", "Nathan", "Tom", "Théo", "Éthan", "Paul", "Nolan", "Timéo", "Mohamed",
    "Aaron", "Martin", "Noé", "Victor", "Axel", "Baptiste", "Malo", "Gaspard", "Mathis", "Robin",
    "Isaac", "Yanis", "Clément", "Évan", "Antoine", "Samuel", "Rayan",
];
const FAMILY_NAMES: &[&str] = &[
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefèvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Lefebvre",
    "Faure",
    "André",
    "Mercier",
    "Blanc",
    "Guérin",
    "Boyer",
    "Garnier",
    "Chevalier",
    "François",
    "Legrand",
    "Gauthier",
    "Garcia",
    "Perrin",
    "Robin",
    "Clément",
    "Morin",
    "Nicolas",
    "Henry",
    "Roussel",
    "Mathieu",
    "Gautier",
    "Masson",
    "Marchand",
    "Duval",
    "Denis",
    "Dumont",
    "Marie",
    "Lemaire",
    "Noël",
    "Meyer",
    "Dufour",
    "Meunier",
    "Brun",
    "Blanchard",
    "Giraud",
    "Joly",
    "Rivière",
    "Lucas",
    "Brunet",
    "Gaillard",
    "Barbier",
    "Arnaud",
    "Martinez",
    "Gérard",
    "Roche",
    "Renard",
    "Schmitt",
    "Roy",
    "Leroux",
    "Colin",
    "Vidal",
    "Caron",
    "Picard",
    "Roger",
    "Fabre",
    "Aubert",
    "Lemoine",
    "Renaud",
    "Dumas",
    "Lacroix",
    "Olivier",
    "Philippe",
    "Bourgeois",
    "Pierre",
    "Benoît",
    "Rey",
    "Leclerc",
    "Payet",
    "Rolland",
    "Leclercq",
    "Guillaume",
    "Lecomte",
    "Lopez",
    "Jean",
    "Dupuy",
    "Guillot",
    "Hubert",
    "Berger",
    "Carpentier",
    "Sanchez",
    "Dupuis",
    "Moulin",
    "Louis",
    "Deschamps",
    "Huet",
    "Vasseur",
    "Perez",
    "Boucher",
    "Fleury",
    "Royer",
    "Klein",
    "Jacquet",
    "Adam",
    "Paris",
    "Poirier",
    "Marty",
    "Aubry",
    "Guyot",
    "Carré",
    "Charles",
    "Renault",
    "Charpentier",
    "Ménard",
    "Maillard",
    "Baron",
    "Bertin",
    "Bailly",
    "Hervé",
    "Schneider",
    "Fernandez",
    "Le Gall",
    "Collet",
    "Léger",
    "Bouvier",
    "Julien",
    "Prévost",
    "Millet",
    "Perrot",
    "Daniel",
    "Le Roux",
    "Cousin",
    "Germain",
    "Breton",
    "Besson",
    "Langlois",
    "Rémy",
    "Le Goff",
    "Pelletier",
    "Lévêque",
    "Perrier",
    "Leblanc",
    "Barré",
    "Lebrun",
    "Marchal",
    "Weber",
    "Mallet",
    "Hamon",
    "Boulanger",
    "Jacob",
    "Monnier",
    "Michaud",
    "Rodriguez",
    "Guichard",
    "Gillet",
    "Étienne",
    "Grondin",
    "Poulain",
    "Tessier",
    "Chevallier",
    "Collin",
    "Chauvin",
    "Da Silva",
    "Bouchet",
    "Gay",
    "Lemaître",
    "Bénard",
    "Maréchal",
    "Humbert",
    "Reynaud",
    "Antoine",
    "Hoarau",
    "Perret",
    "Barthélemy",
    "Cordier",
    "Pichon",
    "Lejeune",
    "Gilbert",
    "Lamy",
    "Delaunay",
    "Pasquier",
    "Carlier",
    "Laporte",
];
const ADULT_FIRST: &[&str] = &[
    "Nathalie",
    "Stéphane",
    "Sandrine",
    "Christophe",
    "Isabelle",
    "Sébastien",
    "Céline",
    "Nicolas",
    "Virginie",
    "Julien",
    "Aurélie",
    "Frédéric",
    "Émilie",
    "Olivier",
    "Caroline",
    "Jérôme",
    "Delphine",
    "David",
    "Stéphanie",
    "Mathieu",
    "Élodie",
    "Guillaume",
    "Laetitia",
    "Cédric",
    "Audrey",
    "Vincent",
    "Karine",
    "Thomas",
    "Sophie",
    "Romain",
    "Valérie",
    "Fabrice",
    "Anne",
    "Yannick",
    "Hélène",
    "Samir",
    "Fatima",
    "Karim",
    "Nadia",
    "Marc",
];

/// A small deterministic generator (SplitMix64) so the demo school is the same every time.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn id(&mut self) -> u64 {
        self.next().max(1)
    }
}

fn adult(dice: &mut Dice, role: Role, first: &str, last: &str, login: String) -> User {
    User {
        id: UserId(dice.id()),
        login,
        first_name: first.into(),
        last_name: last.into(),
        role,
        birth_date: None,
        classes: vec![],
        guardians: vec![],
        email: None,
        archived: false,
    }
}

impl App {
    /// Whether the school has been set up.
    pub fn is_set_up(&self) -> bool {
        self.directory().school().is_some()
    }

    /// Creates the demo school in one transaction. Refuses if a school exists already.
    pub fn seed_demo(&self, plan: &DemoPlan) -> Result<DemoSchool, AppError> {
        if self.is_set_up() {
            return Err(AppError::Invalid(crate::Problem::Missing("base vide")));
        }
        let today = OffsetDateTime::from_unix_timestamp(self.now())
            .map(|t| t.date())
            .unwrap_or(Date::MIN);
        let year = SchoolYear::containing(today);
        let mut dice = Dice(0x5EED_2026);
        let school = School {
            name: "École élémentaire Jules Ferry".into(),
            uai: Uai::parse("0691234S").map_err(|_| AppError::NotFound)?,
            address: "12 rue des Écoles\n69100 Montreval".into(),
            commune: "Montreval".into(),
            year,
        };
        let password_hash = self.hasher.hash_blocking(DEMO_PASSWORD);
        let mut demo = DemoSchool::default();
        let mut users: Vec<User> = Vec::new();
        let mut credentials: Vec<Credentials> = Vec::new();
        let mut with_password = |user: &User| {
            credentials.push(Credentials {
                user: user.id,
                password_hash: Some(password_hash.clone()),
                ..Credentials::default()
            });
            DemoAccount {
                user: user.clone(),
                password: Some(DEMO_PASSWORD.into()),
                pictures: None,
                card_secret: None,
            }
        };

        let head = adult(
            &mut dice,
            Role::Headteacher,
            "Claire",
            "Dubois",
            "claire.dubois".into(),
        );
        demo.headteacher = Some(with_password(&head));
        users.push(head);
        let teacher_names = [
            ("Sophie", "Lambert"),
            ("Julien", "Moreau"),
            ("Aurélie", "Fontaine"),
            ("Karim", "Benali"),
            ("Hélène", "Rousseau"),
            ("Marc", "Lefèvre"),
        ];
        let teachers: Vec<User> = teacher_names
            .iter()
            .map(|(f, l)| {
                let login = preau_core::directory::login_from_names(f, l);
                adult(&mut dice, Role::Teacher, f, l, login)
            })
            .collect();
        for t in &teachers {
            demo.teachers.push(with_password(t));
        }
        users.extend(teachers.iter().cloned());

        // Classes: one teacher each; the sixth teacher shares the older classes (décharge).
        for (i, (levels, _)) in plan.classes.iter().enumerate() {
            let mut class_teachers = vec![teachers[i % 5].id];
            if i + 2 >= plan.classes.len() {
                class_teachers.push(teachers[5].id);
            }
            let label = preau_core::level::levels_label(levels);
            let teacher = &teachers[i % 5];
            demo.classes.push(Class {
                id: ClassId(dice.id()),
                name: format!(
                    "{label} de {} {}",
                    if i % 2 == 0 { "Mme" } else { "M." },
                    teacher.last_name
                ),
                levels: levels.clone(),
                year,
                teachers: class_teachers,
                archived: false,
            });
        }

        // Families: most have one child here, some two (siblings in different classes).
        let mut logins = std::collections::HashSet::new();
        let mut unique_login = |first: &str, last: &str| {
            let base = preau_core::directory::login_from_names(first, last);
            let mut login = base.clone();
            let mut n = 1;
            while !logins.insert(login.clone()) {
                n += 1;
                login = format!("{base}{n}");
            }
            login
        };
        // Reserve the adults' identifiers so that no parent or pupil takes them.
        for u in &users {
            unique_login(&u.first_name, &u.last_name);
        }
        let mut families: Vec<(String, Vec<UserId>)> = Vec::new();
        for (class_index, (levels, count)) in plan.classes.iter().enumerate() {
            let class = demo.classes[class_index].clone();
            for _ in 0..*count {
                let sibling = !families.is_empty() && dice.chance(18);
                let family_index = if sibling {
                    families.len() - 1 - dice.below(families.len().min(20))
                } else {
                    let name = dice.pick(FAMILY_NAMES).to_string();
                    let mut guardians = Vec::new();
                    let n_guardians = if dice.chance(82) { 2 } else { 1 };
                    for g in 0..n_guardians {
                        let first = dice.pick(ADULT_FIRST);
                        let last = if g == 1 && dice.chance(25) {
                            dice.pick(FAMILY_NAMES).to_string()
                        } else {
                            name.clone()
                        };
                        let login = unique_login(first, &last);
                        let parent = adult(&mut dice, Role::Parent, first, &last, login);
                        guardians.push(parent.id);
                        users.push(parent);
                    }
                    families.push((name, guardians));
                    families.len() - 1
                };
                let (family_name, guardians) = families[family_index].clone();
                let first = if dice.chance(50) {
                    dice.pick(GIRLS)
                } else {
                    dice.pick(BOYS)
                };
                let age = levels.first().map(|l| l.usual_age()).unwrap_or(6) as i32;
                let month = Month::try_from(1 + dice.below(12) as u8).unwrap_or(Month::January);
                let day = 1 + dice.below(28) as u8;
                let birth = Date::from_calendar_date(year.0 - age, month, day).ok();
                let login = unique_login(first, &family_name);
                let pupil = User {
                    id: UserId(dice.id()),
                    login,
                    first_name: first.into(),
                    last_name: family_name,
                    role: Role::Pupil,
                    birth_date: birth,
                    classes: vec![class.id],
                    guardians,
                    email: None,
                    archived: false,
                };
                let pictures = crate::accounts::random_picture_code();
                let card_secret = crate::tokens::secret_token();
                credentials.push(Credentials {
                    user: pupil.id,
                    picture_code: Some(pictures),
                    card_secret: Some(card_secret.clone()),
                    ..Credentials::default()
                });
                demo.pupils.push(DemoAccount {
                    user: pupil.clone(),
                    password: None,
                    pictures: Some(pictures),
                    card_secret: Some(card_secret),
                });
                users.push(pupil);
            }
        }
        // The guardians of the first pupil of the first class have activated their accounts.
        if let Some(first) = demo.pupils.first() {
            for g in &first.user.guardians {
                if let Some(parent) = users.iter().find(|u| u.id == *g) {
                    credentials.push(Credentials {
                        user: parent.id,
                        password_hash: Some(password_hash.clone()),
                        ..Credentials::default()
                    });
                    demo.parents.push(DemoAccount {
                        user: parent.clone(),
                        password: Some(DEMO_PASSWORD.into()),
                        pictures: None,
                        card_secret: None,
                    });
                }
            }
        }

        self.store.write(|w| -> Result<(), AppError> {
            w.put(&school)?;
            for class in &demo.classes {
                w.put(class)?;
            }
            for user in &users {
                save_user(w, user)?;
            }
            for c in &credentials {
                save_credentials(w, c)?;
            }
            Ok(())
        })?;
        self.refresh_directory()?;
        Ok(demo)
    }

    /// Puts a little work in the demo school so that its pages are not empty: a lesson in
    /// each class space, a note in the staff room, and an assignment for each class.
    pub fn seed_demo_documents(&self, demo: &DemoSchool) -> Result<(), AppError> {
        let dir = self.directory();
        let file = |who: &Subject, folder: NodeId, name: &str, text: &str| {
            let mut incoming = self.incoming(name)?;
            incoming.write(text.as_bytes())?;
            let received = incoming.finish()?;
            self.save_file(who, folder, name, &received)
        };
        for class in &demo.classes {
            let Some(teacher) = class.teachers.first().and_then(|t| dir.user(*t)) else {
                continue;
            };
            let who = dir.subject(teacher);
            let space = self.ensure_space(SpaceOwner::Class(class.id))?;
            let lessons = self.create_folder(&who, space.root, "Leçons")?;
            file(&who, lessons.id, "Poésie de la semaine.txt", DEMO_POEM)?;
            self.create_assignment(
                &who,
                &AssignmentForm {
                    class: Some(class.id),
                    title: "Illustrer la poésie".into(),
                    instructions: "Fais un dessin de la poésie de la semaine et rends-le ici (photo ou dessin sur la tablette).".into(),
                    due: crate::paris::input_value(self.now() + 7 * 24 * 3600),
                    ..AssignmentForm::default()
                },
            )?;
        }
        if let Some(head) = &demo.headteacher {
            let who = dir.subject(&head.user);
            let staff = self.ensure_space(SpaceOwner::Staff)?;
            file(&who, staff.root, "Calendrier des sorties.txt", DEMO_OUTINGS)?;
        }
        if let Some(teacher) = demo.teachers.first() {
            self.seed_demo_library(&dir.subject(&teacher.user))?;
        }
        if let Some(head) = &demo.headteacher {
            let teacher = demo.teachers.first().map(|t| dir.subject(&t.user));
            self.seed_demo_bookings(&dir.subject(&head.user), teacher.as_ref())?;
        }
        self.seed_demo_logbook(demo)?;
        self.seed_demo_news(demo)?;
        self.seed_demo_messages(demo)?;
        self.seed_demo_liaison(demo)?;
        self.seed_demo_exercises(demo)?;
        Ok(())
    }

    /// The demo's exercises: the first class's teacher wrote a sequence (a lesson on the
    /// verb « manger », fill-in-the-blanks, multiple choice, putting in order, a short
    /// answer, and an easier variant) and set it to the class in training mode for a week;
    /// a few pupils have done it, with mistakes, so that the teacher's grid is not empty.
    fn seed_demo_exercises(&self, demo: &DemoSchool) -> Result<(), AppError> {
        use crate::exercises::{ExerciseForm, QuestionForm, SequenceForm, TaskForm};
        use preau_core::{Given, Level};
        let dir = self.directory();
        let Some(class) = demo.classes.first() else {
            return Ok(());
        };
        let Some(teacher) = class.teachers.first().and_then(|t| dir.user(*t)) else {
            return Ok(());
        };
        let who = dir.subject(teacher);
        let sequence = self.create_sequence(
            &who,
            &SequenceForm {
                title: "Le verbe manger".into(),
                lesson: "Au présent : je mange, tu manges, il mange, nous mangeons, vous mangez, ils mangent.\n\nAttention au **e** de « nous mangeons » !".into(),
                levels: vec![Level::Cp, Level::Ce1],
                discipline: Some(preau_core::Discipline::French),
            },
        )?;
        let exercise = |title: &str, instruction: &str| {
            self.add_exercise(
                &who,
                sequence.id,
                &ExerciseForm {
                    title: title.into(),
                    instruction: instruction.into(),
                    competence: "FR2-ECRIRE-1".into(),
                    ..ExerciseForm::default()
                },
            )
        };
        let question = |kind: &str, prompt: &str, answers: &str, hint: &str| QuestionForm {
            kind: kind.into(),
            prompt: prompt.into(),
            answers: answers.into(),
            hint: hint.into(),
            case_forgiven: true,
            ..QuestionForm::default()
        };
        let blanks = exercise("Compléter les phrases", "Écris le verbe manger.")?;
        for q in [
            question(
                "trous",
                "",
                "Le chat [mange] la souris.",
                "Le chat, c'est « il ».",
            ),
            question(
                "trous",
                "",
                "Nous [mangeons] à la cantine.",
                "N'oublie pas le e.",
            ),
            question(
                "qcm",
                "Choisis la bonne phrase.",
                "* Vous mangez une pomme.\nVous mangeons une pomme.\nVous mange une pomme.",
                "Avec « vous », le verbe finit par -ez.",
            ),
            question(
                "ordre",
                "Remets la phrase dans l'ordre.",
                "Les\nenfants\nmangent\nune\nglace",
                "La phrase commence par une majuscule.",
            ),
        ] {
            self.save_question(&who, blanks.id, None, &q, None, None)?;
        }
        let easier = self.add_exercise(
            &who,
            sequence.id,
            &ExerciseForm {
                title: "Compléter (plus facile)".into(),
                instruction: "Choisis le bon mot.".into(),
                ..ExerciseForm::default()
            },
        )?;
        self.save_question(
            &who,
            easier.id,
            None,
            &question(
                "qcm",
                "Le chat … la souris.",
                "* mange\nmangent",
                "Un seul chat.",
            ),
            None,
            None,
        )?;
        self.remove_exercise(&who, sequence.id, easier.id)?;
        self.update_exercise(
            &who,
            blanks.id,
            &ExerciseForm {
                title: blanks.title.clone(),
                instruction: blanks.instruction.clone(),
                competence: "FR2-ECRIRE-1".into(),
                easier: easier.id.to_string(),
                ..ExerciseForm::default()
            },
        )?;
        let count = exercise("Calcul mental", "Calcule dans ta tête.")?;
        for q in [
            question("reponse", "3 + 4 = ?", "7", "Compte sur tes doigts."),
            question("reponse", "10 − 2 = ?", "8", "Recule de 2."),
        ] {
            self.save_question(
                &who,
                count.id,
                None,
                &QuestionForm { numeric: true, ..q },
                None,
                None,
            )?;
        }
        let today = crate::bookings::today(self.now());
        let task = self.set_task(
            &who,
            sequence.id,
            class.id,
            &TaskForm {
                audience: preau_core::LiaisonAudience::Class(class.id).code(),
                opens: today.to_string(),
                due: crate::bookings::today(self.now() + 7 * 24 * 3600).to_string(),
                mode: "entrainement".into(),
                ..TaskForm::default()
            },
        )?;
        // Three pupils (not the first, whose card the demo shows) have done it.
        for (n, pupil) in task.pupils.iter().skip(1).take(3).enumerate() {
            let Some(user) = dir.user(*pupil) else {
                continue;
            };
            let me = dir.subject(user);
            self.start_round(&me, task.id)?;
            let answers = [
                Given::Blanks(vec![if n == 2 { "manges" } else { "mange" }.into()]),
                Given::Blanks(vec![if n == 0 { "mangeons" } else { "mangons" }.into()]),
                Given::Blanks(vec!["mangeons".into()]),
                Given::Choice(vec![0]),
                Given::Order(vec![0, 1, 2, 3, 4]),
                Given::Short("7".into()),
                Given::Short(if n == 1 { "9" } else { "8" }.into()),
                Given::Short("8".into()),
                Given::Short("8".into()),
            ];
            for given in answers {
                let crate::exercises::Step::Question(screen) = self.step(&me, task.id)? else {
                    break;
                };
                let at = (screen.round, screen.exercise_index, screen.question_index);
                if let Err(e) = self.answer(&me, task.id, at, given) {
                    tracing::debug!("demo answer skipped: {e}");
                }
            }
        }
        Ok(())
    }

    /// The demo's carnet de liaison: the first class's teacher asks its families to
    /// authorise an outing (with a deadline a week ahead); a few families have signed and
    /// answered, one replied, the first pupil's family (the demo parents) has not yet.
    fn seed_demo_liaison(&self, demo: &DemoSchool) -> Result<(), AppError> {
        use crate::liaison::WordForm;
        use preau_core::LiaisonAudience;
        let dir = self.directory();
        let Some(class) = demo.classes.first() else {
            return Ok(());
        };
        let Some(teacher) = class.teachers.first().and_then(|t| dir.user(*t)) else {
            return Ok(());
        };
        let deadline = crate::bookings::today(self.now() + 7 * 24 * 3600);
        let word = self.post_liaison(
            &dir.subject(teacher),
            &WordForm {
                audience: LiaisonAudience::Class(class.id).code(),
                title: "Sortie à la ferme pédagogique".into(),
                body: "Chers parents,\n\nLa classe ira à la ferme pédagogique des Trois Chênes. Départ en car à 9 h, retour à 16 h 15. Prévoir un pique-nique, des bottes et un vêtement de pluie.\n\nMerci de signer ce mot et de nous dire si vous autorisez votre enfant à participer.".into(),
                consent: true,
                question: "J'autorise mon enfant à participer à la sortie à la ferme pédagogique.".into(),
                deadline: deadline.to_string(),
                ..WordForm::default()
            },
        )?;
        let families: Vec<(UserId, UserId)> = word
            .pupils
            .iter()
            .skip(1)
            .take(4)
            .filter_map(|p| {
                dir.user(*p)
                    .and_then(|u| u.guardians.first().map(|g| (*p, *g)))
            })
            .collect();
        for (n, (pupil, guardian)) in families.into_iter().enumerate() {
            let Some(parent) = dir.user(guardian) else {
                continue;
            };
            let who = dir.subject(parent);
            self.answer_liaison_consent(&who, word.id, pupil, n != 2)?;
            if n == 0 {
                self.reply_liaison(
                    &who,
                    word.id,
                    pupil,
                    "Merci ! Je peux accompagner la classe si besoin.",
                )?;
            }
        }
        Ok(())
    }

    /// A few messages: the first class's teacher writes to a parent, who replies, and to
    /// colleagues about the outing.
    fn seed_demo_messages(&self, demo: &DemoSchool) -> Result<(), AppError> {
        use crate::messages::NewMessage;
        let dir = self.directory();
        let (Some(teacher), Some(parent)) = (demo.teachers.first(), demo.parents.first()) else {
            return Ok(());
        };
        let teacher = dir.subject(&teacher.user);
        let child = demo
            .pupils
            .first()
            .map(|p| p.user.first_name.clone())
            .unwrap_or_default();
        let started = self.send_message(
            &teacher,
            &NewMessage {
                to: vec![parent.user.id],
                subject: format!("Le cahier de lecture de {child}"),
                body: format!("Bonjour,\n\n{child} a oublié son cahier de lecture en classe aujourd'hui. Pouvez-vous veiller à ce qu'il soit dans le cartable demain ?\n\nBonne soirée,\n{}", dir.user(teacher.user).map(User::full_name).unwrap_or_default()),
            },
            &[],
            &[],
        )?;
        if let Some(conversation) = started.first() {
            self.reply(
                &dir.subject(&parent.user),
                conversation.id,
                "Bonjour, merci de nous avoir prévenus : le cahier sera dans le cartable demain matin.",
                &[],
                &[],
            )?;
        }
        let mut colleagues: Vec<UserId> = demo
            .teachers
            .iter()
            .skip(1)
            .take(1)
            .map(|t| t.user.id)
            .collect();
        colleagues.extend(demo.headteacher.as_ref().map(|h| h.user.id));
        if !colleagues.is_empty() {
            self.send_message(
                &teacher,
                &NewMessage {
                    to: colleagues,
                    subject: "Sortie au musée : accompagnateurs".into(),
                    body: "Bonjour à tous,\n\nPour la sortie de jeudi il nous manque un accompagnateur. Quelqu'un est-il libre le matin ?\n\nMerci !".into(),
                },
                &[],
                &[],
            )?;
        }
        Ok(())
    }

    /// A few weeks of cahier de textes in each class: weekly sessions from two weeks back to
    /// four weeks ahead, with homework, the class's poem attached and a library resource.
    fn seed_demo_logbook(&self, demo: &DemoSchool) -> Result<(), AppError> {
        use crate::logbook::EntryForm;
        use jiff::ToSpan;
        // Weekday (0 = Monday), title, session, homework, days until it is due.
        let week: [(i32, &str, &str, &str, i32); 4] = [
            (
                0,
                "Lecture",
                "Lecture à voix haute de la poésie de la semaine.\nVocabulaire : les mots du corbeau et du renard.",
                "Relire la poésie et apprendre la première strophe.",
                1,
            ),
            (
                1,
                "Mathématiques",
                "Les nombres : dizaines et unités, avec le matériel.",
                "Fiche d'exercices : exercices 1 et 2.",
                2,
            ),
            (
                3,
                "Questionner le monde",
                "Le cycle de l'eau : expérience de l'évaporation (voir la fiche de la bibliothèque).",
                "",
                0,
            ),
            (
                4,
                "Écriture",
                "Copie de la date et d'une phrase du jour, en attaché.",
                "Apporter une photo de vacances pour lundi.",
                3,
            ),
        ];
        let dir = self.directory();
        let calendar = self.booking_settings()?.calendar;
        let monday = crate::bookings::monday_of(crate::bookings::today(self.now()));
        let start = monday.checked_sub(14.days()).unwrap_or(monday);
        let until = monday.checked_add(32.days()).unwrap_or(monday);
        for class in &demo.classes {
            let Some(teacher) = class.teachers.first().and_then(|t| dir.user(*t)) else {
                continue;
            };
            let who = dir.subject(teacher);
            let poem: Vec<NodeId> = self
                .attachable_files(&who, class.id)?
                .into_iter()
                .filter(|(_, label)| label.contains("Poésie"))
                .map(|(id, _)| id)
                .collect();
            let water: Vec<_> = self
                .resources(&who, &crate::library::LibraryFilter::default())
                .unwrap_or_default()
                .into_iter()
                .filter(|r| r.title == "Le cycle de l'eau")
                .map(|r| r.id)
                .collect();
            for (weekday, title, done, homework, due_in) in week {
                // The first school day on this weekday of the run.
                let Some(first) = (0..6)
                    .filter_map(|w| start.checked_add((weekday + 7 * w).days()).ok())
                    .find(|d| calendar.day_closure(*d).is_none())
                else {
                    continue;
                };
                let due = first
                    .checked_add(due_in.days())
                    .ok()
                    .and_then(|d| preau_core::logbook::next_school_day(&calendar, d))
                    .map(|d| d.to_string())
                    .unwrap_or_default();
                let form = EntryForm {
                    date: first.to_string(),
                    title: title.into(),
                    done: done.into(),
                    homework: homework.into(),
                    due,
                    repeat_until: until.to_string(),
                    files: if weekday == 0 {
                        poem.clone()
                    } else {
                        Vec::new()
                    },
                    resources: if weekday == 3 {
                        water.clone()
                    } else {
                        Vec::new()
                    },
                    ..EntryForm::default()
                };
                // A demo started in the holidays may find no school day: skip the entry.
                if let Err(e) = self.write_logbook_entry(&who, class.id, &form) {
                    tracing::debug!("demo logbook entry skipped: {e}");
                }
            }
        }
        Ok(())
    }

    /// The demo's rooms and equipment, and a few bookings in the coming school days.
    fn seed_demo_bookings(
        &self,
        head: &Subject,
        teacher: Option<&Subject>,
    ) -> Result<(), AppError> {
        let mut ids = Vec::new();
        for (name, kind, place, capacity, quantity, approval) in DEMO_BOOKABLES {
            let form = BookableForm {
                name: (*name).into(),
                kind: Some(*kind),
                description: String::new(),
                place: (*place).into(),
                capacity: capacity.to_string(),
                quantity: quantity.to_string(),
                needs_approval: *approval,
                archived: false,
            };
            ids.push(self.save_bookable(head, None, &form)?.id);
        }
        let Some(teacher) = teacher else {
            return Ok(());
        };
        let calendar = self.booking_settings()?.calendar;
        let today = crate::bookings::today(self.now());
        let school_days = (1..60)
            .filter_map(|d| today.checked_add(jiff::ToSpan::days(d)).ok())
            .filter(|d| {
                calendar.day_closure(*d).is_none() && d.weekday() != jiff::civil::Weekday::Wednesday
            });
        let wishes = [
            (0, "8:30", "9:30", 1, "Recherches documentaires"),
            (7, "13:30", "14:30", 8, "Atelier numérique"),
        ];
        for ((bookable, start, end, quantity, purpose), date) in wishes
            .iter()
            .map(|(i, s, e, q, p)| (ids[*i], *s, *e, *q, *p))
            .zip(school_days)
        {
            let request = BookingRequest {
                bookable,
                date: date.to_string(),
                start: start.into(),
                end: end.into(),
                quantity,
                purpose: purpose.into(),
                ..BookingRequest::default()
            };
            // A demo started late in the day or the year may find a slot unavailable: skip it.
            if let Err(e) = self.book(teacher, &request) {
                tracing::debug!("demo booking skipped: {e}");
            }
        }
        Ok(())
    }

    /// A few resources and a collection in the demo's library.
    fn seed_demo_library(&self, who: &Subject) -> Result<(), AppError> {
        let mut published = Vec::new();
        for (title, kind, levels, discipline, text) in DEMO_RESOURCES {
            let mut incoming = self.incoming("fiche.txt")?;
            incoming.write(text.as_bytes())?;
            let received = incoming.finish()?;
            let form = ResourceForm {
                title: (*title).into(),
                description: text.lines().next().unwrap_or("").into(),
                levels: levels.to_vec(),
                disciplines: vec![*discipline],
                kind: Some(*kind),
                licence: "CC BY-SA 4.0".into(),
                ..ResourceForm::default()
            };
            let name = format!("{title}.txt");
            published.push(self.publish_resource(who, &form, Some((&name, &received)))?);
        }
        let link = ResourceForm {
            title: "Vikidia, l'encyclopédie des 8-13 ans".into(),
            description: "Une encyclopédie en ligne écrite pour les enfants.".into(),
            levels: vec![Level::Ce2, Level::Cm1, Level::Cm2],
            kind: Some(ResourceKind::Link),
            url: "https://fr.vikidia.org/".into(),
            ..ResourceForm::default()
        };
        self.publish_resource(who, &link, None)?;
        let collection = self.create_collection(who, "Sciences au CP", "Pour la période 2")?;
        for r in published
            .iter()
            .filter(|r| r.disciplines.contains(&Discipline::Science))
        {
            self.curate(who, collection.id, r.id, true)?;
        }
        Ok(())
    }

    /// The demo's news: the canteen menu (pinned, with a picture), an outing for the first
    /// class's families with its permission slip, a staff meeting, and a festivity whose
    /// publication is scheduled.
    fn seed_demo_news(&self, demo: &DemoSchool) -> Result<(), AppError> {
        use crate::documents::Received;
        use crate::news::NewsForm;
        use preau_core::NewsAudience;
        let Some(head) = &demo.headteacher else {
            return Ok(());
        };
        let who = self.directory().subject(&head.user);
        let received = |name: &str, bytes: &[u8]| -> Result<(String, Received), AppError> {
            let mut incoming = self.incoming(name)?;
            incoming.write(bytes)?;
            Ok((name.to_string(), incoming.finish()?))
        };
        let menu_picture = received("menu-de-la-semaine.png", &demo_banner())?;
        let slip = received("Autorisation.txt", DEMO_PERMISSION_SLIP.as_bytes())?;
        let in_days = |days: i64| crate::paris::input_value(self.now() + days * 24 * 3600);
        let mut items = vec![
            (
                NewsForm {
                    title: "Menu de la cantine cette semaine".into(),
                    body: DEMO_MENU.into(),
                    audience: Some(NewsAudience::Families),
                    pinned: true,
                    ..NewsForm::default()
                },
                vec![menu_picture],
            ),
            (
                NewsForm {
                    title: "Conseil des maîtres mardi à 17 h".into(),
                    body: "Ordre du jour : projet d'école, préparation de la fête de fin d'année, sorties du trimestre.\n\nSalle des maîtres, apportez vos propositions.".into(),
                    audience: Some(NewsAudience::Team),
                    ..NewsForm::default()
                },
                Vec::new(),
            ),
            (
                NewsForm {
                    title: "Fête de l'école : appel aux bénévoles".into(),
                    body: "La fête de l'école approche ! Nous cherchons des parents pour tenir les stands et préparer le goûter.\n\nInscriptions auprès de l'enseignant·e de votre enfant.".into(),
                    audience: Some(NewsAudience::Families),
                    publish_at: in_days(3),
                    ..NewsForm::default()
                },
                Vec::new(),
            ),
        ];
        if let Some(class) = demo.classes.first() {
            items.push((
                NewsForm {
                    title: "Sortie au musée jeudi".into(),
                    body: format!("La classe {} visite le musée des Confluences jeudi. Départ en car à 8 h 45, retour pour la cantine.\n\nMerci de rendre l'autorisation de sortie signée d'ici mardi.", class.name),
                    audience: Some(NewsAudience::ClassFamilies(class.id)),
                    ..NewsForm::default()
                },
                vec![slip],
            ));
        }
        for (form, files) in &items {
            self.publish_news(&who, form, files)?;
        }
        Ok(())
    }

    /// Records the school of an empty box (used by `preau admin init-school`).
    pub fn set_up_school(&self, school: School) -> Result<(), AppError> {
        self.store.write(|w| w.put(&school))?;
        self.refresh_directory()
    }
}

/// The demo's canteen menu.
const DEMO_MENU: &str = "Lundi : carottes râpées, hachis parmentier, yaourt.\nMardi : potage de légumes, poisson pané et riz, fruit de saison.\nJeudi : salade de lentilles, poulet rôti et haricots verts, fromage blanc.\nVendredi : betteraves, lasagnes végétariennes, compote.\n\nLes produits laitiers sont issus de l'agriculture biologique.";

/// The demo outing's permission slip.
const DEMO_PERMISSION_SLIP: &str = "Autorisation de sortie\n\nJe soussigné·e ……………… autorise mon enfant ……………… à participer à la sortie au musée jeudi.\n\nSignature :\n";

/// A small picture for the demo's menu: a striped banner in the school's colours (PNG).
fn demo_banner() -> Vec<u8> {
    let banner = image::RgbImage::from_fn(480, 240, |x, y| {
        if (x / 40 + y / 40) % 2 == 0 {
            image::Rgb([242, 165, 65])
        } else {
            image::Rgb([29, 78, 137])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    // Encoding a small in-memory picture cannot fail; an empty file is only an attachment.
    let _ = banner.write_to(&mut out, image::ImageFormat::Png);
    out.into_inner()
}
