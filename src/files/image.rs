//! Image previews: a thumbnail for the timeline and a square avatar, made
//! with the `image` crate. Synchronous and CPU-heavy: call it through
//! `ImageWorkers`, which runs it off the async runtime, one job per core.
//!
//! Safety of decoding: the header is read first and an image over the
//! limits (width, height, pixels, decoded bytes) is refused before any
//! pixel buffer is allocated, so an "image bomb" (a few bytes claiming
//! 50,000 × 50,000) costs nothing; the decoder also gets the limits, for
//! what it allocates on its own. Re-encoding writes pixels only: EXIF (GPS,
//! camera), XMP and comments of the original never reach the preview. The
//! EXIF orientation is applied first, so the preview stands the right way.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};

/// What a decode may cost. One job holds at most about `max_alloc` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageLimits {
    /// The longest side, in pixels, of an image we decode.
    pub max_side: u32,
    /// Width × height, so a 20,000 × 20,000 image is refused while a
    /// 20,000 × 1,000 panorama is not.
    pub max_pixels: u64,
    /// Bytes the decoder may allocate (the decoded image counts).
    pub max_alloc: u64,
    /// The largest encoded file we read into memory to decode.
    pub max_input_bytes: u64,
}

impl Default for ImageLimits {
    /// Room for a 48-megapixel camera picture (RGB: 144 MB decoded).
    fn default() -> Self {
        Self {
            max_side: 20_000,
            max_pixels: 48_000_000,
            max_alloc: 256 << 20,
            max_input_bytes: 50 << 20,
        }
    }
}

/// Which preview to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preview {
    /// Fits in a `max_side` square, keeping the aspect ratio; never
    /// enlarged.
    Thumbnail { max_side: u32 },
    /// The centre square, cropped and resized to `side` × `side`.
    Avatar { side: u32 },
}

/// An encoded preview, ready to be stored.
#[derive(Clone, PartialEq, Eq)]
pub struct PreviewImage {
    pub bytes: Vec<u8>,
    /// `image/jpeg`, or `image/png` when the image has transparency.
    pub mime: &'static str,
    pub width: u32,
    pub height: u32,
}

impl std::fmt::Debug for PreviewImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "PreviewImage({} {}x{}, {} bytes)",
            self.mime,
            self.width,
            self.height,
            self.bytes.len()
        )
    }
}

/// The original's size as displayed (after its EXIF orientation) and its
/// preview: the client reserves the space before either loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSummary {
    pub width: u32,
    pub height: u32,
    pub preview: PreviewImage,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PreviewError {
    /// Not JPEG, PNG, GIF or WebP: keep the file, make no preview.
    #[error("not an image we can preview")]
    NotAnImage,
    /// Over the limits (an image bomb, or just huge): keep the file without
    /// a preview. The size is what the header claims, as displayed.
    #[error("the image is too large to preview ({width} × {height})")]
    TooLarge { width: u32, height: u32 },
    /// The header or the pixels are broken.
    #[error("the image cannot be decoded: {0}")]
    Corrupt(String),
    /// Every preview worker is busy and the queue is full: try later.
    #[error("the preview workers are busy")]
    Busy,
    /// The stored original could not be read.
    #[error("the image could not be read from the file store: {0}")]
    Unreadable(String),
}

impl From<PreviewError> for crate::error::Error {
    /// For avatars, where a preview is the point of the upload.
    fn from(e: PreviewError) -> Self {
        match e {
            PreviewError::NotAnImage => Self::invalid(
                "not_an_image",
                "Please upload a JPEG, PNG, GIF or WebP image.",
            ),
            PreviewError::TooLarge { width, height } => Self::TooLarge {
                code: "image_too_large",
                message: format!("The image is too large ({width} × {height} pixels)."),
            },
            PreviewError::Corrupt(_) => Self::invalid(
                "image_unreadable",
                "The image is damaged and cannot be read.",
            ),
            PreviewError::Busy => {
                Self::Unavailable("The server is busy with other images; try again soon.".into())
            }
            PreviewError::Unreadable(why) => Self::Internal(anyhow::anyhow!(why)),
        }
    }
}

