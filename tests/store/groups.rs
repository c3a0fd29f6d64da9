//! Direct rooms and group conversations: found or made once, even when
//! several nodes open the same one at the same moment.

use std::sync::Arc;

use natter::domain::{RoomId, UserId};
use natter::storage::Store;
use tokio::task::JoinSet;

use crate::{each_backend, now, user, Backend, GENERAL};

/// The store twice (SQLite) or two nodes on one database (PostgreSQL).
fn two_nodes(b: &Backend) -> [Arc<dyn Store>; 2] {
    [b.store.clone(), b.second_node().unwrap_or(b.store.clone())]
}

#[tokio::test]
async fn two_nodes_opening_one_pairs_direct_room_at_once_make_one_room() {
    each_backend(|b| async move {
        let s = &*b.store;
        let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
        let mut opening = JoinSet::new();
        for i in 0..16 {
            let node = two_nodes(&b)[i % 2].clone();
            let (a, z) = if i % 3 == 0 {
                (bob.id, alice.id)
            } else {
                (alice.id, bob.id)
            };
            opening.spawn(async move { node.direct_room(a, z, now()).await.unwrap().id });
        }
        let rooms: Vec<RoomId> = opening.join_all().await;
        assert!(
            rooms.iter().all(|r| *r == rooms[0]),
            "{}: {rooms:?}",
            b.name
        );
        assert_eq!(s.members(rooms[0]).await.unwrap().len(), 2, "{}", b.name);
        let directs = s
            .rooms_of(alice.id)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.peer.as_deref() == Some("bob"))
            .count();
        assert_eq!(directs, 1, "{}", b.name);
    })
    .await;
}

#[tokio::test]
async fn a_group_is_found_again_by_exactly_its_members_on_any_node() {
    each_backend(|b| async move {
        let s = &*b.store;
        let [_, other] = two_nodes(&b);
        let alice = user(s, "alice").await;
        let bob = user(s, "bob").await;
        let carol = user(s, "carol").await;
        let (room, made) = s
            .open_group(alice.id, vec![bob.id, carol.id], "Plans".into(), now())
            .await
            .unwrap();
        assert!(made);
        assert_eq!(room.name.as_deref(), Some("Plans"));
        // The same people, asked by another of them, elsewhere.
        let (again, made) = other
            .open_group(
                bob.id,
                vec![carol.id, alice.id, carol.id],
                "Other".into(),
                now(),
            )
            .await
            .unwrap();
        assert_eq!((again.id, made), (room.id, false), "{}", b.name);
        // Fewer people is another group.
        let (pair, made) = s
            .open_group(alice.id, vec![bob.id], "Two".into(), now())
            .await
            .unwrap();
        assert!(made, "{}", b.name);
        assert_ne!(pair.id, room.id);
        assert_eq!(s.group_size(room.id).await.unwrap(), Some(3), "{}", b.name);
        assert_eq!(s.group_size(GENERAL).await.unwrap(), None);
        assert_eq!(s.group_size(RoomId(999)).await.unwrap(), None);
        let mut groups = s.groups_of(alice.id).await.unwrap();
        groups.sort();
        assert_eq!(groups, vec![room.id, pair.id], "{}", b.name);
        assert_eq!(s.groups_of(carol.id).await.unwrap(), vec![room.id]);
        // Once someone leaves, the set is another one.
        assert!(s.remove_member(room.id, carol.id, None).await.unwrap());
        let (after, made) = s
            .open_group(alice.id, vec![bob.id, carol.id], "Plans".into(), now())
            .await
            .unwrap();
        assert!(made, "{}", b.name);
        assert_ne!(after.id, room.id);
    })
    .await;
}

#[tokio::test]
async fn two_nodes_opening_one_group_at_once_make_it_once() {
    each_backend(|b| async move {
        let s = &*b.store;
        let mut people: Vec<UserId> = Vec::new();
        for name in ["alice", "bob", "carol", "dave"] {
            people.push(user(s, name).await.id);
        }
        let mut opening = JoinSet::new();
        for i in 0..12 {
            let node = two_nodes(&b)[i % 2].clone();
            let creator = people[i % people.len()];
            let others: Vec<UserId> = people.iter().copied().filter(|p| *p != creator).collect();
            opening.spawn(async move {
                node.open_group(creator, others, "Team".into(), now())
                    .await
                    .unwrap()
            });
        }
        let opened = opening.join_all().await;
        let made = opened.iter().filter(|(_, made)| *made).count();
        assert_eq!(made, 1, "{}", b.name);
        assert!(
            opened.iter().all(|(room, _)| room.id == opened[0].0.id),
            "{}",
            b.name
        );
        assert_eq!(s.group_size(opened[0].0.id).await.unwrap(), Some(4));
    })
    .await;
}
