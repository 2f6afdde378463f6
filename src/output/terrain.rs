//! Loading a scenario's terrain in the binary, with terrain problems rendered as scenario
//! diagnostics (exit 2).

use std::path::PathBuf;

use sim::coverage::input::{self, TerrainLoadError};
use sim::coverage::Elevation;
use sim::scenario::{ErrorKind, ScenarioError, ScenarioErrors};
use sim::terrain::Terrain;

use crate::cmd::validate::Loaded;
use crate::cmd::CliError;

/// The scenario's terrain and the files read; problems → rendered diagnostics, exit 2.
pub fn load(loaded: &Loaded) -> Result<(Terrain, Vec<PathBuf>), CliError> {
    let sc = &loaded.scenario;
    let t = input::load(&sc.terrain, &sc.area_bbox()).map_err(|e| {
        let (kind, label) = match &e {
            TerrainLoadError::Missing(_) => (ErrorKind::MissingFile, "not found"),
            _ => (ErrorKind::BadFile, "cannot use this terrain"),
        };
        let help = match (&e, &sc.terrain_made_by) {
            (TerrainLoadError::Missing(_), Some(script)) => {
                Some(format!("this terrain is generated: run {script} first"))
            }
            (TerrainLoadError::Missing(_), None) => {
                Some("paths are relative to the scenario file's directory".into())
            }
            _ => None,
        };
        loaded.report(&ScenarioErrors(vec![ScenarioError {
            kind,
            message: e.to_string(),
            span: sc.terrain_span.clone(),
            label: label.into(),
            help,
        }]))
    })?;
    let files = t.input_files();
    let desc = t.describe();
    sc.check_terrain_bounds(|la, lo| t.elevation_m(la, lo).is_some(), &desc)
        .map_err(|errs| loaded.report(&errs))?;
    Ok((t, files))
}
