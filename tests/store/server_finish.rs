//! Running a server, the finish: signed-in devices, password reset links,
//! audited changes and the server's settings.

use natter::domain::{Event, SignUpMode, Timestamp, UserId};
use natter::storage::{
    AuditEntry, AuditedChange, AuditedOutcome, NewInvite, SessionSeen, StoreError,
};

use crate::{each_backend, now, user};

fn entry(actor: UserId, action: &'static str) -> AuditEntry {
    AuditEntry {
        actor,
        action,
        target: "x".into(),
        room: None,
    }
}

fn seen_at(millis: i64, agent: &str) -> SessionSeen {
    SessionSeen {
        at: Timestamp(millis),
        user_agent: agent.into(),
        ip: String::new(),
    }
}

#[tokio::test]
async fn sessions_are_listed_by_last_use_and_end_one_by_one_or_when_idle() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
        s.create_session(alice.id, [1; 32], Timestamp(1_000))
            .await
            .unwrap();
        s.create_session(alice.id, [2; 32], Timestamp(2_000))
            .await
            .unwrap();
        s.create_session(bob.id, [3; 32], Timestamp(1_000))
            .await
            .unwrap();
        s.sessions_seen(vec![([1; 32], seen_at(5_000, "Firefox"))])
            .await
            .unwrap();
        // In one batch: an empty agent keeps the one known, a session named
        // twice keeps its later use, an unknown session is skipped.
        s.sessions_seen(vec![
            ([2; 32], seen_at(3_000, "Old")),
            ([1; 32], seen_at(6_000, "")),
            ([9; 32], seen_at(6_000, "Nobody")),
            ([2; 32], seen_at(4_000, "Phone")),
        ])
        .await
        .unwrap();
        let listed = s.sessions_of(alice.id).await.unwrap();
        let hashes: Vec<[u8; 32]> = listed.iter().map(|r| r.token_hash).collect();
        assert_eq!(hashes, [[1; 32], [2; 32]], "{}", b.name);
        assert_eq!(listed[0].last_seen_at, Timestamp(6_000));
        assert_eq!(
            listed[0].user_agent.as_deref(),
            Some("Firefox"),
            "{}",
            b.name
        );
        assert_eq!(listed[1].last_seen_at, Timestamp(4_000), "{}", b.name);
        assert_eq!(listed[1].user_agent.as_deref(), Some("Phone"), "{}", b.name);

        // Not hers: nothing ends.
        assert!(!s.end_session_of(alice.id, [3; 32]).await.unwrap());
        assert!(s.end_session_of(alice.id, [2; 32]).await.unwrap());
        assert!(
            !s.end_session_of(alice.id, [2; 32]).await.unwrap(),
            "{}",
            b.name
        );

        // Bob's (last used at 1 s) is idle, Alice's (6 s) is not.
        assert_eq!(
            s.prune_idle_sessions(Timestamp(3_000), 10).await.unwrap(),
            1
        );
        assert!(s.user_for_session([3; 32]).await.unwrap().is_none());
        assert!(
            s.user_for_session([1; 32]).await.unwrap().is_some(),
            "{}",
            b.name
        );
        b.heard
            .until(|heard| {
                heard
                    .iter()
                    .any(|e| matches!(e, Event::Sessions(ended) if ended.user == bob.id))
            })
            .await;
    })
    .await;
}

#[tokio::test]
async fn a_reset_link_works_once_sets_the_password_and_ends_the_old_sessions() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (admin, alice) = (user(s, "admin").await, user(s, "alice").await);
        s.create_session(alice.id, [1; 32], now()).await.unwrap();
        let link = |code: u8, expires_at| AuditedChange::CreateResetLink {
            user: alice.id,
            code_hash: [code; 32],
            expires_at,
        };
        let later = Timestamp(now().millis() + 3_600_000);
        s.audited(link(7, later), entry(admin.id, "reset_link"))
            .await
            .unwrap();
        // A newer link replaces it.
        s.audited(link(8, later), entry(admin.id, "reset_link"))
            .await
            .unwrap();
        let old = s.use_reset_link([7; 32], "h1".into(), [2; 32], now()).await;
        assert!(matches!(old, Err(StoreError::NotFound)), "{}", b.name);

        let signed_in = s
            .use_reset_link([8; 32], "h2".into(), [2; 32], now())
            .await
            .unwrap();
        assert_eq!(signed_in.id, alice.id);
        assert!(signed_in.has_password, "{}", b.name);
        let record = s.user_by_id(alice.id).await.unwrap().unwrap();
        assert_eq!(record.password_hash.as_deref(), Some("h2"));
        assert!(s.user_for_session([1; 32]).await.unwrap().is_none());
        assert!(s.user_for_session([2; 32]).await.unwrap().is_some());
        let again = s.use_reset_link([8; 32], "h3".into(), [3; 32], now()).await;
        assert!(
            matches!(again, Err(StoreError::NotFound)),
            "{}: works once",
            b.name
        );

        // An expired link changes nothing.
        s.audited(link(9, Timestamp(1)), entry(admin.id, "reset_link"))
            .await
            .unwrap();
        let expired = s.use_reset_link([9; 32], "h4".into(), [4; 32], now()).await;
        assert!(matches!(expired, Err(StoreError::NotFound)), "{}", b.name);
        assert!(s.user_for_session([2; 32]).await.unwrap().is_some());
        // A link for nobody is refused, with no record.
        let nobody = AuditedChange::CreateResetLink {
            user: UserId(999),
            code_hash: [10; 32],
            expires_at: later,
        };
        let refused = s.audited(nobody, entry(admin.id, "reset_link")).await;
        assert!(matches!(refused, Err(StoreError::NotFound)), "{}", b.name);
        assert_eq!(s.audit_log(10).await.unwrap().len(), 3);
    })
    .await;
}

