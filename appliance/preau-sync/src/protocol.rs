//! The wire messages (JSON), versioned, with a capability handshake, and their bounded
//! decoding. The HTTPS endpoints that carry them are the transport's business
//! (`docs/sync.md`, « Transport »).

use crate::change::Change;
use serde::de::{DeserializeOwned, Error as _, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// The protocol's major version: peers speaking another one refuse each other.
pub const PROTOCOL_VERSION: u32 = 1;

/// Most bytes of one message (4 MiB).
pub const MAX_CHUNK_BYTES: usize = 4 * 1024 * 1024;
/// Most changes in one chunk.
pub const MAX_CHUNK_CHANGES: usize = 2000;
/// Most bytes of one record value, decoded (1 MiB).
pub const MAX_VALUE_BYTES: usize = 1024 * 1024;
/// Most capabilities one side may announce.
pub const MAX_CAPABILITIES: usize = 64;
/// Longest capability name, and longest school, software and kind strings checked here.
pub const MAX_NAME_BYTES: usize = 128;

/// Capability: the box pushes its changes (`PushChunk` / `PushAck`).
pub const CAP_PUSH: &str = "push";
/// Capability: the box pulls central's changes (`PullRequest` / `PullChunk`).
pub const CAP_PULL: &str = "pull";
/// Capability: the box may ask for the current versions of its school's records
/// (`SnapshotRequest` / `SnapshotChunk`), after a restore under a new replica id.
pub const CAP_SNAPSHOT: &str = "snapshot";

/// What both sides must have in common for a session to start.
pub const REQUIRED_CAPABILITIES: &[&str] = &[CAP_PUSH, CAP_PULL];

/// Markers of the bounded deserializers, recognised by [`decode`].
pub(crate) const VALUE_TOO_LARGE: &str = "value too large";
const TOO_MANY_CHANGES: &str = "too many changes";

/// The capabilities this version of the software speaks.
pub fn capabilities() -> Vec<String> {
    [CAP_PUSH, CAP_PULL, CAP_SNAPSHOT]
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// The box's first message of a session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// The protocol major version it speaks.
    pub protocol: u32,
    /// The capabilities it speaks.
    #[serde(deserialize_with = "bounded_names")]
    pub capabilities: Vec<String>,
    /// Its replica id.
    pub replica: u64,
    /// Its school (UAI): central checks it against the client certificate.
    pub school: String,
    /// Its software version ("preau 0.1.0"), shown on central's admin page.
    pub software: String,
}

impl Hello {
    /// Central's side of the handshake seen as a hello (for [`negotiate`] on the box).
    pub fn from_reply(reply: &HelloReply) -> Hello {
        Hello {
            protocol: reply.protocol,
            capabilities: reply.capabilities.clone(),
            replica: reply.central,
            school: String::new(),
            software: String::new(),
        }
    }
}

/// Central's answer to [`Hello`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelloReply {
    /// The protocol major version central speaks.
    pub protocol: u32,
    /// The capabilities both sides speak.
    #[serde(deserialize_with = "bounded_names")]
    pub capabilities: Vec<String>,
    /// Central's replica id (for this school): the origin of what the box pulls.
    pub central: u64,
    /// The highest sequence number of the box's replica central holds: the box pushes
    /// from there.
    pub acked: u64,
    /// Central's wall clock (Unix milliseconds): the box observes it and reports a drift.
    pub server_millis: i64,
}

/// A chunk of the box's changes (box → central), in sequence order without gaps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushChunk {
    /// The box's replica id: every change's origin.
    pub origin: u64,
    /// The changes, at most [`MAX_CHUNK_CHANGES`].
    #[serde(deserialize_with = "bounded_changes")]
    pub changes: Vec<Change>,
}

/// Central's acknowledgement of a push.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushAck {
    /// The highest sequence number of the box central holds: the next push starts after.
    pub acked: u64,
}

/// The box asks for central's changes for its school.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    /// Central's sequence number up to which the box holds them (its cursor).
    pub after: u64,
    /// Most changes wanted (central may send fewer).
    pub limit: u32,
}

/// Central's changes for the box's school.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullChunk {
    /// The changes, in sequence order, at most [`MAX_CHUNK_CHANGES`].
    #[serde(deserialize_with = "bounded_changes")]
    pub changes: Vec<Change>,
    /// Central's sequence number the answer covers up to (the box's new cursor).
    pub last: u64,
    /// Whether more changes follow `last`.
    pub more: bool,
}

