//! Uploads: recording, attaching to a message, who may read them, the
//! orphan sweep's side, and the quota's reservations.

use natter::domain::{RoomKind, Seq, Timestamp, User};
use natter::files::FileKey;
use natter::storage::{NewRoom, NewUpload, StoreError, StoredPreview, UploadReservation};

use crate::{each_backend, message, now, user, GENERAL};

fn upload(owner: &User, size: u64, reservation: Option<i64>) -> NewUpload {
    NewUpload {
        key: FileKey::random(),
        uploader: owner.id,
        name: "cat.png".into(),
        size,
        mime: "image/png".into(),
        sha256: "00".repeat(32),
        dimensions: Some((640, 480)),
        preview: Some(StoredPreview {
            key: FileKey::random(),
            mime: "image/webp".into(),
            width: 320,
            height: 240,
        }),
        now: now(),
        reservation,
    }
}

#[tokio::test]
async fn an_upload_is_its_uploaders_until_sent_then_its_rooms_members() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
        let new = upload(&alice, 1234, None);
        let (key, preview) = (new.key.clone(), new.preview.clone().unwrap().key);
        let made = s.record_upload(new).await.unwrap();
        assert_eq!((made.size, made.width), (1234, Some(640)), "{}", b.name);
        assert!(s.readable_upload(&key, alice.id).await.unwrap().is_some());
        assert!(
            s.readable_upload(&key, bob.id).await.unwrap().is_none(),
            "{}: nobody else reads an unsent upload",
            b.name
        );
        let mut sent = message(GENERAL, &alice, "with-file", "look");
        sent.files = vec![key.clone()];
        let posted = s.post_message(sent).await.unwrap().message;
        assert_eq!(posted.files.len(), 1, "{}", b.name);
        assert_eq!(posted.files[0].preview.unwrap().width, 320, "{}", b.name);
        let read = s.readable_upload(&key, bob.id).await.unwrap().unwrap();
        assert_eq!(read.preview.unwrap().key, preview, "{}", b.name);
        let mut files = s.files_of_message(GENERAL, posted.seq).await.unwrap();
        files.sort();
        let mut want = vec![key.clone(), preview];
        want.sort();
        assert_eq!(files, want, "{}", b.name);
        // A private room's file stays with its members.
        let carol = user(s, "carol").await;
        let room = s
            .create_room(
                NewRoom {
                    kind: RoomKind::Private,
                    name: "secret".into(),
                    name_key: "secret".into(),
                    created_by: alice.id,
                    members: Vec::new(),
                },
                now(),
            )
            .await
            .unwrap();
        let other = s.record_upload(upload(&alice, 10, None)).await.unwrap();
        let other = FileKey::parse(&other.id).unwrap();
        let mut hidden = message(room.id, &alice, "hidden-file", "psst");
        hidden.files = vec![other.clone()];
        s.post_message(hidden).await.unwrap();
        assert!(
            s.readable_upload(&other, carol.id).await.unwrap().is_none(),
            "{}: a non-member never reads a private room's file",
            b.name
        );
    })
    .await;
}

#[tokio::test]
async fn someone_elses_or_an_already_sent_upload_cannot_be_attached() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
        let made = s.record_upload(upload(&alice, 5, None)).await.unwrap();
        let key = FileKey::parse(&made.id).unwrap();
        let mut stolen = message(GENERAL, &bob, "stolen", "mine now");
        stolen.files = vec![key.clone()];
        let refused = s.post_message(stolen).await;
        assert!(matches!(refused, Err(StoreError::NotFound)), "{}", b.name);
        let log = s.events_after(GENERAL, Seq(0), 10).await.unwrap();
        assert_eq!(log.last_seq, Seq(0), "{}: nothing of it is kept", b.name);
        let mut first = message(GENERAL, &alice, "first", "one");
        first.files = vec![key.clone()];
        s.post_message(first).await.unwrap();
        let mut again = message(GENERAL, &alice, "again", "two");
        again.files = vec![key];
        let twice = s.post_message(again).await;
        assert!(matches!(twice, Err(StoreError::NotFound)), "{}", b.name);
    })
    .await;
}

#[tokio::test]
async fn the_sweep_forgets_old_unsent_uploads_and_keeps_what_is_referred_to() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let unsent = upload(&alice, 5, None);
        let (unsent_key, unsent_preview) =
            (unsent.key.clone(), unsent.preview.clone().unwrap().key);
        s.record_upload(unsent).await.unwrap();
        let sent = upload(&alice, 5, None);
        let sent_key = sent.key.clone();
        s.record_upload(sent).await.unwrap();
        let mut with_file = message(GENERAL, &alice, "sent", "kept");
        with_file.files = vec![sent_key.clone()];
        s.post_message(with_file).await.unwrap();
        let stray = FileKey::random();
        let keys = vec![unsent_key.clone(), unsent_preview, sent_key.clone(), stray];
        // Too young: everything recorded is still wanted.
        let young = s.expire_uploads(keys.clone(), Timestamp(0)).await.unwrap();
        assert!(young.contains(&unsent_key), "{}", b.name);
        assert_eq!(young.len(), 3, "{}", b.name);
        let later = Timestamp(now().millis() + 1000);
        let wanted = s.expire_uploads(keys, later).await.unwrap();
        assert_eq!(
            wanted.into_iter().collect::<Vec<_>>(),
            vec![sent_key],
            "{}",
            b.name
        );
        assert!(s
            .readable_upload(&unsent_key, alice.id)
            .await
            .unwrap()
            .is_none());
    })
    .await;
}

#[tokio::test]
async fn quota_reservations_count_until_given_back_or_recorded() {
    each_backend(|b| async move {
        let s = &*b.store;
        let alice = user(s, "alice").await;
        let first = s
            .reserve_upload_quota(alice.id, Some(600), 500, 1000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(first.bytes, 600, "{}", b.name);
        let over = s.reserve_upload_quota(alice.id, Some(500), 500, 1000).await;
        assert_eq!(over.unwrap(), Err(400), "{}: 400 bytes are left", b.name);
        // Size unknown: what is left, at most the per-file limit.
        let unknown = s
            .reserve_upload_quota(alice.id, None, 300, 1000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(unknown.bytes, 300, "{}", b.name);
        s.release_upload_quota(unknown.id).await.unwrap();
        s.release_upload_quota(unknown.id).await.unwrap();
        // Recording gives the reservation back and counts the upload.
        s.record_upload(upload(&alice, 100, Some(first.id)))
            .await
            .unwrap();
        let rest = s.reserve_upload_quota(alice.id, None, 5000, 1000).await;
        assert!(
            matches!(rest, Ok(Ok(UploadReservation { bytes: 900, .. }))),
            "{}: {rest:?}",
            b.name
        );
        let full = s.reserve_upload_quota(alice.id, None, 5000, 1000).await;
        assert_eq!(full.unwrap(), Err(0), "{}", b.name);
    })
    .await;
}