#[tokio::test]
async fn audited_changes_commit_with_their_record_or_not_at_all() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (admin, bob) = (user(s, "admin").await, user(s, "bob").await);
        // A record naming nobody cannot be written: the change is undone.
        let refused = s
            .audited(
                AuditedChange::SignUpMode(SignUpMode::Closed),
                entry(UserId(999), "sign_up_mode"),
            )
            .await;
        assert!(refused.is_err(), "{}", b.name);
        assert_eq!(s.sign_up_mode().await.unwrap(), SignUpMode::Open);
        assert!(s.audit_log(10).await.unwrap().is_empty());

        for change in [
            AuditedChange::SignUpMode(SignUpMode::InviteOnly),
            AuditedChange::ServerName("Acme chat".into()),
            AuditedChange::MembersCanInvite(true),
            AuditedChange::SetAdmin {
                user: bob.id,
                admin: true,
            },
        ] {
            s.audited(change, entry(admin.id, "change")).await.unwrap();
        }
        assert_eq!(s.sign_up_mode().await.unwrap(), SignUpMode::InviteOnly);
        assert_eq!(s.server_name().await.unwrap().as_deref(), Some("Acme chat"));
        assert!(s.members_can_invite().await.unwrap(), "{}", b.name);
        assert!(s.standing(bob.id).await.unwrap().unwrap().is_admin);

        let invite = NewInvite {
            code_hash: [4; 32],
            created_by: admin.id,
            expires_at: Timestamp(now().millis() + 60_000),
            max_uses: 3,
            room: None,
        };
        let made = s
            .audited(
                AuditedChange::CreateInvite(invite),
                entry(admin.id, "invite.create"),
            )
            .await
            .unwrap();
        let AuditedOutcome::Invite(made) = made else {
            panic!("{}: an invite", b.name)
        };
        assert_eq!((made.max_uses, made.uses, made.revoked), (3, 0, false));
        s.audited(
            AuditedChange::RevokeInvite(made.id),
            entry(admin.id, "invite.revoke"),
        )
        .await
        .unwrap();
        assert!(s.invites().await.unwrap()[0].revoked, "{}", b.name);

        // Nothing to undo: no record.
        let unban = AuditedChange::Unban {
            room: crate::GENERAL,
            user: bob.id,
        };
        let outcome = s.audited(unban, entry(admin.id, "unban")).await.unwrap();
        assert!(matches!(outcome, AuditedOutcome::Changed(false)));
        s.create_session(bob.id, [5; 32], now()).await.unwrap();
        let out = AuditedChange::SignOutEverywhere { user: bob.id };
        let outcome = s.audited(out, entry(admin.id, "sign_out")).await.unwrap();
        assert!(
            matches!(outcome, AuditedOutcome::Changed(true)),
            "{}",
            b.name
        );

        let log = s.audit_log(10).await.unwrap();
        assert_eq!(log.len(), 7, "{}", b.name);
        assert_eq!(log[0].action, "sign_out", "newest first");
        assert_eq!(log[2].target, format!("invite {}", made.id));
        assert_eq!(log[0].actor, "admin");
        assert_eq!(s.audit_log(2).await.unwrap().len(), 2);

        // An empty name is no name.
        s.audited(
            AuditedChange::ServerName(String::new()),
            entry(admin.id, "name"),
        )
        .await
        .unwrap();
        assert_eq!(s.server_name().await.unwrap(), None, "{}", b.name);
    })
    .await;
}
