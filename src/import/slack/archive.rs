//! Bounded reading of an export ZIP: entry names checked before anything is
//! decompressed, every entry read against its declared size, a per-entry,
//! total and expansion-ratio cap (ZIP bombs), and the export's layout
//! (top-level JSON files, one folder of day files per room).

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Seek};

use serde::de::DeserializeOwned;
use zip::ZipArchive;

use super::error::SlackImportError;

/// How much of an export is read before it is refused. The defaults take a
/// workspace of several years; a test or a small server may lower them.
#[derive(Debug, Clone, Copy)]
pub struct SlackLimits {
    /// Entries in the archive (files and folders).
    pub max_entries: usize,
    /// Bytes of one entry, decompressed (one JSON file is read whole).
    pub max_entry_bytes: u64,
    /// Bytes decompressed in all, over the whole check at open.
    pub max_total_bytes: u64,
    /// Largest decompressed/compressed ratio of an entry over 1 MiB. JSON
    /// packs 5–20×; a bomb packs 1000× and more.
    pub max_ratio: u64,
    pub max_users: usize,
    pub max_rooms: usize,
    /// Messages in one room (one room's history is held in memory).
    pub max_messages_per_room: usize,
}

impl Default for SlackLimits {
    fn default() -> Self {
        Self {
            max_entries: 500_000,
            max_entry_bytes: 128 << 20,
            max_total_bytes: 16 << 30,
            max_ratio: 200,
            max_users: 200_000,
            max_rooms: 50_000,
            max_messages_per_room: 2_000_000,
        }
    }
}

/// Where things are in the export, by entry index.
#[derive(Debug, Default)]
pub(super) struct Layout {
    /// `users.json`, `channels.json`, … at the export's root.
    pub top: HashMap<String, usize>,
    /// A room's folder name -> its day files, sorted by name (so by date).
    pub folders: HashMap<String, Vec<(String, usize)>>,
}

pub(super) struct Archive<R> {
    zip: ZipArchive<R>,
    limits: SlackLimits,
    total: u64,
}

const MIB: u64 = 1 << 20;

impl<R: Read + Seek> Archive<R> {
    /// Opens the archive and maps its layout, checking every name first.
    pub fn open(reader: R, limits: SlackLimits) -> Result<(Self, Layout), SlackImportError> {
        let zip = ZipArchive::new(reader).map_err(|e| SlackImportError::NotAZip(e.to_string()))?;
        if zip.len() > limits.max_entries {
            return Err(SlackImportError::TooLarge(format!(
                "{} entries, the limit is {}",
                zip.len(),
                limits.max_entries
            )));
        }
        if zip.has_duplicate_names() {
            return Err(SlackImportError::NotAZip(
                "it names the same entry twice, so which one is meant is ambiguous".into(),
            ));
        }
        let mut names = Vec::with_capacity(zip.len());
        for index in 0..zip.len() {
            let name = match zip.name_for_index(index) {
                Some(Ok(name)) => name.into_owned(),
                _ => {
                    return Err(SlackImportError::UnsafeName {
                        name: format!("#{index}"),
                        reason: "it is not valid UTF-8",
                    })
                }
            };
            check_name(&name)?;
            names.push(name);
        }
        let layout = layout(&names);
        let archive = Self {
            zip,
            limits,
            total: 0,
        };
        Ok((archive, layout))
    }

    /// Starts counting `max_total_bytes` afresh: histories re-read entries
    /// that `open` already checked, one room at a time.
    pub fn restart_total(&mut self) {
        self.total = 0;
    }

