//! The live stream: real WebSocket clients against the real server.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with};
use crate::ws::{connect, connect_with_small_buffer, next_event, seqs, try_connect};

fn bodies(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["message"]["body"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn two_users_see_each_others_messages_live() {
    let app = spawn_app().await;
    let (_, alice_token) = app.user_with_token("alice").await;
    let (bob, bob_token) = app.user_with_token("bob").await;
    let mut alice = connect(&app.base, &alice_token).await;
    let mut bobs = connect(&app.base, &bob_token).await;
    assert!(alice.subscribe(1, 0).await.is_empty());
    assert!(bobs.subscribe(1, 0).await.is_empty());

    // Alice sends over the socket: an ack for her, the event for both (her
    // own event may come before or after her ack).
    alice
        .send(json!({"type": "send", "room_id": 1, "client_id": "a-1", "body": "hi bob"}))
        .await;
    let (ack, before) = alice.until("ack").await;
    assert_eq!(
        (ack["client_id"].clone(), ack["message"]["seq"].clone()),
        (json!("a-1"), json!(1))
    );
    if !before.iter().any(|f| f["seq"] == 1) {
        assert_eq!(next_event(&mut alice).await["seq"], 1, "her own message");
    }
    let seen = next_event(&mut bobs).await;
    assert_eq!(
        (seen["type"].clone(), seen["seq"].clone()),
        (json!("message.created"), json!(1))
    );
    assert_eq!(seen["message"]["body"], "hi bob");
    assert_eq!(seen["message"]["author"], "alice");

    // Bob answers over HTTP; Alice sees it live.
    assert_eq!(bob.say(1, "hi alice").await.status, StatusCode::CREATED);
    let seen = next_event(&mut alice).await;
    assert_eq!(seen["message"]["body"], "hi alice");
    assert_eq!(seen["seq"], 2);
}

#[tokio::test]
async fn a_reconnect_with_the_cursor_gets_exactly_the_missed_messages_in_order() {
    let app = spawn_app().await;
    let (alice, _) = app.user_with_token("alice").await;
    let (_, bob_token) = app.user_with_token("bob").await;
    for i in 0..3 {
        alice.say(1, &format!("before {i}")).await;
    }
    let mut bob = connect(&app.base, &bob_token).await;
    assert_eq!(seqs(&bob.subscribe(1, 0).await), [1, 2, 3]);
    bob.close().await;

    for i in 0..10 {
        alice.say(1, &format!("while away {i}")).await;
    }
    let mut bob = connect(&app.base, &bob_token).await;
    let replayed = bob.subscribe(1, 3).await;
    assert_eq!(seqs(&replayed), (4..=13).collect::<Vec<_>>());
    assert_eq!(
        bodies(&replayed),
        (0..10)
            .map(|i| format!("while away {i}"))
            .collect::<Vec<_>>()
    );
    // Then live, with nothing repeated.
    alice.say(1, "back").await;
    let live = next_event(&mut bob).await;
    assert_eq!(live["seq"], 14);
}

#[tokio::test]
async fn twenty_senders_while_a_client_resumes_deliver_each_message_once_in_order() {
    let app = spawn_app_with(|c| c.stream.max_replay = 5000).await;
    let mut senders = Vec::new();
    for i in 0..20 {
        senders.push(app.user(&format!("sender{i}")).await);
    }
    let (_, reader_token) = app.user_with_token("reader").await;
    let mut reader = connect(&app.base, &reader_token).await;
    reader.subscribe(1, 0).await;

    let tasks: Vec<_> = senders
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            tokio::spawn(async move {
                for n in 0..100 {
                    assert_eq!(
                        c.say(1, &format!("{i}-{n}")).await.status,
                        StatusCode::CREATED
                    );
                }
            })
        })
        .collect();

    // Read a while, drop the connection mid-stream, come back with the cursor.
    let mut got: Vec<i64> = Vec::new();
    while got.len() < 300 {
        got.push(next_event(&mut reader).await["seq"].as_i64().unwrap());
    }
    drop(reader);
    tokio::time::sleep(Duration::from_millis(50)).await; // let more commit while away
    let mut reader = connect(&app.base, &reader_token).await;
    let cursor = *got.last().unwrap();
    got.extend(seqs(&reader.subscribe(1, cursor).await));
    while got.len() < 2000 {
        got.push(next_event(&mut reader).await["seq"].as_i64().unwrap());
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        got,
        (1..=2000).collect::<Vec<_>>(),
        "every message exactly once, in seq order"
    );
    assert!(
        reader.drain().await.iter().all(|f| f.get("seq").is_none()),
        "nothing extra after the last"
    );
}

