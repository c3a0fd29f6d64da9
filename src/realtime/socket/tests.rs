//! The socket's write path against a real peer that reads slowly or not
//! at all: order, bounds, partly written frames and the goodbye.

use super::*;

/// A server socket with a bound of `bound`, and its peer (not reading
/// yet); small kernel buffers, so a peer that does not read fills them
/// soon.
async fn slow_peer(bound: usize) -> (SocketOut, TcpStream) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    socket2::SockRef::from(&server)
        .set_send_buffer_size(4096)
        .unwrap();
    socket2::SockRef::from(&client)
        .set_recv_buffer_size(4096)
        .unwrap();
    (SocketOut::new(Arc::new(server), bound), client)
}

#[tokio::test]
async fn frames_a_peer_does_not_read_wait_in_order_up_to_the_bound_then_all_arrive() {
    use tokio::io::AsyncReadExt;

    let (out, mut client) = slow_peer(4).await;
    let numbered = |n: u32| {
        let mut frame = vec![0u8; 1024];
        frame[..4].copy_from_slice(&n.to_be_bytes());
        Bytes::from(frame)
    };
    let mut offered = 0u32;
    while out.offer(numbered(offered)).is_ok() {
        offered += 1;
        assert!(offered < 10_000, "the bound never refused a frame");
    }
    assert!(!out.is_flushed(), "frames are waiting");
    assert_eq!(out.offer(numbered(offered)), Err(Full), "still refused");

    let expected = offered as usize * 1024;
    let reader = tokio::spawn(async move {
        let mut got = vec![0u8; expected];
        client.read_exact(&mut got).await.unwrap();
        got
    });
    out.flush().await.unwrap();
    assert!(out.is_flushed());
    let got = reader.await.unwrap();
    for (i, frame) in got.chunks(1024).enumerate() {
        let n = u32::from_be_bytes(frame[..4].try_into().unwrap());
        assert_eq!(n as usize, i, "frame {i} arrived out of order");
    }
}

#[tokio::test]
async fn frames_pushed_together_arrive_whole_and_in_order_even_when_the_kernel_takes_part() {
    use tokio::io::AsyncReadExt;

    let (out, mut client) = slow_peer(4).await;
    out.push_all(&[Bytes::from_static(b"first ")]);
    // Far more than the small buffers take at once: the kernel takes a
    // part, the rest waits behind it (and behind nothing else).
    let frames: Vec<Bytes> = (0..100u8).map(|n| Bytes::from(vec![n; 1000])).collect();
    out.push_all(&frames);
    assert!(!out.is_flushed(), "the rest waits for the peer");
    out.push(Bytes::from_static(b" last"));

    let expected = 6 + 100 * 1000 + 5;
    let reader = tokio::spawn(async move {
        let mut got = vec![0u8; expected];
        client.read_exact(&mut got).await.unwrap();
        got
    });
    out.flush().await.unwrap();
    let got = reader.await.unwrap();
    assert_eq!(&got[..6], b"first ");
    for (n, frame) in got[6..expected - 5].chunks(1000).enumerate() {
        assert!(
            frame.iter().all(|&b| usize::from(b) == n),
            "frame {n} was cut or reordered"
        );
    }
    assert_eq!(&got[expected - 5..], b" last");
}

#[tokio::test]
async fn the_goodbye_follows_a_partly_written_frame_and_goes_ahead_of_the_waiting_ones() {
    use tokio::io::AsyncReadExt;

    let (out, mut client) = slow_peer(10_000).await;
    let numbered = |n: u32| {
        let mut frame = vec![0u8; 1000];
        frame[..4].copy_from_slice(&n.to_be_bytes());
        Bytes::from(frame)
    };
    let mut offered = 0u32;
    // Until the kernel is full and frames wait here, then some more.
    while out.is_flushed() {
        out.offer(numbered(offered)).unwrap();
        offered += 1;
    }
    for _ in 0..50 {
        out.offer(numbered(offered)).unwrap();
        offered += 1;
    }
    out.close_with(&[Bytes::from_static(b"GOODBYE")]);
    // Nothing may follow the goodbye.
    out.offer(numbered(offered)).unwrap();
    out.push(Bytes::from_static(b"late"));

    let reader = tokio::spawn(async move {
        let mut got = Vec::new();
        client.read_to_end(&mut got).await.unwrap();
        got
    });
    out.flush().await.unwrap();
    out.shut_down_writing();
    let got = reader.await.unwrap();
    let (frames, last) = got.split_at(got.len() - b"GOODBYE".len());
    assert_eq!(last, b"GOODBYE");
    assert_eq!(frames.len() % 1000, 0, "a frame was cut short");
    let sent = frames.len() / 1000;
    assert!(sent < offered as usize, "the waiting frames were dropped");
    for (i, frame) in frames.chunks(1000).enumerate() {
        let n = u32::from_be_bytes(frame[..4].try_into().unwrap());
        assert_eq!(n as usize, i, "frame {i} out of order");
    }
}

#[test]
fn consuming_bytes_keeps_the_rest_of_a_partly_written_frame() {
    let mut waiting = Waiting::default();
    waiting.keep(Bytes::from_static(b"abc"), true);
    waiting.keep(Bytes::from_static(b"de"), false);
    waiting.consume(4);
    assert_eq!(waiting.frames.len(), 1);
    assert_eq!(&waiting.frames[0].0[..], b"e");
    assert_eq!(waiting.offered, 0, "the offered frame is gone");
}

#[tokio::test]
async fn only_frames_from_the_hub_count_toward_the_bound() {
    let (out, _client) = slow_peer(2).await;
    // The connection's own frames (a long replay) fill the socket and
    // wait, far past the bound.
    for _ in 0..200 {
        out.push(Bytes::from(vec![b'r'; 1024]));
    }
    assert!(!out.is_flushed());
    assert_eq!(out.offer(Bytes::from_static(b"live 1")), Ok(()));
    assert_eq!(out.offer(Bytes::from_static(b"live 2")), Ok(()));
    assert_eq!(out.offer(Bytes::from_static(b"live 3")), Err(Full));
}
