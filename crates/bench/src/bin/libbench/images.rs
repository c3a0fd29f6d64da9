//! Previews and uploads: the CPU a 12-megapixel thumbnail costs, and how
//! fast a streamed upload reaches the disk (fsync included).

use std::time::Instant;

use anyhow::Context;
use bytes::Bytes;
use futures_util::StreamExt;
use image::{Rgb, RgbImage};
use natter::files::{self, FileStore, ImageLimits, LocalDiskStore, Preview, UploadLimit};

use crate::stats::{ms, percentiles, thread_cpu};

/// A photo-like picture: smooth light with fine grain, so the JPEG holds
/// as much detail (and costs as much to decode) as a camera's.
fn photo(width: u32, height: u32) -> RgbImage {
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    RgbImage::from_fn(width, height, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let grain = i32::try_from(seed % 24).unwrap_or(0) - 12;
        let base = |v: u32, span: u32| i32::try_from(v * 200 / span.max(1)).unwrap_or(0);
        let channel = |v: i32| u8::try_from((v + grain).clamp(0, 255)).unwrap_or(0);
        Rgb([
            channel(base(x, width) + 30),
            channel(base(y, height) + 20),
            channel(base(x + y, width + height) + 10),
        ])
    })
}

pub fn thumbnail(iterations: usize, width: u32, height: u32) -> anyhow::Result<()> {
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&photo(width, height))
        .context("encoding the test picture")?;
    #[allow(clippy::cast_precision_loss)]
    let megapixels = f64::from(width) * f64::from(height) / 1e6;
    #[allow(clippy::cast_precision_loss)]
    let mib = jpeg.len() as f64 / f64::from(1 << 20);
    println!("picture: {width} x {height} ({megapixels:.1} MP), JPEG q90, {mib:.2} MiB");
    let limits = ImageLimits::default();
    let what = Preview::Thumbnail { max_side: 400 };
    // One untimed run, so the first timing is not the page faults of the
    // first buffers.
    let made = files::make_preview(&jpeg, what, &limits)?;
    println!(
        "preview: {} x {} {}, {} bytes",
        made.preview.width,
        made.preview.height,
        made.preview.mime,
        made.preview.bytes.len()
    );
    let (mut cpu, mut wall, mut decode) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..iterations {
        let (c0, w0) = (thread_cpu(), Instant::now());
        files::make_preview(&jpeg, what, &limits)?;
        cpu.push(thread_cpu().saturating_sub(c0));
        wall.push(w0.elapsed());
        // The decode alone, for where the time goes.
        let c0 = thread_cpu();
        image::load_from_memory(&jpeg)?;
        decode.push(thread_cpu().saturating_sub(c0));
    }
    for (name, samples) in [
        ("thumbnail CPU", &mut cpu),
        ("thumbnail wall", &mut wall),
        ("decode alone CPU", &mut decode),
    ] {
        let (p50, p99, max) = percentiles(samples);
        println!(
            "{name}: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({iterations} runs)",
            ms(p50),
            ms(p99),
            ms(max)
        );
    }
    Ok(())
}

pub fn upload(
    files: usize,
    size_mib: usize,
    dir: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    let temp = tempfile::tempdir()?;
    let root = dir.unwrap_or_else(|| temp.path().to_owned());
    let store = LocalDiskStore::open(root.join("files"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // A body of 64 KiB chunks, as hyper hands them over; the chunks share
    // one buffer, so making them costs nothing.
    let chunk = Bytes::from(vec![0x5Au8; 64 << 10]);
    let chunks = size_mib * 16;
    let size = u64::try_from(size_mib << 20)?;
    for concurrent in [1usize, 4] {
        let started = Instant::now();
        let mut each = Vec::new();
        runtime.block_on(async {
            let jobs = futures_util::stream::iter(0..files).map(|_| {
                let body = futures_util::stream::iter(
                    (0..chunks).map(|_| Ok::<_, std::convert::Infallible>(chunk.clone())),
                );
                let store = &store;
                async move {
                    let t0 = Instant::now();
                    let up =
                        files::receive(store, body, Some(size), UploadLimit::per_file(25 << 20))
                            .await?;
                    let took = t0.elapsed();
                    store.delete(&up.key).await?;
                    anyhow::Ok(took)
                }
            });
            let mut done = jobs.buffer_unordered(concurrent);
            while let Some(took) = done.next().await {
                each.push(took?);
            }
            anyhow::Ok(())
        })?;
        let total = started.elapsed();
        let (p50, p99, _) = percentiles(&mut each);
        #[allow(clippy::cast_precision_loss)]
        let mb_per_s = (files as f64 * size as f64 / 1e6) / total.as_secs_f64();
        println!(
            "{files} uploads of {size_mib} MiB, {concurrent} at a time: {mb_per_s:.0} MB/s \
             (per upload p50 {:.1} ms, p99 {:.1} ms; write, SHA-256, fsync, rename)",
            ms(p50),
            ms(p99)
        );
    }
    drop(store);
    Ok(())
}