#[tokio::test]
async fn the_same_client_id_over_the_socket_and_http_gives_one_message() {
    let app = spawn_app().await;
    let (alice, token) = app.user_with_token("alice").await;
    let mut ws = connect(&app.base, &token).await;
    ws.send(json!({"type": "send", "room_id": 1, "client_id": "dup-1", "body": "once"}))
        .await;
    let (ack, _) = ws.until("ack").await;
    let http = alice
        .post(
            "/api/v1/rooms/1/messages",
            json!({"body": "once", "client_id": "dup-1"}),
        )
        .await;
    assert_eq!(http.status, StatusCode::OK, "the retry is recognised");
    assert_eq!(http.body["message"]["id"], ack["message"]["id"]);
    ws.send(json!({"type": "send", "room_id": 1, "client_id": "dup-1", "body": "once"}))
        .await;
    let (again, _) = ws.until("ack").await;
    assert_eq!(again["message"]["id"], ack["message"]["id"]);
    assert_eq!(alice.all_messages(1).await.len(), 1);
}

#[tokio::test]
async fn a_send_over_the_socket_is_refused_with_the_same_rules_as_http() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("alice").await;
    let mut ws = connect(&app.base, &token).await;
    ws.send(json!({"type": "send", "room_id": 1, "client_id": "long", "body": "x".repeat(4001)}))
        .await;
    let (err, _) = ws.until("error").await;
    assert_eq!(
        (err["client_id"].clone(), err["error"]["code"].clone()),
        (json!("long"), json!("message_too_long"))
    );
    ws.send(json!({"type": "send", "room_id": 4242, "client_id": "nowhere", "body": "hi"}))
        .await;
    let (err, _) = ws.until("error").await;
    assert_eq!(err["error"]["code"], "not_found");
    ws.send(json!({"type": "launch_missiles"})).await;
    let (err, _) = ws.until("error").await;
    assert_eq!(err["error"]["code"], "invalid_command");
}

#[tokio::test]
async fn a_non_member_receives_nothing_of_a_private_room() {
    let app = spawn_app().await;
    let (alice, alice_token) = app.user_with_token("alice").await;
    app.user("bob").await;
    let (_, mallory_token) = app.user_with_token("mallory").await;
    let r = alice
        .post(
            "/api/v1/rooms",
            json!({"name": "secret", "kind": "private", "members": ["bob"]}),
        )
        .await;
    let room = r.body["room"]["id"].as_i64().unwrap();

    let mut mallory = connect(&app.base, &mallory_token).await;
    mallory.subscribe(1, 0).await;
    mallory
        .send(json!({"type": "subscribe", "rooms": {room.to_string(): 0}}))
        .await;
    let (err, _) = mallory.until("error").await;
    assert_eq!(
        (err["room_id"].clone(), err["error"]["code"].clone()),
        (json!(room), json!("not_found"))
    );

    let mut alice_ws = connect(&app.base, &alice_token).await;
    alice_ws.subscribe(room, 0).await;
    alice.say(room, "the plan").await;
    mallory
        .send(json!({"type": "typing", "room_id": room}))
        .await;
    assert_eq!(
        next_event(&mut alice_ws).await["message"]["body"],
        "the plan",
        "members do receive it"
    );
    let leaked = mallory.drain().await;
    assert!(
        leaked.iter().all(|f| f["room_id"] != room),
        "mallory saw something of the private room: {leaked:?}"
    );
}