    /// The entry's bytes, decompressed within the limits.
    pub fn read(&mut self, index: usize) -> Result<(String, Vec<u8>), SlackImportError> {
        let limits = self.limits;
        let raw = self
            .zip
            .by_index_raw(index)
            .map_err(|e| corrupt(&format!("#{index}"), &e))?;
        let name = raw
            .name()
            .map(std::borrow::Cow::into_owned)
            .unwrap_or_default();
        if raw.encrypted() {
            return Err(SlackImportError::Encrypted { name });
        }
        let too_large = |what: String| SlackImportError::TooLarge(what);
        if raw.size() > limits.max_entry_bytes {
            return Err(too_large(format!(
                "{name} is {}, the limit is {}",
                size(raw.size()),
                size(limits.max_entry_bytes)
            )));
        }
        let packed = raw.compressed_size().max(1);
        check_ratio(&name, raw.size(), packed, limits.max_ratio)?;
        drop(raw);
        let entry = self.zip.by_index(index).map_err(|e| corrupt(&name, &e))?;
        let mut bytes = Vec::new();
        // The declared size can lie: read at most one byte past the cap.
        entry
            .take(limits.max_entry_bytes + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| corrupt(&name, &e))?;
        let read = bytes.len() as u64;
        if read > limits.max_entry_bytes {
            return Err(too_large(format!(
                "{name} expands past {}",
                size(limits.max_entry_bytes)
            )));
        }
        check_ratio(&name, read, packed, limits.max_ratio)?;
        self.total += read;
        if self.total > limits.max_total_bytes {
            return Err(too_large(format!(
                "more than {} of JSON in all",
                size(limits.max_total_bytes)
            )));
        }
        Ok((name, bytes))
    }

    /// The entry parsed as JSON of type `T`.
    pub fn read_json<T: DeserializeOwned>(&mut self, index: usize) -> Result<T, SlackImportError> {
        let (name, bytes) = self.read(index)?;
        serde_json::from_slice(&bytes).map_err(|e| SlackImportError::BadJson {
            name,
            detail: e.to_string(),
        })
    }
}

/// `20 MiB`, or `4096 bytes` below a MiB.
fn size(bytes: u64) -> String {
    if bytes >= MIB {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

fn corrupt(name: &str, err: &dyn std::fmt::Display) -> SlackImportError {
    SlackImportError::Corrupt {
        name: name.to_owned(),
        detail: err.to_string(),
    }
}

fn check_ratio(name: &str, size: u64, packed: u64, max_ratio: u64) -> Result<(), SlackImportError> {
    if size > MIB && size / packed > max_ratio {
        return Err(SlackImportError::TooLarge(format!(
            "{name} expands {}-fold (the limit is {max_ratio}); it looks like a ZIP bomb",
            size / packed
        )));
    }
    Ok(())
}

/// Refuses names that could escape a folder if anyone ever extracted the
/// archive, or that different tools would read differently.
fn check_name(name: &str) -> Result<(), SlackImportError> {
    let unsafe_name = |reason| SlackImportError::UnsafeName {
        name: name.to_owned(),
        reason,
    };
    if name.contains('\0') || name.chars().any(char::is_control) {
        return Err(unsafe_name("it contains control characters"));
    }
    if name.contains('\\') {
        return Err(unsafe_name("it contains a backslash"));
    }
    if name.starts_with('/') || name.as_bytes().get(1) == Some(&b':') {
        return Err(unsafe_name("it is an absolute path"));
    }
    if name.split('/').any(|part| part == "..") {
        return Err(unsafe_name("it climbs out of the archive with .."));
    }
    Ok(())
}

/// Finds the export's root (the archive's own, or one folder that holds
/// `users.json`, as when an export is unpacked and zipped again) and sorts
/// entries into top-level files and room folders. Other entries are ignored.
fn layout(names: &[String]) -> Layout {
    let root = if names.iter().any(|n| n == "users.json") {
        String::new()
    } else {
        let nested: Vec<&str> = names
            .iter()
            .filter_map(|n| n.strip_suffix("users.json"))
            .filter(|prefix| prefix.ends_with('/') && prefix.matches('/').count() == 1)
            .collect();
        match nested.as_slice() {
            [one] => (*one).to_owned(),
            _ => String::new(),
        }
    };
    let mut layout = Layout::default();
    let mut folders: HashMap<String, BTreeMap<String, usize>> = HashMap::new();
    for (index, name) in names.iter().enumerate() {
        let Some(inside) = name.strip_prefix(&root) else {
            continue;
        };
        if !inside.to_ascii_lowercase().ends_with(".json") {
            continue;
        }
        match inside.split_once('/') {
            None => {
                layout.top.insert(inside.to_owned(), index);
            }
            Some((folder, day)) if !day.contains('/') && !folder.is_empty() => {
                folders
                    .entry(folder.to_owned())
                    .or_default()
                    .insert(day.to_owned(), index);
            }
            Some(_) => {}
        }
    }
    layout.folders = folders
        .into_iter()
        .map(|(folder, days)| (folder, days.into_iter().collect()))
        .collect();
    layout
}
