//! The web client's files compressed once, at brotli's best quality.
//!
//! Assets never change while the server runs, so each is compressed at
//! most once per process: at quality 11 the page ships about 15% fewer
//! bytes than the on-the-fly compression layer's quality 4 (which stays
//! for everything else: it must be quick per response). The first asset
//! request starts a thread that compresses them all (a server nobody opens
//! in a browser, such as a bot's or a test's, never pays for it); a request
//! whose file is not done yet compresses it itself, off the async runtime
//! (see pages.rs), and every later one takes the stored bytes.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, OnceLock};

use axum::body::Bytes;
use axum::http::{header, HeaderMap};

/// Below this a file ships as it is (as the compression layer decides).
const SMALLEST: usize = 1024;
const BEST_QUALITY: u32 = 11;
const WINDOW_BITS: u32 = 22;

/// A file's bytes by name.
type ReadFile = fn(&str) -> Option<Vec<u8>>;

/// One slot per compressible embedded file, filled on first need: the map's
/// size is fixed when the server starts (bounded by the assets folder).
#[derive(Clone, Default)]
pub struct Precompressed {
    slots: Arc<HashMap<String, OnceLock<Bytes>>>,
    /// A file's bytes by name, for the thread that compresses them all.
    read: Option<ReadFile>,
    warming: Arc<OnceLock<()>>,
}

impl Precompressed {
    /// Slots for the `files` worth compressing (name and bytes); `read`
    /// gives a file's bytes again by name.
    pub fn new<'a>(files: impl Iterator<Item = (String, &'a [u8])>, read: ReadFile) -> Self {
        let slots = files
            .filter(|(name, data)| data.len() >= SMALLEST && compressible(name))
            .map(|(name, _)| (name, OnceLock::new()))
            .collect();
        Self {
            slots: Arc::new(slots),
            read: Some(read),
            warming: Arc::default(),
        }
    }

    /// Compresses every file in a thread of its own, so the page's other
    /// files are ready by the time the browser asks for them.
    fn warm_up(&self) {
        let Some(read) = self.read else { return };
        let this = self.clone();
        let spawned = std::thread::Builder::new()
            .name("natter-assets".into())
            .spawn(move || {
                for name in this.slots.keys() {
                    if let Some(data) = read(name) {
                        this.compressed(name, &data);
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(%e, "assets are compressed on first request instead");
        }
    }

    /// Whether `name` is compressed already (serving it costs no CPU).
    pub fn is_ready(&self, name: &str) -> bool {
        self.slots.get(name).is_none_or(|s| s.get().is_some())
    }

    /// The brotli bytes of `name`, compressing `data` if nobody has yet;
    /// `None` for a file that ships uncompressed. Blocks while compressing.
    /// The bytes are shared, not copied, with every answer that sends them.
    pub fn compressed(&self, name: &str, data: &[u8]) -> Option<Bytes> {
        let slot = self.slots.get(name)?;
        self.warming.get_or_init(|| self.warm_up());
        Some(slot.get_or_init(|| brotli_best(data).into()).clone())
    }
}

/// Whether the request's `Accept-Encoding` takes brotli (`br`, not `;q=0`).
pub fn accepts_brotli(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            parts.next().is_some_and(|c| c.eq_ignore_ascii_case("br"))
                && parts.all(|p| {
                    p.strip_prefix("q=")
                        .is_none_or(|q| q.parse::<f32>().is_ok_and(|q| q > 0.0))
                })
        })
}

fn compressible(name: &str) -> bool {
    matches!(
        name.rsplit('.').next(),
        Some("js" | "css" | "html" | "svg" | "json")
    )
}

fn brotli_best(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 3);
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, BEST_QUALITY, WINDOW_BITS);
        w.write_all(data).expect("writing to memory");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(v: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(v));
        h
    }

    #[test]
    fn brotli_is_taken_only_when_the_client_accepts_it() {
        assert!(accepts_brotli(&accept("gzip, deflate, br, zstd")));
        assert!(accepts_brotli(&accept("br;q=0.5")));
        assert!(!accepts_brotli(&accept("gzip, br;q=0")));
        assert!(!accepts_brotli(&accept("gzip")));
        assert!(!accepts_brotli(&HeaderMap::new()));
    }

    #[test]
    fn a_compressed_file_decompresses_to_the_same_bytes_and_small_ones_are_left_alone() {
        let big = "export const x = 'natter';\n".repeat(200);
        let files = [
            ("js/big.js".to_owned(), big.as_bytes()),
            ("js/small.js".to_owned(), b"let a;".as_slice()),
            ("favicon.png".to_owned(), big.as_bytes()),
        ];
        let p = Precompressed::new(files.into_iter(), |_| None);
        assert!(!p.is_ready("js/big.js"));
        let packed = p.compressed("js/big.js", big.as_bytes()).unwrap().to_vec();
        assert!(p.is_ready("js/big.js"));
        assert!(packed.len() < big.len() / 10);
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut packed.as_slice(), &mut back).unwrap();
        assert_eq!(back, big.as_bytes());
        assert!(p.compressed("js/small.js", b"let a;").is_none());
        assert!(p.compressed("favicon.png", big.as_bytes()).is_none());
    }
}