#[tokio::test]
async fn a_removed_member_stops_receiving_at_once() {
    let app = spawn_app().await;
    let (alice, _) = app.user_with_token("alice").await;
    let (_, bob_token) = app.user_with_token("bob").await;
    let r = alice
        .post(
            "/api/v1/rooms",
            json!({"name": "team", "kind": "private", "members": ["bob"]}),
        )
        .await;
    let room = r.body["room"]["id"].as_i64().unwrap();
    let mut bob = connect(&app.base, &bob_token).await;
    bob.subscribe(room, 0).await;
    alice.say(room, "still here?").await;
    assert_eq!(next_event(&mut bob).await["message"]["body"], "still here?");

    assert_eq!(
        alice
            .delete(&format!("/api/v1/rooms/{room}/members/bob"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let (removed, _) = bob.until("room.removed").await;
    assert_eq!(removed["room_id"], room);
    alice.say(room, "bob is gone").await;
    let after = bob.drain().await;
    assert!(
        after.iter().all(|f| f["room_id"] != room),
        "bob still received: {after:?}"
    );
    // And he cannot subscribe again.
    bob.send(json!({"type": "subscribe", "rooms": {room.to_string(): 0}}))
        .await;
    assert_eq!(bob.until("error").await.0["error"]["code"], "not_found");
}

#[tokio::test]
async fn a_new_room_is_announced_to_its_members() {
    let app = spawn_app().await;
    let (alice, _) = app.user_with_token("alice").await;
    let (_, bob_token) = app.user_with_token("bob").await;
    let mut bob = connect(&app.base, &bob_token).await;
    let dm = alice
        .post("/api/v1/dms", json!({"username": "bob"}))
        .await
        .body["room"]["id"]
        .as_i64()
        .unwrap();
    // Bob's own arrival in general may be announced first (it is published
    // after his sign-up answered): wait for the DM's.
    loop {
        let (added, _) = bob.until("room.added").await;
        if added["room_id"] == dm {
            break;
        }
        assert_eq!(added["room_id"], 1, "only general or the DM");
    }
}

#[tokio::test]
async fn a_foreign_origin_is_refused_before_the_upgrade() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token("alice").await;
    assert_eq!(
        try_connect(&app.base, &token, Some("http://evil.example"))
            .await
            .err(),
        Some(403)
    );
    let own = app.base.clone();
    assert!(try_connect(&app.base, &token, Some(&own)).await.is_ok());
    assert_eq!(
        try_connect(&app.base, "not-a-token", None).await.err(),
        Some(401)
    );
}

#[tokio::test]
async fn an_oversize_message_closes_the_connection_with_1009() {
    let app = spawn_app_with(|c| c.stream.max_message_bytes = 8 * 1024).await;
    let (_, token) = app.user_with_token("alice").await;
    let mut ws = connect(&app.base, &token).await;
    ws.send(json!({"type": "send", "room_id": 1, "client_id": "big", "body": "x".repeat(10_000)}))
        .await;
    assert_eq!(ws.next_or_close().await.err(), Some(Some(1009)));
}

#[tokio::test]
async fn edits_and_deletes_are_room_events_that_replay_in_order() {
    let app = spawn_app().await;
    let (alice, token) = app.user_with_token("alice").await;
    let (bob, _) = app.user_with_token("bob").await;
    let mut ws = connect(&app.base, &token).await;
    ws.subscribe(1, 0).await;
    alice.say(1, "frist").await;
    assert_eq!(alice.edit(1, 1, "first").await.status, StatusCode::OK);
    assert_eq!(
        bob.edit(1, 1, "mine now").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        alice.delete("/api/v1/rooms/1/messages/1").await.status,
        StatusCode::NO_CONTENT
    );

    let live = [
        next_event(&mut ws).await,
        next_event(&mut ws).await,
        next_event(&mut ws).await,
    ];
    let kinds: Vec<&str> = live.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["message.created", "message.edited", "message.deleted"]
    );
    assert_eq!(seqs(&live), [1, 2, 3]);
    assert_eq!(live[1]["message"]["body"], "first");
    assert_eq!(live[2]["message_seq"], 1);

    // A client that was away replays the same log, the message in its current state.
    let mut late = connect(&app.base, &token).await;
    let replay = late.subscribe(1, 0).await;
    assert_eq!(seqs(&replay), [1, 2, 3]);
    assert_eq!(replay[0]["message"]["deleted"], true);
    assert_eq!(replay[0]["message"]["body"], "");
}

#[tokio::test]
async fn a_gap_larger_than_the_replay_bound_is_announced_as_resync() {
    let app = spawn_app_with(|c| c.stream.max_replay = 5).await;
    let (alice, token) = app.user_with_token("alice").await;
    for i in 0..10 {
        alice.say(1, &format!("{i}")).await;
    }
    let mut ws = connect(&app.base, &token).await;
    ws.send(json!({"type": "subscribe", "rooms": {"1": 2}}))
        .await;
    let (resync, before) = ws.until("resync").await;
    assert!(
        before.iter().all(|f| f.get("seq").is_none()),
        "nothing silently skipped or half-sent"
    );
    assert_eq!(
        (resync["after"].clone(), resync["up_to"].clone()),
        (json!(2), json!(10))
    );
    let (subscribed, _) = ws.until("subscribed").await;
    assert_eq!(subscribed["last_seq"], 10);
    alice.say(1, "live").await;
    assert_eq!(next_event(&mut ws).await["seq"], 11);
}

#[tokio::test]
async fn typing_and_presence_reach_the_other_members() {
    let app = spawn_app().await;
    let (_, alice_token) = app.user_with_token("alice").await;
    let (_, bob_token) = app.user_with_token("bob").await;
    let mut alice = connect(&app.base, &alice_token).await;
    alice.subscribe(1, 0).await;
    let (presence, _) = alice.until("presence").await;
    assert_eq!(presence["online"][0]["username"], "alice");

    let mut bob = connect(&app.base, &bob_token).await;
    bob.subscribe(1, 0).await;
    let online = loop {
        let (f, _) = alice.until("presence.changed").await;
        if f["username"] == "bob" {
            break f;
        }
    };
    assert_eq!(
        (online["username"].clone(), online["online"].clone()),
        (json!("bob"), json!(true))
    );

    bob.send(json!({"type": "typing", "room_id": 1})).await;
    let (typing, _) = alice.until("typing").await;
    assert_eq!(typing["username"], "bob");

    bob.close().await;
    let (offline, _) = alice.until("presence.changed").await;
    assert_eq!(
        (offline["username"].clone(), offline["online"].clone()),
        (json!("bob"), json!(false))
    );
}

#[tokio::test]
async fn a_client_that_never_reads_is_cut_off_at_its_bound_while_others_keep_receiving() {
    let app = spawn_app_with(|c| c.stream.queue_bound = 8).await;
    let (alice, _) = app.user_with_token("alice").await;
    let (_, fast_token) = app.user_with_token("fast").await;
    let (_, slow_token) = app.user_with_token("slow").await;
    let mut fast = connect(&app.base, &fast_token).await;
    fast.subscribe(1, 0).await;
    let mut slow = connect_with_small_buffer(&app.base, &slow_token).await;
    slow.subscribe(1, 0).await;
    // From here `slow` reads nothing until the end.

    let body = "y".repeat(3000);
    let total = 1000;
    let mut received = HashSet::new();
    for i in 0..total {
        assert_eq!(
            alice.say(1, &format!("{i} {body}")).await.status,
            StatusCode::CREATED
        );
        // The fast reader keeps up as it goes.
        while let Ok(Ok(f)) =
            tokio::time::timeout(Duration::from_millis(0), fast.next_or_close()).await
        {
            if let Some(seq) = f.get("seq") {
                received.insert(seq.as_i64().unwrap());
            }
        }
        if app.hub.stats().cut_off > 0 && i > 50 {
            break;
        }
    }
    let sent = alice.all_messages(1).await.len();
    while received.len() < sent {
        received.insert(next_event(&mut fast).await["seq"].as_i64().unwrap());
    }
    assert_eq!(received.len(), sent, "the fast member got every message");
    assert_eq!(
        app.hub.stats().cut_off,
        1,
        "exactly the slow client was cut off"
    );

    // The slow client finds fewer messages than were sent, then the end of the connection.
    let mut slow_got = 0;
    let ended = loop {
        match slow.next_or_close().await {
            Ok(f) if f.get("seq").is_some() => slow_got += 1,
            Ok(_) => {}
            Err(end) => break end,
        }
    };
    assert!(slow_got < sent, "slow got {slow_got} of {sent}");
    // The close reaches it (ahead of what was still waiting), not a reset.
    assert_eq!(ended, Some(4008), "closed as too slow");
}

#[tokio::test]
async fn a_silent_peer_is_dropped_after_the_idle_timeout() {
    let app = spawn_app_with(|c| {
        c.stream.ping_interval = Duration::from_secs(1);
        c.stream.idle_timeout = Duration::from_secs(2);
    })
    .await;
    let (_, token) = app.user_with_token("alice").await;
    let mut ws = connect(&app.base, &token).await;
    // Not reading means not answering pings: the server gives up on us.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let end = ws.end().await;
    assert!(matches!(end, Some(1001) | None), "{end:?}");
    assert_eq!(app.hub.stats().listeners, 0);
}

#[tokio::test]
async fn shutdown_tells_stream_clients_to_reconnect() {
    let mut app = spawn_app().await;
    let (_, token) = app.user_with_token("alice").await;
    let mut ws = connect(&app.base, &token).await;
    ws.subscribe(1, 0).await;
    app.shut_down().await;
    let (bye, _) = ws.until("reconnect").await;
    assert!(bye["reason"].as_str().unwrap().contains("restarting"));
    assert_eq!(ws.next_or_close().await.err(), Some(Some(1012)));
}

#[tokio::test]
async fn long_polling_returns_new_events_as_they_commit() {
    let app = spawn_app().await;
    let (alice, _) = app.user_with_token("alice").await;
    let (bob, _) = app.user_with_token("bob").await;
    alice.say(1, "one").await;
    let r = bob.get("/api/v1/rooms/1/events?after=0").await;
    assert_eq!(seqs(r.body["events"].as_array().unwrap()), [1]);
    assert_eq!(r.body["last_seq"], 1);

    let waiting = {
        let bob = bob.clone();
        tokio::spawn(async move { bob.get("/api/v1/rooms/1/events?after=1&wait=20").await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    alice.say(1, "two").await;
    let r = waiting.await.unwrap();
    assert_eq!(bodies(r.body["events"].as_array().unwrap()), ["two"]);

    let outsider = app.client();
    assert_eq!(
        outsider.get("/api/v1/rooms/1/events?after=0").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn signing_out_everywhere_closes_the_users_live_connections() {
    let app = spawn_app().await;
    let (alice, token) = app.user_with_token("alice").await;
    let (_, bob_token) = app.user_with_token("bob").await;
    let mut alice_ws = connect(&app.base, &token).await;
    alice_ws.subscribe(1, 0).await;
    let mut bob_ws = connect(&app.base, &bob_token).await;
    bob_ws.subscribe(1, 0).await;

    assert_eq!(
        alice.delete("/api/v1/sessions").await.status,
        StatusCode::NO_CONTENT
    );
    let end = alice_ws.end().await;
    assert_eq!(end, Some(4001), "closed as session ended");
    assert_eq!(
        try_connect(&app.base, &token, None).await.err(),
        Some(401),
        "and cannot come back"
    );
    // Bob is untouched.
    assert!(bob_ws
        .drain()
        .await
        .iter()
        .all(|f| f["type"] != "reconnect"));
}

#[tokio::test]
async fn a_password_change_closes_the_other_sessions_sockets_but_not_this_one() {
    let app = spawn_app().await;
    let (laptop, laptop_token) = app.user_with_token("alice").await;
    laptop
        .put(
            "/api/v1/me/password",
            json!({"new_password": "correct horse"}),
        )
        .await;
    let (_phone, r) = app.second_device("alice").await;
    let phone_token = crate::helpers::session_token(&r);
    let mut laptop_ws = connect(&app.base, &laptop_token).await;
    let mut phone_ws = connect(&app.base, &phone_token).await;

    let r = laptop
        .put(
            "/api/v1/me/password",
            json!({"current_password": "correct horse", "new_password": "battery staple"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let end = phone_ws.end().await;
    assert_eq!(end, Some(4001));
    assert_eq!(
        laptop_ws.drain().await.len(),
        0,
        "the laptop's socket stays open"
    );
}

#[tokio::test]
async fn a_user_may_hold_only_so_many_live_connections() {
    let app = spawn_app_with(|c| c.stream.max_per_user = 2).await;
    let (_, token) = app.user_with_token("alice").await;
    let _one = connect(&app.base, &token).await;
    let _two = connect(&app.base, &token).await;
    assert_eq!(try_connect(&app.base, &token, None).await.err(), Some(429));
    let (_, bob) = app.user_with_token("bob").await;
    assert!(
        try_connect(&app.base, &bob, None).await.is_ok(),
        "others are not affected"
    );
}

#[tokio::test]
async fn a_client_flooding_the_socket_with_commands_is_disconnected() {
    let app = spawn_app_with(|c| c.stream.commands_per_second = 20).await;
    let (_, token) = app.user_with_token("alice").await;
    let mut ws = connect(&app.base, &token).await;
    for _ in 0..500 {
        if !ws.try_send(json!({"type": "ping"})).await {
            break;
        }
    }
    let end = ws.end().await;
    // The close frame may be lost to a reset while our pings are still in flight.
    assert!(matches!(end, Some(1008) | None), "{end:?}");
    for _ in 0..100 {
        if app.hub.stats().listeners == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the flooding connection is still registered");
}

#[tokio::test]
async fn a_busy_room_reports_presence_as_a_count() {
    let app = spawn_app().await;
    let mut sockets = Vec::new();
    for i in 0..21 {
        let (_, token) = app.user_with_token(&format!("member{i}")).await;
        let mut ws = connect(&app.base, &token).await;
        ws.subscribe(1, 0).await;
        sockets.push(ws);
    }
    let (_, token) = app.user_with_token("latecomer").await;
    let mut late = connect(&app.base, &token).await;
    late.subscribe(1, 0).await;
    let (presence, _) = late.until("presence").await;
    assert_eq!(presence["count"], 22);
    assert_eq!(
        presence["online"],
        json!([]),
        "no name list above 20 online"
    );
    // Nobody was told about the latecomer one by one.
    let told = sockets[0].drain().await;
    assert!(
        told.iter().all(|f| f["username"] != "latecomer"),
        "{told:?}"
    );
}
