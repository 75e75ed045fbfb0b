//! `mdl-fetch keys` and `mdl-fetch init`: what keys a sweep's runs carry (online from the
//! API, or from exports), which of them the table's roles should read, and a profile that
//! says so. A census of the keys (`census`), read online (`online`, `newest`) or from
//! exports (`exports`); the proposals (`propose`, `overrides`); what is printed (`render`)
//! or written (`profile_text`); `command` runs the two commands.

pub mod census;
pub mod command;
pub mod exports;
pub mod newest;
pub mod online;
pub mod overrides;
pub mod profile_text;
pub mod propose;
pub mod render;
