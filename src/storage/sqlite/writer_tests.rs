//! The writer's unit tests: group commit and a failing job's undo.

use super::*;

type Reply = oneshot::Receiver<StoreResult<i64>>;

fn job<F>(work: F) -> (Box<dyn Job>, Reply)
where
    F: FnMut(&Connection, &mut Vec<Event>) -> StoreResult<i64> + Send + 'static,
{
    let (task, answer) = Task::new(work);
    (Box::new(task), answer)
}

fn insert(conn: &Connection, x: i64) -> StoreResult<i64> {
    conn.execute("INSERT INTO t (x) VALUES (?1)", [x])?;
    Ok(x)
}

#[test]
fn a_failing_job_is_undone_and_the_rest_of_its_group_commits() {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("CREATE TABLE t (x INTEGER UNIQUE)")
        .unwrap();
    let (first, first_reply) = job(|c, _| insert(c, 1));
    // Writes, then fails: its write must not survive.
    let (failing, failing_reply) = job(|c, _| {
        insert(c, 10)?;
        insert(c, 1)
    });
    let (last, last_reply) = job(|c, _| insert(c, 2));
    let mut group = vec![first, failing, last];
    let mut events = Vec::new();

    assert!(commit_group(&conn, &mut group, &mut events));
    for job in group {
        job.finish(Fate::Durable);
    }

    let stored: Vec<i64> = conn
        .prepare("SELECT x FROM t ORDER BY x")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(stored, [1, 2]);
    assert_eq!(first_reply.blocking_recv().unwrap().unwrap(), 1);
    assert!(matches!(
        failing_reply.blocking_recv().unwrap(),
        Err(StoreError::Conflict)
    ));
    assert_eq!(last_reply.blocking_recv().unwrap().unwrap(), 2);
}

#[test]
fn a_group_without_failures_commits_every_job() {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("CREATE TABLE t (x INTEGER UNIQUE)")
        .unwrap();
    let (jobs, replies): (Vec<_>, Vec<_>) = (1..=3).map(|x| job(move |c, _| insert(c, x))).unzip();
    let mut group = jobs;
    assert!(commit_group(&conn, &mut group, &mut Vec::new()));
    for job in group {
        job.finish(Fate::Durable);
    }
    let answers: Vec<i64> = replies
        .into_iter()
        .map(|r| r.blocking_recv().unwrap().unwrap())
        .collect();
    assert_eq!(answers, [1, 2, 3]);
    let count: i64 = conn
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 3);
}
