//! Operating a server: members' reports of messages, and changes made
//! outside the server.

use natter::domain::{ReportState, Seq, User};
use natter::storage::{AuditEntry, NewReport, ReportFiled, StoreError};

use crate::{each_backend, post, user, GENERAL};

fn report(reporter: &User, seq: Seq, max_open: u32) -> NewReport {
    NewReport {
        room: GENERAL,
        seq,
        reporter: reporter.id,
        reason: "rude".into(),
        max_open,
    }
}

#[tokio::test]
async fn a_report_is_filed_once_per_message_and_bounded_per_reporter() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
        let one = post(s, GENERAL, &alice, "one").await.message.seq;
        let two = post(s, GENERAL, &alice, "two").await.message.seq;
        let ReportFiled::Filed(id) = s.report_message(report(&bob, one, 1)).await.unwrap() else {
            panic!("{}: the first report is filed", b.name);
        };
        assert_eq!(
            s.report_message(report(&bob, one, 1)).await.unwrap(),
            ReportFiled::AlreadyOpen(id),
            "{}",
            b.name
        );
        assert_eq!(
            s.report_message(report(&bob, two, 1)).await.unwrap(),
            ReportFiled::TooMany,
            "{}",
            b.name
        );
        let missing = s.report_message(report(&bob, Seq(99), 1)).await;
        assert!(matches!(missing, Err(StoreError::NotFound)), "{}", b.name);
        s.delete_message(GENERAL, two).await.unwrap();
        let deleted = s.report_message(report(&bob, two, 5)).await;
        assert!(matches!(deleted, Err(StoreError::NotFound)), "{}", b.name);
        let open = s.reports(ReportState::Open, 10).await.unwrap();
        assert_eq!(open.len(), 1, "{}", b.name);
        assert_eq!(
            (open[0].author.as_str(), open[0].reporter.as_str()),
            ("alice", "bob")
        );
        assert_eq!(open[0].room_name.as_deref(), Some("general"));
        assert_eq!(open[0].body, "one", "{}", b.name);
    })
    .await;
}

#[tokio::test]
async fn closing_a_report_is_audited_and_happens_once() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
        let seq = post(s, GENERAL, &alice, "one").await.message.seq;
        let ReportFiled::Filed(id) = s.report_message(report(&bob, seq, 5)).await.unwrap() else {
            panic!("{}: filed", b.name);
        };
        let entry = || AuditEntry {
            actor: alice.id,
            action: "report.dismiss",
            target: format!("report {id}"),
            room: Some(GENERAL),
        };
        let closed = s
            .close_report(id, ReportState::Dismissed, alice.id, entry())
            .await
            .unwrap();
        assert_eq!(closed.state, ReportState::Dismissed, "{}", b.name);
        assert_eq!(closed.closed_by.as_deref(), Some("alice"), "{}", b.name);
        assert!(closed.closed_at.is_some());
        let again = s
            .close_report(id, ReportState::Resolved, alice.id, entry())
            .await;
        assert!(matches!(again, Err(StoreError::NotFound)), "{}", b.name);
        assert_eq!(s.audit_log(10).await.unwrap().len(), 1, "{}", b.name);
        assert!(s.reports(ReportState::Open, 10).await.unwrap().is_empty());
        assert_eq!(
            s.reports(ReportState::Dismissed, 10).await.unwrap().len(),
            1
        );
        // Closed, the reporter may report it again.
        let anew = s.report_message(report(&bob, seq, 5)).await.unwrap();
        assert!(
            matches!(anew, ReportFiled::Filed(n) if n != id),
            "{}",
            b.name
        );
    })
    .await;
}

#[tokio::test]
async fn a_server_with_no_outside_changes_applies_nothing() {
    each_backend(|b| async move {
        let s = &*b.store;
        assert_eq!(s.latest_outside_change().await.unwrap(), 0, "{}", b.name);
        assert_eq!(s.apply_outside_changes(0).await.unwrap(), 0, "{}", b.name);
    })
    .await;
}
