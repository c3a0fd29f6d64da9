//! The writer's unit tests: group commit, a failing job's undo, writes in parts.

use super::*;

type Reply = tokio::sync::oneshot::Receiver<StoreResult<i64>>;

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

struct Nobody;
impl Publisher for Nobody {
    fn publish(&self, _events: &[Event]) {}
}

/// A writer on a database file of its own, with a table `t (x)`.
fn file_writer(dir: &std::path::Path) -> Writer {
    let path = dir.join("w.db");
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
         CREATE TABLE t (n INTEGER PRIMARY KEY, x INTEGER)",
    )
    .unwrap();
    let listeners = Listeners {
        invalidate: std::sync::Arc::new(Nobody),
        fanout: std::sync::Arc::new(Nobody),
    };
    let checkpoints = Checkpoints::start(Connection::open(&path).unwrap()).unwrap();
    Writer::start(
        conn,
        dir.join("w.db-wal"),
        16,
        16,
        listeners,
        CommitMetrics::default(),
        checkpoints,
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_in_parts_lets_the_writes_queued_meanwhile_in_between_its_parts() {
    let dir = tempfile::tempdir().unwrap();
    let writer = file_writer(dir.path());
    // The first part holds the writer until a send has queued behind it.
    let (part_running, running) = std::sync::mpsc::channel::<()>();
    let (send_queued, queued) = std::sync::mpsc::channel::<()>();
    let chain = Chain {
        work: move |c: &Connection, _: &mut Vec<Event>, before: Option<&i64>| {
            let part = before.map_or(1, |b| b + 1);
            insert(c, part * 100)?;
            if part == 1 {
                part_running.send(()).unwrap();
                queued.recv().unwrap();
            }
            Ok(part)
        },
        fold: |_: i64, part: i64| part,
        more: |parts: &i64| *parts < 3,
    };
    let parts = tokio::spawn({
        let writer = writer.clone();
        async move { writer.write_in_parts(chain).await }
    });
    tokio::task::spawn_blocking(move || running.recv().unwrap())
        .await
        .unwrap();
    let send = tokio::spawn({
        let writer = writer.clone();
        async move { writer.write(|c, _| insert(c, 1)).await }
    });
    // The send is in the writer's queue once its channel holds it.
    while writer.jobs.capacity() == writer.jobs.max_capacity() {
        tokio::task::yield_now().await;
    }
    send_queued.send(()).unwrap();

    assert_eq!(parts.await.unwrap().unwrap(), 3, "every part ran, in order");
    assert_eq!(send.await.unwrap().unwrap(), 1);
    let path = dir.path().join("w.db");
    let order: Vec<i64> = Connection::open(path)
        .unwrap()
        .prepare("SELECT x FROM t ORDER BY n")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        order,
        [100, 1, 200, 300],
        "the send went in after the first part"
    );
}
