//! Duplicates: a pupil listed twice (same names and birth date, or same INE), a guardian
//! repeated on each of their children's rows, a teacher listed once per class.

use super::{
    ChildKey, MergeNote, OndeClass, OndeGuardian, OndePupil, OndeTeacher, date_fr, fold_name,
};
use std::collections::{HashMap, HashSet};
use time::Date;

/// The names a pupil can be found under, folded.
fn pupil_names(pupil: &OndePupil) -> [String; 2] {
    [fold_name(&pupil.last_name), fold_name(pupil.name())]
}

fn same_pupil(a: &OndePupil, b: &OndePupil) -> bool {
    if let (Some(x), Some(y)) = (&a.ine, &b.ine) {
        return x == y;
    }
    let [a1, a2] = pupil_names(a);
    let [b1, b2] = pupil_names(b);
    a.birth_date == b.birth_date
        && fold_name(a.first_name()) == fold_name(b.first_name())
        && (a1 == b1 || a1 == b2 || a2 == b1 || a2 == b2)
}

/// Merges pupils found twice, keeping the first and filling what it lacks from the other.
pub(crate) fn pupils(list: Vec<OndePupil>, notes: &mut Vec<MergeNote>) -> Vec<OndePupil> {
    let mut kept: Vec<OndePupil> = Vec::with_capacity(list.len());
    // Kept pupils under (first name, birth date, name) for both their names.
    let mut by_name: HashMap<(String, Date, String), Vec<usize>> = HashMap::new();
    let mut by_ine: HashMap<String, usize> = HashMap::new();
    let keys = |pupil: &OndePupil| {
        let first = fold_name(pupil.first_name());
        let [last, usage] = pupil_names(pupil);
        let mut keys = vec![(first.clone(), pupil.birth_date, last)];
        if usage != keys[0].2 {
            keys.push((first, pupil.birth_date, usage));
        }
        keys
    };
    for pupil in list {
        let found = pupil
            .ine
            .as_ref()
            .and_then(|ine| by_ine.get(ine).copied())
            .or_else(|| {
                keys(&pupil).iter().find_map(|key| {
                    by_name.get(key).and_then(|candidates| {
                        candidates
                            .iter()
                            .copied()
                            .find(|&i| same_pupil(&kept[i], &pupil))
                    })
                })
            });
        let Some(index) = found else {
            let index = kept.len();
            if let Some(ine) = &pupil.ine {
                by_ine.insert(ine.clone(), index);
            }
            for key in keys(&pupil) {
                by_name.entry(key).or_default().push(index);
            }
            kept.push(pupil);
            continue;
        };
        let into = &mut kept[index];
        let mut extra_fr = Vec::new();
        let mut extra_en = Vec::new();
        if into.ine.is_none() && pupil.ine.is_some() {
            into.ine.clone_from(&pupil.ine);
            extra_fr.push(format!("INE de la ligne {} gardé", pupil.line));
            extra_en.push(format!("INE of line {} kept", pupil.line));
            if let Some(ine) = &pupil.ine {
                by_ine.insert(ine.clone(), index);
            }
        }
        if let (Some(a), Some(b)) = (&into.class_label, &pupil.class_label)
            && fold_name(a) != fold_name(b)
        {
            extra_fr.push(format!("classe « {a} » gardée, « {b} » laissée"));
            extra_en.push(format!("class \"{a}\" kept, \"{b}\" dropped"));
        }
        if into.usage_name.is_none() {
            into.usage_name.clone_from(&pupil.usage_name);
        }
        if into.first_names.len() < pupil.first_names.len() {
            into.first_names.clone_from(&pupil.first_names);
        }
        into.sex = into.sex.or(pupil.sex);
        into.level = into.level.or(pupil.level);
        if into.class_label.is_none() {
            into.class_label.clone_from(&pupil.class_label);
        }
        if into.class_id.is_none() {
            into.class_id.clone_from(&pupil.class_id);
        }
        let extra = |parts: Vec<String>| {
            if parts.is_empty() {
                String::new()
            } else {
                format!(" ; {}", parts.join(" ; "))
            }
        };
        notes.push(MergeNote {
            lines: vec![into.line, pupil.line],
            message_fr: format!(
                "Élève en double fusionné : {} (lignes {} et {}){}",
                into.describe_fr(),
                into.line,
                pupil.line,
                extra(extra_fr)
            ),
            message_en: format!(
                "Duplicate pupil merged: {} {}, born {} (lines {} and {}){}",
                into.first_name(),
                into.name(),
                date_fr(into.birth_date),
                into.line,
                pupil.line,
                extra(extra_en)
            ),
        });
    }
    kept
}

