//! File outputs of `lastmile run` and `lastmile path`: PNG maps and plots, the KMZ overlay,
//! GeoTIFF rasters, JSON, and the atomic output directory.

pub mod colormap;
pub mod geotiff;
pub mod kmz;
pub mod map;
pub mod profile_plot;
pub mod terrain;

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The embedded font (DejaVu Sans, Bitstream Vera licence; see assets/fonts/).
pub static FONT_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Register the embedded font with plotters under the family name "sans-serif" (once).
pub fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Cannot fail for a valid TTF; the font is compiled in.
        let _ = plotters::style::register_font(
            "sans-serif",
            plotters::style::FontStyle::Normal,
            FONT_TTF,
        );
    });
}

/// Lower-case hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a file.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut h = Sha256::new();
    let mut f = std::fs::File::open(path)?;
    std::io::copy(&mut f, &mut h)?;
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Encode an 8-bit RGB or RGBA buffer as PNG.
///
/// # Errors
/// Encoder errors.
pub fn encode_png(width: u32, height: u32, rgba: bool, data: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(if rgba {
            png::ColorType::Rgba
        } else {
            png::ColorType::Rgb
        });
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Default);
        let mut w = enc.write_header()?;
        w.write_image_data(data)?;
    }
    Ok(out)
}

/// A directory being written: files go into a temporary sibling, which [`Staging::commit`]
/// renames into place, so readers never see a half-written run.
pub struct Staging {
    /// The temporary directory.
    pub tmp: PathBuf,
    /// The final directory.
    pub target: PathBuf,
}

impl Staging {
    /// Create the temporary sibling of `target`.
    ///
    /// # Errors
    /// I/O errors.
    pub fn new(target: &Path) -> std::io::Result<Self> {
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp)?;
        }
        std::fs::create_dir(&tmp)?;
        Ok(Staging {
            tmp,
            target: target.to_path_buf(),
        })
    }

    /// Write one file into the staging directory.
    ///
    /// # Errors
    /// I/O errors.
    pub fn write(&self, name: &str, bytes: &[u8]) -> std::io::Result<()> {
        let mut f = std::fs::File::create(self.tmp.join(name))?;
        f.write_all(bytes)?;
        f.sync_all()
    }

    /// Put the staged directory in place of the target (replacing an existing one).
    ///
    /// # Errors
    /// I/O errors.
    pub fn commit(self) -> std::io::Result<()> {
        if self.target.exists() {
            let old = self.tmp.with_extension("old");
            std::fs::rename(&self.target, &old)?;
            std::fs::rename(&self.tmp, &self.target)?;
            std::fs::remove_dir_all(&old)?;
        } else {
            std::fs::rename(&self.tmp, &self.target)?;
        }
        Ok(())
    }

    /// Remove the staging directory (on failure).
    pub fn abandon(self) {
        let _ = std::fs::remove_dir_all(&self.tmp);
    }
}

/// Whether `dir` exists and holds anything.
pub fn non_empty_dir(dir: &Path) -> bool {
    match std::fs::read_dir(dir) {
        Ok(mut it) => it.next().is_some(),
        Err(_) => dir.exists(),
    }
}
