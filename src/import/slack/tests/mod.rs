//! The Slack import against exports the tests build in Slack's documented
//! format: the plan of a small workspace, markup conversion, and hostile
//! archives.

mod export;
mod hostile;
mod markup;
mod plan;
