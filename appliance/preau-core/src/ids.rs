//! Typed identifiers. Ids are random 64-bit numbers so that records created on different
//! replicas (a school box, central) never collide.

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize, ::serde::Deserialize)]
        pub struct $name(pub u64);

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }
    };
}
pub(crate) use id_type;

id_type!(
    /// A person's account.
    UserId
);
id_type!(
    /// A class of one school year.
    ClassId
);
id_type!(
    /// A group of pupils (and their teachers) inside or across classes.
    GroupId
);