/// Decodes `bytes` within `limits` and makes the preview asked for. Runs
/// on the calling thread for as long as it takes: a server calls it
/// through `ImageWorkers`.
pub fn make_preview(
    bytes: &[u8],
    what: Preview,
    limits: &ImageLimits,
) -> Result<ImageSummary, PreviewError> {
    if bytes.len() as u64 > limits.max_input_bytes {
        return Err(PreviewError::TooLarge {
            width: 0,
            height: 0,
        });
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| PreviewError::Corrupt(e.to_string()))?;
    match reader.format() {
        Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::Gif | ImageFormat::WebP) => {}
        _ => return Err(PreviewError::NotAnImage),
    }
    // First only the allocation cap, so the header's size can be read and
    // reported even when it is over the side limits.
    let mut decoder_limits = image::Limits::default();
    decoder_limits.max_alloc = Some(limits.max_alloc);
    reader.limits(decoder_limits.clone());
    let mut decoder = reader.into_decoder().map_err(|e| refusal(e, (0, 0)))?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let (width, height) = displayed(decoder.dimensions(), orientation);
    let pixels = u64::from(width) * u64::from(height);
    if width > limits.max_side
        || height > limits.max_side
        || pixels > limits.max_pixels
        || decoder.total_bytes() > limits.max_alloc
    {
        return Err(PreviewError::TooLarge { width, height });
    }
    decoder_limits.max_image_width = Some(limits.max_side);
    decoder_limits.max_image_height = Some(limits.max_side);
    decoder
        .set_limits(decoder_limits)
        .map_err(|e| refusal(e, (width, height)))?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| refusal(e, (width, height)))?;
    image.apply_orientation(orientation);
    let small = match what {
        Preview::Thumbnail { max_side } if width <= max_side && height <= max_side => image,
        Preview::Thumbnail { max_side } => image.thumbnail(max_side, max_side),
        Preview::Avatar { side } => {
            let square = width.min(height);
            image
                .crop_imm((width - square) / 2, (height - square) / 2, square, square)
                .resize_exact(side, side, image::imageops::FilterType::Triangle)
        }
    };
    Ok(ImageSummary {
        width,
        height,
        preview: encode(&small)?,
    })
}

/// The size as shown: orientations 5 to 8 turn the image a quarter.
fn displayed((w, h): (u32, u32), orientation: image::metadata::Orientation) -> (u32, u32) {
    use image::metadata::Orientation::{Rotate270, Rotate270FlipH, Rotate90, Rotate90FlipH};
    match orientation {
        Rotate90 | Rotate270 | Rotate90FlipH | Rotate270FlipH => (h, w),
        _ => (w, h),
    }
}

/// What a decoder's error means here; `(width, height)` as far as known.
fn refusal(e: image::ImageError, (width, height): (u32, u32)) -> PreviewError {
    match e {
        image::ImageError::Limits(_) => PreviewError::TooLarge { width, height },
        image::ImageError::Unsupported(_) => PreviewError::NotAnImage,
        other => PreviewError::Corrupt(other.to_string()),
    }
}

/// JPEG for opaque pictures (small), PNG where there is transparency.
fn encode(image: &DynamicImage) -> Result<PreviewImage, PreviewError> {
    let mut bytes = Vec::new();
    let mime = if image.color().has_alpha() {
        image
            .to_rgba8()
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .map_err(|e| PreviewError::Corrupt(e.to_string()))?;
        "image/png"
    } else {
        let rgb = image.to_rgb8();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 82)
            .encode_image(&rgb)
            .map_err(|e| PreviewError::Corrupt(e.to_string()))?;
        "image/jpeg"
    };
    Ok(PreviewImage {
        bytes,
        mime,
        width: image.width(),
        height: image.height(),
    })
}

#[cfg(test)]
#[path = "image_tests.rs"]
pub(super) mod tests;
