//! The web client's files: embedded in the binary (or read from a folder
//! with `--assets-dir` while developing), served with ETags, and under a
//! content-versioned prefix with a year-long cache.

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

use super::precompressed::{accepts_brotli, Precompressed};

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Embedded;

pub struct AssetStore {
    /// Read files from here on every request instead of the embedded copies.
    dir: Option<PathBuf>,
    /// A hash of every embedded file: changes whenever any file does.
    version: String,
    /// The embedded files at brotli's best quality (none with `dir`).
    brotli: Precompressed,
}

/// One file's bytes and its ETag.
pub struct Asset {
    pub data: Cow<'static, [u8]>,
    pub etag: String,
}

impl AssetStore {
    pub fn new(dir: Option<PathBuf>) -> Self {
        let version = if dir.is_some() {
            "dev".to_owned()
        } else {
            let mut all = Sha256::new();
            let mut names: Vec<_> = Embedded::iter().collect();
            names.sort();
            for name in names {
                all.update(name.as_bytes());
                if let Some(file) = Embedded::get(&name) {
                    all.update(file.metadata.sha256_hash());
                }
            }
            hex(&all.finalize()[..6])
        };
        let brotli = if dir.is_some() {
            Precompressed::default()
        } else {
            let files: Vec<_> = Embedded::iter()
                .filter_map(|name| Embedded::get(&name).map(|f| (name.into_owned(), f.data)))
                .collect();
            Precompressed::new(files.iter().map(|(n, d)| (n.clone(), d.as_ref())), |name| {
                Embedded::get(name).map(|f| f.data.into_owned())
            })
        };
        Self {
            dir,
            version,
            brotli,
        }
    }

    /// Whether serving `path` costs no compression now (see `serve`).
    pub fn is_ready(&self, path: &str) -> bool {
        self.brotli.is_ready(path)
    }

    /// The URL prefix pages load assets from: `/assets/v/<version>`.
    pub fn prefix(&self) -> String {
        format!("/assets/v/{}", self.version)
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn get(&self, path: &str) -> Option<Asset> {
        if let Some(dir) = &self.dir {
            let path = safe_relative(path)?;
            let data = std::fs::read(dir.join(path)).ok()?;
            let etag = hex(&Sha256::digest(&data)[..16]);
            return Some(Asset {
                data: Cow::Owned(data),
                etag,
            });
        }
        let file = Embedded::get(path)?;
        let etag = hex(&file.metadata.sha256_hash()[..16]);
        Some(Asset {
            data: file.data,
            etag,
        })
    }

    /// Serves a file. `immutable` marks a versioned URL that may be cached
    /// for a year; other URLs are revalidated with their ETag every time.
    /// May block to compress the file the first time (unless `is_ready`).
    pub fn serve(&self, path: &str, headers: &HeaderMap, immutable: bool) -> Response {
        let Some(asset) = self.get(path) else {
            return (StatusCode::NOT_FOUND, "Not found").into_response();
        };
        let brotli = accepts_brotli(headers)
            .then(|| self.brotli.compressed(path, &asset.data))
            .flatten();
        // Each encoding of a file is its own representation: its own ETag.
        let etag = match brotli {
            Some(_) => format!("\"{}-br\"", asset.etag),
            None => format!("\"{}\"", asset.etag),
        };
        let cache = if immutable && self.dir.is_none() {
            HeaderValue::from_static("public, max-age=31536000, immutable")
        } else {
            HeaderValue::from_static("no-cache")
        };
        let fresh = headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
        let etag = HeaderValue::from_str(&etag).expect("hex etag");
        if fresh {
            return (
                StatusCode::NOT_MODIFIED,
                [(header::ETAG, etag), (header::CACHE_CONTROL, cache)],
            )
                .into_response();
        }
        let head = [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(path)),
            ),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, cache),
            (header::VARY, HeaderValue::from_static("accept-encoding")),
        ];
        match brotli {
            // The compression layer leaves an encoded answer alone.
            Some(bytes) => (
                head,
                [(header::CONTENT_ENCODING, HeaderValue::from_static("br"))],
                bytes,
            )
                .into_response(),
            None => (head, asset.data).into_response(),
        }
    }
}

/// A request path that stays inside the assets folder.
fn safe_relative(path: &str) -> Option<&Path> {
    let p = Path::new(path);
    p.components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then_some(p)
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        Some("webmanifest") => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::safe_relative;

    #[test]
    fn paths_cannot_climb_out_of_the_assets_folder() {
        assert!(safe_relative("js/chat.js").is_some());
        assert!(safe_relative("../Cargo.toml").is_none());
        assert!(safe_relative("/etc/passwd").is_none());
        assert!(safe_relative("js/../../x").is_none());
    }
}