/// The box asks for the current versions of its school's records, in (kind, key) order
/// (capability [`CAP_SNAPSHOT`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotRequest {
    /// The last record of the previous answer; `None` to start.
    pub after: Option<(String, u64)>,
    /// Most records wanted.
    pub limit: u32,
}

/// Current versions (values and tombstones) of the school's records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotChunk {
    /// The records, in (kind, key) order, at most [`MAX_CHUNK_CHANGES`].
    #[serde(deserialize_with = "bounded_changes")]
    pub changes: Vec<Change>,
    /// Whether more records follow.
    pub more: bool,
}

/// Why a message or a peer was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// The peer speaks another major version of the protocol.
    #[error(
        "sync protocol {theirs} is not supported (this side speaks {ours}): update the older of the box and central"
    )]
    Version {
        /// This side's version.
        ours: u32,
        /// The peer's.
        theirs: u32,
    },
    /// The peer lacks a capability a session needs.
    #[error("the other side does not speak the capability {0:?}")]
    MissingCapability(String),
    /// The message is bigger than [`MAX_CHUNK_BYTES`].
    #[error("message of {bytes} bytes, more than the {max} allowed")]
    TooLarge {
        /// Its size.
        bytes: usize,
        /// The cap.
        max: usize,
    },
    /// A chunk carries more than [`MAX_CHUNK_CHANGES`] changes.
    #[error("more than {max} changes in one chunk")]
    TooManyChanges {
        /// The cap.
        max: usize,
    },
    /// A record value is bigger than [`MAX_VALUE_BYTES`].
    #[error("a record value is bigger than {max} bytes")]
    ValueTooLarge {
        /// The cap.
        max: usize,
    },
    /// The message is not what the protocol says.
    #[error("malformed sync message: {0}")]
    Malformed(String),
    /// Central holds more changes of this replica id than the box has made: the box's
    /// database is a restored or copied one and must take a new replica id.
    #[error(
        "central holds changes of replica {replica:#x} up to {acked}, but this database has made only {last}: it was restored or copied and must take a new replica id"
    )]
    ReplicaReused {
        /// The replica id.
        replica: u64,
        /// What central holds of it.
        acked: u64,
        /// The last sequence number this database made.
        last: u64,
    },
}

/// The handshake: refuses a peer speaking another major protocol version or lacking a
/// [`REQUIRED_CAPABILITIES`] one; otherwise the capabilities both speak, in `ours`' order.
pub fn negotiate(ours: &Hello, theirs: &Hello) -> Result<Vec<String>, ProtocolError> {
    if theirs.protocol != ours.protocol {
        return Err(ProtocolError::Version {
            ours: ours.protocol,
            theirs: theirs.protocol,
        });
    }
    let common: Vec<String> = ours
        .capabilities
        .iter()
        .filter(|c| theirs.capabilities.contains(c))
        .cloned()
        .collect();
    if let Some(missing) = REQUIRED_CAPABILITIES
        .iter()
        .find(|r| !common.iter().any(|c| c == *r))
    {
        return Err(ProtocolError::MissingCapability((*missing).to_string()));
    }
    Ok(common)
}

/// On the box, after the handshake: refuses to sync when central holds more of this
/// replica's changes (`acked`) than it has made (`last`) — a database restored from a
/// backup, or copied, that kept its replica id and would reuse sequence numbers.
pub fn check_acked(replica: u64, last: u64, acked: u64) -> Result<(), ProtocolError> {
    if acked > last {
        return Err(ProtocolError::ReplicaReused {
            replica,
            acked,
            last,
        });
    }
    Ok(())
}

/// Decodes untrusted bytes, bounded: at most [`MAX_CHUNK_BYTES`], chunks of at most
/// [`MAX_CHUNK_CHANGES`] changes, values of at most [`MAX_VALUE_BYTES`] (checked while
/// decoding, before anything bigger is allocated), at most [`MAX_CAPABILITIES`]
/// capabilities.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ProtocolError> {
    if bytes.len() > MAX_CHUNK_BYTES {
        return Err(ProtocolError::TooLarge {
            bytes: bytes.len(),
            max: MAX_CHUNK_BYTES,
        });
    }
    serde_json::from_slice(bytes).map_err(|e| {
        let message = e.to_string();
        if message.starts_with(TOO_MANY_CHANGES) {
            ProtocolError::TooManyChanges {
                max: MAX_CHUNK_CHANGES,
            }
        } else if message.starts_with(VALUE_TOO_LARGE) {
            ProtocolError::ValueTooLarge {
                max: MAX_VALUE_BYTES,
            }
        } else {
            ProtocolError::Malformed(message)
        }
    })
}

