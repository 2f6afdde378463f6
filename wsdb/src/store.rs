//! The registration store: registered devices, persisted atomically.
//!
//! The whole store is a small JSON document rewritten on every change: written to a
//! temporary file in the same directory, flushed to disk (`fsync`), then renamed over the
//! old file, so a crash leaves either the old or the new store, never a torn one, and a
//! restarted server loses no acknowledged registration (the RPC is answered only after the
//! rename).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use mac::spectrum::paws::{AntennaCharacteristics, DeviceDescriptor, DeviceOwner, GeoLocation};
use serde::{Deserialize, Serialize};

use crate::Error;

/// One registered device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    /// The device as registered.
    pub device_desc: DeviceDescriptor,
    /// Where it was registered.
    pub location: GeoLocation,
    /// Owner.
    #[serde(default)]
    pub device_owner: Option<DeviceOwner>,
    /// Antenna.
    #[serde(default)]
    pub antenna: Option<AntennaCharacteristics>,
    /// When, Unix s.
    pub registered_at_s: i64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Document {
    version: u32,
    registrations: BTreeMap<String, Registration>,
}

/// The store. Keys are [`device_key`]s.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    doc: Document,
}

/// Key of a device: manufacturer, model and serial number (RFC 7545 §5.2 identifies a
/// device by them together).
pub fn device_key(d: &DeviceDescriptor) -> String {
    format!(
        "{}/{}/{}",
        d.manufacturer_id.as_deref().unwrap_or(""),
        d.model_id.as_deref().unwrap_or(""),
        d.serial_number.as_deref().unwrap_or("")
    )
}

impl Store {
    /// Open a store, loading it if the file exists.
    ///
    /// # Errors
    /// [`Error::Store`] if the file exists but cannot be read or parsed.
    pub fn open(path: &Path) -> Result<Store, Error> {
        let doc = match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| Error::Store {
                path: path.display().to_string(),
                what: e.to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Document {
                version: 1,
                ..Default::default()
            },
            Err(e) => {
                return Err(Error::Store {
                    path: path.display().to_string(),
                    what: e.to_string(),
                })
            }
        };
        Ok(Store {
            path: path.to_owned(),
            doc,
        })
    }

    /// Number of registrations.
    pub fn len(&self) -> usize {
        self.doc.registrations.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.doc.registrations.is_empty()
    }

    /// The registration of a device.
    pub fn get(&self, d: &DeviceDescriptor) -> Option<&Registration> {
        self.doc.registrations.get(&device_key(d))
    }

    /// Insert or replace a registration and persist the store before returning.
    ///
    /// # Errors
    /// [`Error::Store`] if writing fails; the in-memory store is then unchanged.
    pub fn put(&mut self, r: Registration) -> Result<(), Error> {
        let key = device_key(&r.device_desc);
        let old = self.doc.registrations.insert(key.clone(), r);
        if let Err(e) = self.persist() {
            match old {
                Some(o) => self.doc.registrations.insert(key, o),
                None => self.doc.registrations.remove(&key),
            };
            return Err(e);
        }
        Ok(())
    }

    fn persist(&self) -> Result<(), Error> {
        let err = |what: String| Error::Store {
            path: self.path.display().to_string(),
            what,
        };
        let dir = self
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "store".into());
        let tmp = dir.join(format!(".{name}.tmp.{}", std::process::id()));
        let bytes = serde_json::to_vec_pretty(&self.doc).map_err(|e| err(e.to_string()))?;
        let mut f = std::fs::File::create(&tmp).map_err(|e| err(e.to_string()))?;
        f.write_all(&bytes).map_err(|e| err(e.to_string()))?;
        f.sync_all().map_err(|e| err(e.to_string()))?;
        drop(f);
        std::fs::rename(&tmp, &self.path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            err(e.to_string())
        })?;
        // Make the rename itself durable.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}
