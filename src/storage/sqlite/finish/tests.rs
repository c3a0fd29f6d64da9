//! An audited change and its record commit together or not at all.

use crate::domain::{SignUpMode, Timestamp, UserId};
use crate::realtime::Hub;
use crate::storage::sqlite::SqliteStore;
use crate::storage::{Accounts, AuditEntry, AuditedChange, Moderation, Server, ServerFinish};

fn entry(actor: UserId) -> AuditEntry {
    AuditEntry {
        actor,
        action: "sign_up_mode",
        target: "closed".into(),
        room: None,
    }
}

#[tokio::test]
async fn a_change_whose_audit_record_cannot_be_written_does_not_happen() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let store = SqliteStore::open(dir.path(), Hub::new()).expect("a store");
    let admin = store
        .create_user("ada", "ada", None, Timestamp::now())
        .await
        .expect("a user");

    // The record names an actor that does not exist: it cannot be
    // written, so the sign-up mode must stay as it was.
    let refused = store
        .audited(
            AuditedChange::SignUpMode(SignUpMode::Closed),
            entry(UserId(9999)),
        )
        .await;
    assert!(refused.is_err(), "the record was refused");
    assert_eq!(store.sign_up_mode().await.unwrap(), SignUpMode::default());
    assert!(store.audit_log(10).await.unwrap().is_empty());

    store
        .audited(
            AuditedChange::SignUpMode(SignUpMode::Closed),
            entry(admin.id),
        )
        .await
        .expect("an audited change");
    assert_eq!(store.sign_up_mode().await.unwrap(), SignUpMode::Closed);
    let log = store.audit_log(10).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].actor.as_str(), log[0].action.as_str()),
        ("ada", "sign_up_mode")
    );
}
