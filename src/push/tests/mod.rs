//! Tests of Web Push against the RFC's example and a real push endpoint on
//! loopback, read by a test browser written from the RFCs.

mod browser;
mod end_to_end;
mod vectors;
mod worker;