/// Merges a guardian repeated for each child: same folded names, and e-mail addresses that
/// agree (equal, or missing on one side).
pub(crate) fn guardians(list: Vec<OndeGuardian>) -> Vec<OndeGuardian> {
    let mut kept: Vec<OndeGuardian> = Vec::with_capacity(list.len());
    // For each kept guardian, its children by folded names, to merge in linear time.
    let mut children_of: Vec<HashMap<(String, String), Vec<usize>>> = Vec::new();
    let mut by_name: HashMap<(String, String), Vec<usize>> = HashMap::new();
    let child_key = |child: &ChildKey| (fold_name(&child.last_name), fold_name(&child.first_name));
    for mut guardian in list {
        let key = (
            fold_name(&guardian.last_name),
            fold_name(&guardian.first_name),
        );
        let found = by_name.get(&key).and_then(|candidates| {
            candidates
                .iter()
                .copied()
                .find(|&i| match (&kept[i].email, &guardian.email) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                })
        });
        let children = std::mem::take(&mut guardian.children);
        let index = match found {
            Some(index) => {
                let into = &mut kept[index];
                if into.email.is_none() {
                    into.email = guardian.email;
                }
                if into.phone.is_none() {
                    into.phone = guardian.phone;
                }
                if into.relation.is_none() {
                    into.relation = guardian.relation;
                }
                index
            }
            None => {
                by_name.entry(key).or_default().push(kept.len());
                kept.push(guardian);
                children_of.push(HashMap::new());
                kept.len() - 1
            }
        };
        let into = &mut kept[index];
        let known = &mut children_of[index];
        for child in children {
            let key = child_key(&child);
            let same = known.get(&key).and_then(|list| {
                list.iter()
                    .copied()
                    .find(|&i| into.children[i].same_child(&child))
            });
            match same {
                Some(i) => {
                    let existing = &mut into.children[i];
                    if existing.ine.is_none() {
                        existing.ine = child.ine;
                    }
                    if existing.birth_date.is_none() {
                        existing.birth_date = child.birth_date;
                    }
                }
                None => {
                    known.entry(key).or_default().push(into.children.len());
                    into.children.push(child);
                }
            }
        }
    }
    kept
}

/// Merges a teacher listed more than once (same e-mail, else same folded names).
pub(crate) fn teachers(list: Vec<OndeTeacher>) -> Vec<OndeTeacher> {
    let mut kept: Vec<OndeTeacher> = Vec::with_capacity(list.len());
    let mut classes_of: Vec<HashSet<String>> = Vec::new();
    let mut by_email: HashMap<String, usize> = HashMap::new();
    let mut by_name: HashMap<(String, String), usize> = HashMap::new();
    for teacher in list {
        let name = (
            fold_name(&teacher.last_name),
            fold_name(&teacher.first_name),
        );
        let found = match &teacher.email {
            Some(email) => by_email.get(email).copied().or_else(|| {
                by_name
                    .get(&name)
                    .copied()
                    .filter(|&i| kept[i].email.is_none())
            }),
            None => by_name.get(&name).copied(),
        };
        let Some(index) = found else {
            let index = kept.len();
            if let Some(email) = &teacher.email {
                by_email.insert(email.clone(), index);
            }
            by_name.entry(name).or_insert(index);
            classes_of.push(teacher.classes.iter().map(|c| fold_name(c)).collect());
            kept.push(teacher);
            continue;
        };
        let into = &mut kept[index];
        if into.email.is_none()
            && let Some(email) = &teacher.email
        {
            by_email.insert(email.clone(), index);
            into.email = teacher.email;
        }
        if into.phone.is_none() {
            into.phone = teacher.phone;
        }
        if into.function.is_none() {
            into.function = teacher.function;
        }
        for class in teacher.classes {
            if classes_of[index].insert(fold_name(&class)) {
                into.classes.push(class);
            }
        }
    }
    kept
}

/// The key a class is known by: its ONDE identifier, else its folded name.
fn class_key(class: &OndeClass) -> String {
    match &class.id {
        Some(id) => format!("id:{id}"),
        None => format!("label:{}", fold_name(&class.label)),
    }
}

/// Joins classes found in several places (same identifier, or same folded name).
pub(crate) fn classes(list: Vec<OndeClass>) -> Vec<OndeClass> {
    let mut kept: Vec<OndeClass> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for class in list {
        let label_key = format!("label:{}", fold_name(&class.label));
        let found = by_key
            .get(&class_key(&class))
            .or_else(|| by_key.get(&label_key))
            .copied();
        match found {
            Some(index) => {
                let into = &mut kept[index];
                if into.id.is_none() && class.id.is_some() {
                    into.id = class.id;
                    by_key.insert(class_key(into), index);
                }
                into.pupils += class.pupils;
                into.levels.extend(class.levels);
                into.levels.sort_unstable();
                into.levels.dedup();
            }
            None => {
                let index = kept.len();
                by_key.insert(class_key(&class), index);
                by_key.entry(label_key).or_insert(index);
                kept.push(class);
            }
        }
    }
    kept
}

/// The classes of one file: its pupils' classes, then its teachers'.
pub(crate) fn classes_of(pupils: &[OndePupil], teachers: &[OndeTeacher]) -> Vec<OndeClass> {
    let mut list = Vec::new();
    for pupil in pupils {
        let label = pupil.class_label.clone().or_else(|| pupil.class_id.clone());
        if let Some(label) = label {
            list.push(OndeClass {
                id: pupil.class_id.clone(),
                label,
                levels: pupil.level.into_iter().collect(),
                pupils: 1,
            });
        }
    }
    for teacher in teachers {
        for class in &teacher.classes {
            list.push(OndeClass {
                id: None,
                label: class.clone(),
                levels: Vec::new(),
                pupils: 0,
            });
        }
    }
    classes(list)
}
