//! Several real natter processes on one PostgreSQL schema and one NATS
//! (issue 15): what a person on any node sees when others write on other
//! nodes, when a node dies, when NATS goes away, and who delivers an
//! outgoing webhook. Needs
//! NATTER_TEST_POSTGRES_URL and NATTER_TEST_NATS_URL (scripts/test gives
//! both); each test is skipped with a message without them.

#[path = "../support/scratch_postgres.rs"]
mod scratch_postgres;
#[path = "../api/ws.rs"]
#[allow(dead_code)]
mod ws;

mod access;
mod delivery;
mod failures;
mod limits;
mod live;
mod node;
mod outhooks;
#[path = "../api/outhooks_support.rs"]
#[allow(dead_code)]
mod outhooks_support;
