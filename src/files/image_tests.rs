use super::*;
use crate::files::child;
use image::{Rgb, RgbImage, Rgba, RgbaImage};

/// A photo-like JPEG (smooth colour with some noise), `w` × `h`.
pub fn photo_jpeg(w: u32, h: u32) -> Vec<u8> {
    let image = RgbImage::from_fn(w, h, |x, y| {
        let noise = (x.wrapping_mul(7919) ^ y.wrapping_mul(104_729)) % 23;
        #[allow(clippy::cast_possible_truncation)] // all below 256
        Rgb([
            ((x * 255 / w.max(1)) as u8).saturating_add(noise as u8),
            (y * 255 / h.max(1)) as u8,
            128,
        ])
    });
    jpeg_of(&image)
}

fn jpeg_of(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(image)
        .expect("encoded");
    out
}

fn png_of(image: &DynamicImage) -> Vec<u8> {
    let mut out = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .expect("encoded");
    out
}

const SECRET: &[u8] = b"SECRET-PLACE-4242\0";

/// A TIFF-format EXIF block (big-endian) with an orientation, an image
/// description holding `SECRET`, and a GPS latitude.
fn exif_block(orientation: u16) -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(b"Exif\0\0MM\0\x2a\0\0\0\x08");
    let entry = |t: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: u32| {
        t.extend_from_slice(&tag.to_be_bytes());
        t.extend_from_slice(&kind.to_be_bytes());
        t.extend_from_slice(&count.to_be_bytes());
        t.extend_from_slice(&value.to_be_bytes());
    };
    // IFD0 at 8: 3 entries (42 bytes), then the description at 50, the GPS
    // IFD at 68 and its latitude at 86 (offsets count from the TIFF header).
    t.extend_from_slice(&3u16.to_be_bytes());
    entry(&mut t, 0x0112, 3, 1, u32::from(orientation) << 16);
    #[allow(clippy::cast_possible_truncation)]
    entry(&mut t, 0x010E, 2, SECRET.len() as u32, 50);
    entry(&mut t, 0x8825, 4, 1, 68);
    t.extend_from_slice(&0u32.to_be_bytes());
    t.extend_from_slice(SECRET);
    t.extend_from_slice(&1u16.to_be_bytes());
    entry(&mut t, 0x0002, 5, 3, 86);
    t.extend_from_slice(&0u32.to_be_bytes());
    for (n, d) in [(52u32, 1u32), (31, 1), (4242, 100)] {
        t.extend_from_slice(&n.to_be_bytes());
        t.extend_from_slice(&d.to_be_bytes());
    }
    let mut segment = vec![0xFF, 0xE1];
    #[allow(clippy::cast_possible_truncation)]
    segment.extend_from_slice(&((t.len() + 2) as u16).to_be_bytes());
    segment.extend_from_slice(&t);
    segment
}

/// A JPEG with an EXIF block inserted right after its start marker.
fn with_exif(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&exif_block(orientation));
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A 60-byte PNG whose header claims `w` × `h` RGB pixels, with one byte
/// of pixel data.
pub fn png_bomb(w: u32, h: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        #[allow(clippy::cast_possible_truncation)]
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let body = [kind, data].concat();
        png.extend_from_slice(&body);
        png.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    // A zlib stream of one stored byte (a filter type), then its Adler-32.
    chunk(
        b"IDAT",
        &[0x78, 0x01, 0x01, 0x01, 0x00, 0xFE, 0xFF, 0x00, 0, 1, 0, 1],
    );
    chunk(b"IEND", &[]);
    png
}

/// A GIF whose screen and only frame claim `w` × `h`.
fn gif_bomb(w: u16, h: u16) -> Vec<u8> {
    let mut gif = b"GIF89a".to_vec();
    gif.extend_from_slice(&w.to_le_bytes());
    gif.extend_from_slice(&h.to_le_bytes());
    gif.extend_from_slice(&[0, 0, 0, 0x2C, 0, 0, 0, 0]);
    gif.extend_from_slice(&w.to_le_bytes());
    gif.extend_from_slice(&h.to_le_bytes());
    // No colour table; LZW code size 2: clear, end of information.
    gif.extend_from_slice(&[0, 2, 1, 0x2C, 0, 0x3B]);
    gif
}

const THUMB: Preview = Preview::Thumbnail { max_side: 400 };

fn preview(bytes: &[u8], what: Preview) -> Result<ImageSummary, PreviewError> {
    make_preview(bytes, what, &ImageLimits::default())
}

#[test]
fn a_photo_gets_a_jpeg_thumbnail_that_fits_the_box_and_keeps_its_shape() {
    let made = preview(&photo_jpeg(2000, 1500), THUMB).expect("a preview");
    assert_eq!((made.width, made.height), (2000, 1500));
    assert_eq!(made.preview.mime, "image/jpeg");
    assert_eq!((made.preview.width, made.preview.height), (400, 300));
    let back = image::load_from_memory(&made.preview.bytes).expect("a real JPEG");
    assert_eq!((back.width(), back.height()), (400, 300));
}

#[test]
fn a_small_image_is_not_enlarged() {
    let made = preview(&photo_jpeg(120, 80), THUMB).expect("a preview");
    assert_eq!((made.preview.width, made.preview.height), (120, 80));
}

