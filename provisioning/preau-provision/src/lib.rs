//! Provisioning a Préau box: the commune's certificate authority, the signed bundle a
//! technician writes onto a USB stick, its safe reading on the box, and the import of the
//! school's ONDE (Base Élèves) CSV exports.

pub mod archive;
pub mod bundle;
pub mod ca;
pub mod onde;
pub mod update;