/// Encodes a message (JSON).
pub fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>, ProtocolError> {
    serde_json::to_vec(message).map_err(|e| ProtocolError::Malformed(e.to_string()))
}

/// A list of at most `max` items, refused with `marker` past it, before they are read.
struct Bounded<T> {
    max: usize,
    marker: &'static str,
    item: std::marker::PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for Bounded<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a list of at most {} items", self.max)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element()? {
            if out.len() == self.max {
                return Err(A::Error::custom(self.marker));
            }
            out.push(item);
        }
        Ok(out)
    }
}

fn bounded_changes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Change>, D::Error> {
    d.deserialize_seq(Bounded {
        max: MAX_CHUNK_CHANGES,
        marker: TOO_MANY_CHANGES,
        item: std::marker::PhantomData,
    })
}

fn bounded_names<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let names: Vec<String> = d.deserialize_seq(Bounded {
        max: MAX_CAPABILITIES,
        marker: "too many capabilities",
        item: std::marker::PhantomData,
    })?;
    if names.iter().any(|n| n.len() > MAX_NAME_BYTES) {
        return Err(D::Error::custom("capability name too long"));
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::Scope;
    use crate::stamp::Stamp;

    fn hello(protocol: u32, capabilities: &[&str]) -> Hello {
        Hello {
            protocol,
            capabilities: capabilities.iter().map(|c| c.to_string()).collect(),
            replica: 0xB0,
            school: "0750001A".into(),
            software: "preau 0.1.0".into(),
        }
    }

    fn change(seq: u64, value: Option<Vec<u8>>) -> Change {
        Change {
            origin: 0xB0,
            seq,
            kind: "news".into(),
            key: 4,
            stamp: Stamp {
                millis: 1_756_713_600_000,
                counter: 0,
                origin: 0xB0,
            },
            school: "0750001A".into(),
            scope: Scope::Class(3),
            value,
        }
    }

    #[test]
    fn negotiation_keeps_the_common_capabilities() {
        let ours = hello(PROTOCOL_VERSION, &["push", "pull", "snapshot"]);
        let theirs = hello(PROTOCOL_VERSION, &["pull", "zstd", "push"]);
        assert_eq!(
            negotiate(&ours, &theirs),
            Ok(vec!["push".to_string(), "pull".to_string()])
        );
    }

    #[test]
    fn another_major_version_is_refused_clearly() {
        let ours = hello(PROTOCOL_VERSION, &["push", "pull"]);
        let theirs = hello(PROTOCOL_VERSION + 1, &["push", "pull"]);
        let error = negotiate(&ours, &theirs).err();
        assert_eq!(
            error,
            Some(ProtocolError::Version {
                ours: PROTOCOL_VERSION,
                theirs: PROTOCOL_VERSION + 1,
            })
        );
        let message = error.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            message.contains("sync protocol 2 is not supported"),
            "{message}"
        );
        assert!(message.contains("update"), "{message}");
    }

    #[test]
    fn a_peer_without_push_or_pull_is_refused() {
        let ours = hello(PROTOCOL_VERSION, &["push", "pull"]);
        let theirs = hello(PROTOCOL_VERSION, &["pull"]);
        assert_eq!(
            negotiate(&ours, &theirs),
            Err(ProtocolError::MissingCapability("push".into()))
        );
    }

    #[test]
    fn the_box_checks_the_reply_through_from_reply() {
        let ours = hello(
            PROTOCOL_VERSION,
            &capabilities()
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        );
        let reply = HelloReply {
            protocol: PROTOCOL_VERSION,
            capabilities: vec!["push".into(), "pull".into()],
            central: 0xCE,
            acked: 12,
            server_millis: 1_756_713_600_000,
        };
        let seen = Hello::from_reply(&reply);
        assert_eq!(seen.replica, 0xCE);
        assert_eq!(
            negotiate(&ours, &seen),
            Ok(vec!["push".into(), "pull".into()])
        );
    }

    #[test]
    fn a_restored_database_with_its_old_replica_id_is_caught() {
        assert_eq!(check_acked(0xB0, 40, 40), Ok(()));
        assert_eq!(check_acked(0xB0, 41, 40), Ok(()));
        let error = check_acked(0xB0, 30, 40);
        assert_eq!(
            error,
            Err(ProtocolError::ReplicaReused {
                replica: 0xB0,
                acked: 40,
                last: 30
            })
        );
    }

    #[test]
    fn messages_round_trip_with_values_in_base64() {
        let chunk = PushChunk {
            origin: 0xB0,
            changes: vec![change(1, Some(b"\x01hello".to_vec())), change(2, None)],
        };
        let bytes = encode(&chunk).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains(r#""value":"AWhlbGxv""#), "{text}");
        assert!(text.contains(r#""value":null"#), "{text}");
        assert!(text.contains(r#""scope":{"Class":3}"#), "{text}");
        assert_eq!(decode::<PushChunk>(&bytes), Ok(chunk));
        for message in [
            encode(&PullRequest {
                after: 3,
                limit: 200,
            }),
            encode(&PushAck { acked: 9 }),
        ] {
            assert!(message.is_ok());
        }
        let pull = PullChunk {
            changes: vec![change(7, None)],
            last: 9,
            more: true,
        };
        assert_eq!(
            decode::<PullChunk>(&encode(&pull).unwrap_or_default()),
            Ok(pull)
        );
    }

    #[test]
    fn oversized_messages_are_refused_before_parsing() {
        let bytes = vec![b' '; MAX_CHUNK_BYTES + 1];
        assert_eq!(
            decode::<PushChunk>(&bytes),
            Err(ProtocolError::TooLarge {
                bytes: MAX_CHUNK_BYTES + 1,
                max: MAX_CHUNK_BYTES
            })
        );
    }

    #[test]
    fn too_many_changes_are_refused() {
        let chunk = PushChunk {
            origin: 0xB0,
            changes: (1..=MAX_CHUNK_CHANGES as u64 + 1)
                .map(|seq| change(seq, None))
                .collect(),
        };
        let bytes = encode(&chunk).unwrap_or_default();
        assert!(bytes.len() <= MAX_CHUNK_BYTES);
        assert_eq!(
            decode::<PushChunk>(&bytes),
            Err(ProtocolError::TooManyChanges {
                max: MAX_CHUNK_CHANGES
            })
        );
        let fits = PushChunk {
            origin: 0xB0,
            changes: chunk.changes[..MAX_CHUNK_CHANGES].to_vec(),
        };
        assert!(decode::<PushChunk>(&encode(&fits).unwrap_or_default()).is_ok());
    }

    #[test]
    fn oversized_values_are_refused() {
        let big = PushChunk {
            origin: 0xB0,
            changes: vec![change(1, Some(vec![7; MAX_VALUE_BYTES + 1]))],
        };
        assert_eq!(
            decode::<PushChunk>(&encode(&big).unwrap_or_default()),
            Err(ProtocolError::ValueTooLarge {
                max: MAX_VALUE_BYTES
            })
        );
        let largest = PushChunk {
            origin: 0xB0,
            changes: vec![change(1, Some(vec![7; MAX_VALUE_BYTES]))],
        };
        assert_eq!(
            decode::<PushChunk>(&encode(&largest).unwrap_or_default()),
            Ok(largest)
        );
    }

    #[test]
    fn garbage_is_malformed_and_never_panics() {
        let inputs: [&[u8]; 9] = [
            b"",
            b"{",
            b"null",
            b"[]",
            br#"{"origin":1,"changes":{}}"#,
            br#"{"origin":-1,"changes":[]}"#,
            br#"{"origin":1,"changes":[{"value":"!!"}]}"#,
            br#"{"origin":1,"changes":[]} trailing"#,
            &[0xff, 0xfe, 0x00],
        ];
        for input in inputs {
            assert!(
                matches!(decode::<PushChunk>(input), Err(ProtocolError::Malformed(_))),
                "{}",
                String::from_utf8_lossy(input)
            );
        }
        let mut deep = vec![b'['; 10_000];
        deep.extend(vec![b']'; 10_000]);
        assert!(decode::<PullChunk>(&deep).is_err());
        let many = format!(
            r#"{{"protocol":1,"capabilities":[{}],"replica":1,"school":"x","software":"y"}}"#,
            vec![r#""c""#; MAX_CAPABILITIES + 1].join(",")
        );
        assert!(decode::<Hello>(many.as_bytes()).is_err());
    }
}