#[test]
fn exif_orientation_is_applied_and_no_metadata_reaches_the_preview() {
    // Left half red, right half blue; orientation 6 = turn 90° clockwise,
    // which puts the red half on top.
    let sideways = RgbImage::from_fn(80, 40, |x, _| {
        if x < 40 {
            Rgb([255, 0, 0])
        } else {
            Rgb([0, 0, 255])
        }
    });
    let original = with_exif(&jpeg_of(&sideways), 6);
    assert!(original.windows(SECRET.len()).any(|w| w == SECRET));
    let made = preview(&original, THUMB).expect("a preview");
    assert_eq!((made.width, made.height), (40, 80), "as displayed");
    assert_eq!((made.preview.width, made.preview.height), (40, 80));
    let back = image::load_from_memory(&made.preview.bytes)
        .expect("a JPEG")
        .to_rgb8();
    let (top, bottom) = (back.get_pixel(20, 10), back.get_pixel(20, 70));
    assert!(top[0] > 200 && top[2] < 60, "top is red: {top:?}");
    assert!(
        bottom[2] > 200 && bottom[0] < 60,
        "bottom is blue: {bottom:?}"
    );
    let bytes = &made.preview.bytes;
    assert!(!bytes.windows(6).any(|w| w == b"Exif\0\0"), "no EXIF block");
    assert!(!bytes.windows(SECRET.len()).any(|w| w == SECRET));
}

#[test]
fn an_avatar_is_the_centre_square_resized() {
    // A wide picture: red sides, a green square in the middle.
    let wide = RgbImage::from_fn(300, 100, |x, _| {
        if (100..200).contains(&x) {
            Rgb([0, 255, 0])
        } else {
            Rgb([255, 0, 0])
        }
    });
    let made = preview(&jpeg_of(&wide), Preview::Avatar { side: 64 }).expect("an avatar");
    assert_eq!((made.width, made.height), (300, 100));
    assert_eq!((made.preview.width, made.preview.height), (64, 64));
    let back = image::load_from_memory(&made.preview.bytes)
        .expect("a JPEG")
        .to_rgb8();
    for (x, y) in [(2, 2), (61, 61), (2, 61), (32, 32)] {
        let p = back.get_pixel(x, y);
        assert!(p[1] > 200 && p[0] < 60, "({x},{y}) is green: {p:?}");
    }
}

#[test]
fn an_image_with_transparency_keeps_it_in_a_png_preview() {
    let clear = RgbaImage::from_pixel(500, 500, Rgba([0, 0, 0, 0]));
    let made = preview(&png_of(&DynamicImage::ImageRgba8(clear)), THUMB).expect("a preview");
    assert_eq!(made.preview.mime, "image/png");
    let back = image::load_from_memory(&made.preview.bytes).expect("a PNG");
    assert!(back.color().has_alpha());
    assert_eq!(back.to_rgba8().get_pixel(3, 3)[3], 0);
}

#[test]
fn what_is_not_a_raster_image_gets_no_preview() {
    for bytes in [
        &b"%PDF-1.7\n1 0 obj"[..],
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
        b"<!doctype html><script>alert(1)</script>",
        b"",
    ] {
        assert_eq!(preview(bytes, THUMB), Err(PreviewError::NotAnImage));
    }
}

#[test]
fn a_broken_image_is_reported_as_such() {
    let mut broken = png_of(&DynamicImage::ImageRgb8(RgbImage::new(50, 50)));
    broken.truncate(60);
    assert!(matches!(
        preview(&broken, THUMB),
        Err(PreviewError::Corrupt(_))
    ));
}

#[test]
fn an_image_bomb_is_refused_from_its_header_with_the_size_it_claims() {
    assert_eq!(
        preview(&png_bomb(50_000, 50_000), THUMB),
        Err(PreviewError::TooLarge {
            width: 50_000,
            height: 50_000
        })
    );
    assert_eq!(
        preview(&gif_bomb(50_000, 50_000), THUMB),
        Err(PreviewError::TooLarge {
            width: 50_000,
            height: 50_000
        })
    );
    // Within the side limit, but 400 megapixels.
    assert_eq!(
        preview(&png_bomb(20_000, 20_000), Preview::Avatar { side: 64 }),
        Err(PreviewError::TooLarge {
            width: 20_000,
            height: 20_000
        })
    );
}

#[test]
fn a_long_panorama_within_the_pixel_limit_gets_a_thumbnail() {
    let made = preview(&photo_jpeg(12_000, 1_000), THUMB).expect("a preview");
    assert_eq!((made.preview.width, made.preview.height), (400, 33));
}

const PROBE: &str = "files::image::tests::peak_memory_probe";

/// Child part of the memory test: decodes what the role names and reports
/// how much its peak resident memory grew.
#[test]
#[ignore = "run in a child process by refusing_an_image_bomb_keeps_memory_flat"]
fn peak_memory_probe() {
    let role = child::role().expect("started as a child");
    let input = match role.as_str() {
        "bomb" => png_bomb(50_000, 50_000),
        // The control: a real 3,000 × 3,000 picture (27 MB decoded).
        _ => png_of(&DynamicImage::ImageRgb8(RgbImage::from_pixel(
            3000,
            3000,
            Rgb([9, 99, 199]),
        ))),
    };
    child::reset_peak_rss();
    let before = child::peak_rss_kib();
    let result = preview(&input, THUMB);
    let after = child::peak_rss_kib();
    println!("ok={}", u8::from(result.is_ok()));
    println!("grew_kib={}", after - before);
}

#[test]
fn refusing_an_image_bomb_keeps_memory_flat() {
    let bomb = child::run(PROBE, "bomb");
    let control = child::run(PROBE, "control");
    assert_eq!(child::reported(&bomb, "ok"), 0);
    assert_eq!(child::reported(&control, "ok"), 1);
    // The probe sees a real decode (27 MB); the bomb adds next to nothing
    // (decoded, it would be 7.5 GB).
    assert!(child::reported(&control, "grew_kib") > 20 << 10);
    assert!(child::reported(&bomb, "grew_kib") < 8 << 10);
}
