//! Typing and presence cross nodes over the bus (never stored): someone on
//! one node is seen typing and online by room mates on another, and goes
//! offline there when their node dies.

use std::time::Duration;

use serde_json::{json, Value};

use crate::node::{servers, Cluster, Listening, Person};

/// Reads frames until one satisfies `wanted` or `within` passes.
async fn frame_where(
    l: &mut Listening,
    within: Duration,
    wanted: impl Fn(&Value) -> bool,
) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, l.ws.next_or_close()).await {
            Ok(Ok(frame)) if wanted(&frame) => return Some(frame),
            Ok(Ok(_)) => {}
            Ok(Err(_)) | Err(_) => return None,
        }
    }
}

fn names(frame: &Value, user: &str) -> bool {
    frame["online"]
        .as_array()
        .is_some_and(|o| o.iter().any(|u| u["username"] == user))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn someone_typing_on_one_node_is_shown_typing_to_room_mates_on_another() {
    let Some((postgres, nats)) = servers() else {
        return;
    };
    let cluster = Cluster::start(&postgres, &nats, 2);
    let ann = Person::sign_up(&cluster.base(0), "ann").await;
    let bob = Person::sign_up(&cluster.base(1), "bob").await;
    let mut bobs = bob.listen(&cluster.base(1), 1, 0).await;
    let mut anns = ann.listen(&cluster.base(0), 1, 0).await;
    // Until the bus has ann's node listening to the room, a signal may not
    // reach it: her presence arriving on bob's node shows the way is open.
    let online = frame_where(&mut bobs, Duration::from_secs(10), |f| {
        (f["type"] == "presence.changed" && f["username"] == "ann") || names(f, "ann")
    })
    .await;
    assert!(online.is_some(), "ann's presence reached bob's node");
    anns.ws.send(json!({"type": "typing", "room_id": 1})).await;
    let typing = frame_where(&mut bobs, Duration::from_secs(5), |f| {
        f["type"] == "typing" && f["username"] == "ann"
    })
    .await;
    assert!(typing.is_some(), "bob saw ann typing");
    anns.ws
        .send(json!({"type": "typing.stopped", "room_id": 1}))
        .await;
    let stopped = frame_where(&mut bobs, Duration::from_secs(5), |f| {
        f["type"] == "typing.stopped" && f["username"] == "ann"
    })
    .await;
    assert!(stopped.is_some(), "bob saw ann stop typing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn someone_online_on_a_node_that_dies_goes_offline_for_room_mates_on_another() {
    let Some((postgres, nats)) = servers() else {
        return;
    };
    let mut cluster = Cluster::start(&postgres, &nats, 2);
    let ann = Person::sign_up(&cluster.base(0), "ann").await;
    let bob = Person::sign_up(&cluster.base(1), "bob").await;
    let _anns = ann.listen(&cluster.base(0), 1, 0).await;
    let mut bobs = bob.listen(&cluster.base(1), 1, 0).await;
    let online = frame_where(&mut bobs, Duration::from_secs(10), |f| {
        (f["type"] == "presence.changed" && f["username"] == "ann" && f["online"] == true)
            || (f["type"] == "presence" && names(f, "ann"))
    })
    .await;
    assert!(
        online.is_some(),
        "ann, online on the other node, shows online"
    );

    cluster.nodes[0].take().unwrap().kill();
    let offline = frame_where(&mut bobs, Duration::from_secs(20), |f| {
        f["type"] == "presence.changed" && f["username"] == "ann" && f["online"] == false
    })
    .await;
    assert!(offline.is_some(), "ann went offline when her node died");
    // And a new look at the room no longer lists her.
    let mut again = bob.listen(&cluster.base(1), 1, 0).await;
    let presence = frame_where(&mut again, Duration::from_secs(5), |f| {
        f["type"] == "presence"
    })
    .await
    .expect("a presence frame after subscribing");
    assert!(!names(&presence, "ann"), "{presence}");
}
