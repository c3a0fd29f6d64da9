//! Access taken away on one node takes effect on the others at once: their
//! caches forget, and their live connections are cut.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::node::{servers, Cluster, Person};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn signing_out_everywhere_on_one_node_closes_the_stream_on_another_within_a_second() {
    let Some((postgres, nats)) = servers() else {
        return;
    };
    let cluster = Cluster::start(&postgres, &nats, 2);
    let ann = Person::sign_up(&cluster.base(0), "ann").await;
    let mut on_1 = ann.listen(&cluster.base(1), 1, 0).await;
    let r = ann.delete(&cluster.base(0), "/api/v1/sessions").await;
    assert!(r.status.is_success(), "{r:?}");
    let frames = on_1.frames_for(Duration::from_secs(1)).await;
    assert_eq!(
        frames.last().map(String::as_str),
        Some("closed"),
        "{frames:?}"
    );
    // And the other node no longer takes the token.
    let again = ann
        .call(
            reqwest::Method::GET,
            format!("{}/api/v1/rooms", cluster.base(1)),
            None,
        )
        .await
        .unwrap();
    assert_eq!(again.status, reqwest::StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn someone_removed_from_a_private_room_on_one_node_stops_hearing_it_on_another() {
    let Some((postgres, nats)) = servers() else {
        return;
    };
    let cluster = Cluster::start(&postgres, &nats, 2);
    let ann = Person::sign_up(&cluster.base(0), "ann").await;
    let bob = Person::sign_up(&cluster.base(1), "bob").await;
    let r = ann
        .post(
            &cluster.base(0),
            "/api/v1/rooms",
            json!({"name": "secret", "kind": "private", "members": ["bob"]}),
        )
        .await;
    assert!(r.status.is_success(), "{r:?}");
    let room = r.body["id"]
        .as_i64()
        .or_else(|| r.body["room"]["id"].as_i64())
        .expect("the room's id");
    let mut bobs = bob.listen(&cluster.base(1), room, 0).await;
    let r = ann
        .delete(
            &cluster.base(0),
            &format!("/api/v1/rooms/{room}/members/bob"),
        )
        .await;
    assert!(r.status.is_success(), "{r:?}");
    let frames = bobs.frames_for(Duration::from_secs(1)).await;
    assert!(frames.iter().any(|f| f == "room.removed"), "{frames:?}");
    let before = bobs.bodies.len();
    ann.say(&cluster.base(0), room, "after", "not for bob")
        .await
        .unwrap();
    bobs.frames_for(Duration::from_secs(2)).await;
    assert_eq!(bobs.bodies.len(), before, "nothing after the removal");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_device_used_on_one_node_shows_its_browser_in_the_devices_list_on_another() {
    let Some((postgres, nats)) = servers() else {
        return;
    };
    let cluster = Cluster::start(&postgres, &nats, 2);
    let ann = Person::sign_up(&cluster.base(0), "ann").await;
    let used = reqwest::Client::new()
        .get(format!("{}/api/v1/me", cluster.base(0)))
        .bearer_auth(&ann.token)
        .header("user-agent", "Laptop Firefox")
        .send()
        .await
        .unwrap();
    assert!(used.status().is_success(), "{used:?}");
    // Node 0 answers first and writes the use just after (with whatever
    // else it noted meanwhile); node 1 only has the store to go by.
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let listed = ann
            .call(
                reqwest::Method::GET,
                format!("{}/api/v1/sessions", cluster.base(1)),
                None,
            )
            .await
            .unwrap();
        if listed.body["devices"][0]["user_agent"] == "Laptop Firefox" {
            break;
        }
        assert!(Instant::now() < deadline, "{listed:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
