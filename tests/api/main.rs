//! API tests: the real server on a random port with a temporary data
//! directory, driven over HTTP. One test binary, one module per area.

mod accounts;
mod admin;
mod closing;
mod conversations;
mod directory;
mod disappearing;
mod durability;
mod errors;
mod faults;
mod files;
mod files_support;
mod helpers;
mod limits;
mod logs;
mod messages;
mod moderation;
mod openapi;
mod ops;
mod origins;
mod pages;
mod pins;
mod presence;
mod proxy;
mod raw_ws;
mod reactions;
mod room_care;
mod room_rules;
mod rooms;
mod search;
mod stream;
mod tls;
mod tutorial;
mod validation;
mod ws;
mod xss;
