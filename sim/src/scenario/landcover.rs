//! `[model] land_cover` and `[[model.land_cover_classes]]`: the ray tracer's land cover.
//!
//! The raster is read and checked while the scenario is validated (every code must be in the
//! class table), so a bad file or table stops the run before anything is written.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use toml::Spanned;

use super::raw::{CoverClassFile, ModelFile};
use super::{Checker, ErrorKind, ModelId, ScenarioError};
use crate::raytrace::landcover::{ClassTable, CoverClass, LandCover};
use crate::raytrace::scene::GroundClass;

/// A validated land cover.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LandCoverSpec {
    /// The class raster, resolved against the scenario file.
    pub path: PathBuf,
    /// Class codes of the table, for run.json.
    pub codes: Vec<u8>,
    /// The raster with its class table (origin of its flat frame: 0°N 0°E; geographic
    /// lookups do not use it).
    #[serde(skip)]
    pub cover: Arc<LandCover>,
}

fn class_table(
    c: &mut Checker,
    rows: &Spanned<Vec<Spanned<CoverClassFile>>>,
) -> Option<ClassTable> {
    if rows.get_ref().is_empty() {
        c.push(
            ScenarioError::new(
                ErrorKind::MissingKey,
                Some(rows.span()),
                "land_cover_classes is empty",
            )
            .help("give one [[model.land_cover_classes]] per raster code, or leave the key out for the default table"),
        );
        return None;
    }
    let before = c.errors.len();
    let mut classes: Vec<CoverClass> = Vec::new();
    for row in rows.get_ref() {
        let r = row.get_ref();
        let code = *r.code.get_ref();
        if code == u8::MAX {
            c.push(ScenarioError::new(
                ErrorKind::OutOfRange,
                Some(r.code.span()),
                "land-cover code 255 is reserved for no data: codes are 0–254",
            ));
        }
        if classes.iter().any(|k| k.code == code) {
            c.push(
                ScenarioError::new(
                    ErrorKind::Conflict,
                    Some(r.code.span()),
                    format!("land-cover code {code} is in the class table twice"),
                )
                .help("each code may appear once"),
            );
        }
        let height_m = c.opt_range(&r.height_m, 0.0, 0.0, 100.0, "height_m", " m");
        let specific_db_per_m = c.opt_range(
            &r.specific_db_per_m,
            0.0,
            0.0,
            10.0,
            "specific_db_per_m",
            " dB/m",
        );
        classes.push(CoverClass {
            code,
            name: r
                .name
                .as_ref()
                .map_or_else(|| format!("class-{code}"), |n| n.get_ref().clone()),
            height_m,
            specific_db_per_m,
            ground: r
                .ground
                .as_ref()
                .map_or(GroundClass::Average, |g| *g.get_ref()),
        });
    }
    (c.errors.len() == before).then_some(ClassTable { classes })
}

/// Validate the land-cover keys of `[model]`: only with `kind = "raytrace"`, the raster
/// readable, a valid GeoTIFF, and every code in the class table.
pub(super) fn validate(
    c: &mut Checker,
    m: &Spanned<ModelFile>,
    id: ModelId,
    base_dir: &Path,
    input_files: &mut Vec<PathBuf>,
) -> Option<LandCoverSpec> {
    let f = m.get_ref();
    let Some(file) = &f.land_cover else {
        if let Some(t) = &f.land_cover_classes {
            c.push(
                ScenarioError::new(
                    ErrorKind::Conflict,
                    Some(t.span()),
                    "land_cover_classes without land_cover",
                )
                .help("add land_cover = \"COVER.tif\" to [model]"),
            );
        }
        return None;
    };
    if id != ModelId::Raytrace {
        c.push(
            ScenarioError::new(
                ErrorKind::Conflict,
                Some(file.span()),
                format!(
                    "land_cover is used by the raytrace model only, not '{}'",
                    id.as_str()
                ),
            )
            .help("set kind = \"raytrace\" in [model], or remove land_cover"),
        );
        return None;
    }
    let table = match &f.land_cover_classes {
        Some(rows) => class_table(c, rows)?,
        None => ClassTable::rural_uhf(),
    };
    let path = base_dir.join(file.get_ref());
    if !path.is_file() {
        c.push(
            ScenarioError::new(
                ErrorKind::MissingFile,
                Some(file.span()),
                format!("land-cover file '{}' does not exist", file.get_ref()),
            )
            .help("paths are relative to the scenario file's directory"),
        );
        return None;
    }
    let codes = table.classes.iter().map(|k| k.code).collect();
    match LandCover::read_geotiff(&path, 0.0, 0.0, table) {
        Ok(cover) => {
            input_files.push(path.clone());
            Some(LandCoverSpec {
                path,
                codes,
                cover: Arc::new(cover),
            })
        }
        Err(e) => {
            c.push(
                ScenarioError::new(
                    ErrorKind::BadFile,
                    Some(file.span()),
                    format!("land-cover file '{}': {e}", file.get_ref()),
                )
                .help("a one-band EPSG:4326 GeoTIFF of class codes, each in the class table ([[model.land_cover_classes]])"),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A class row names its ground in kebab case, straight into the ray tracer's class.
    #[test]
    fn ground_names() {
        for (name, class) in [
            ("average", GroundClass::Average),
            ("sea-water", GroundClass::SeaWater),
            ("fresh-water", GroundClass::FreshWater),
            ("wet-ground", GroundClass::WetGround),
            ("medium-dry", GroundClass::MediumDry),
            ("very-dry", GroundClass::VeryDry),
        ] {
            let row: CoverClassFile =
                toml::from_str(&format!("code = 3\nground = \"{name}\"")).unwrap();
            assert_eq!(*row.ground.unwrap().get_ref(), class, "{name}");
        }
        assert_eq!(
            GroundClass::SeaWater.ground().epsilon_r,
            70.0,
            "P.527 sea water"
        );
        assert!(toml::from_str::<CoverClassFile>("code = 3\nground = \"swamp\"").is_err());
        assert!(toml::from_str::<CoverClassFile>("code = 3\nground = \"SeaWater\"").is_err());
    }
}
