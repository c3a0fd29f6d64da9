//! API tests: the real server on a random port with a temporary data
//! directory, driven over HTTP. One test binary, one module per area.

mod accounts;
mod directory;
mod durability;
mod faults;
mod helpers;
mod limits;
mod messages;
mod ops;
mod pages;
mod presence;
mod proxy;
mod rooms;
mod stream;
mod tls;
mod tutorial;
mod validation;
mod ws;
mod xss;
