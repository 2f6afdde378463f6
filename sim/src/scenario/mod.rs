//! Scenario files: the raw TOML form ([`ScenarioFile`]) and the validated form ([`Scenario`]).
//!
//! Two steps, as in the architecture's seam 3: [`parse`] turns text into a [`ScenarioFile`]
//! (serde, unknown keys rejected, byte spans kept); [`Scenario::from_file`] checks every
//! value (units, ranges, combinations, files) and resolves defaults. Everything downstream
//! takes a [`Scenario`]. Errors are [`ScenarioError`]s that carry the byte span of the value
//! they are about, so the binary can render them at file:line:col. Checks that need the
//! terrain (a site outside it) are [`Scenario::check_terrain_bounds`].
//!
//! The format is documented in `docs/scenario.md`; the JSON Schema is [`json_schema`].

pub mod antenna;
pub mod landcover;
pub mod raw;
pub mod tvws;

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;
use toml::Spanned;

pub use antenna::{Antenna, AntennaPattern};
pub use raw::ScenarioFile;
use raw::*;
pub use tvws::{TvwsDatabase, TvwsDevice, TvwsSpec};

/// What kind of problem a [`ScenarioError`] reports (callers and tests branch on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// Not valid TOML.
    Syntax,
    /// A key the format does not have.
    UnknownKey,
    /// A value of the wrong TOML type or an unknown name.
    WrongType,
    /// A required key is missing.
    MissingKey,
    /// A value outside its allowed range.
    OutOfRange,
    /// Keys that cannot be given together, or one needed by another is missing.
    Conflict,
    /// The carrier frequency is outside the chosen model's range.
    FrequencyOutOfModelRange,
    /// A site (or the area) lies outside the terrain.
    OutsideTerrain,
    /// A referenced file or directory does not exist or cannot be read.
    MissingFile,
    /// A referenced file exists but is not valid.
    BadFile,
}

/// A problem with a scenario file, with the byte span of the value it is about.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ScenarioError {
    /// What kind of problem.
    pub kind: ErrorKind,
    /// One-line message.
    pub message: String,
    /// Byte range in the scenario text, when known.
    pub span: Option<Range<usize>>,
    /// Label shown at the span.
    pub label: String,
    /// A hint on how to fix it.
    pub help: Option<String>,
}

impl ScenarioError {
    fn new(kind: ErrorKind, span: Option<Range<usize>>, message: impl Into<String>) -> Self {
        let message = message.into();
        ScenarioError {
            kind,
            label: label_for(kind).to_string(),
            message,
            span,
            help: None,
        }
    }

    fn help(mut self, h: impl Into<String>) -> Self {
        self.help = Some(h.into());
        self
    }
}

fn label_for(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Syntax => "here",
        ErrorKind::UnknownKey => "unknown key",
        ErrorKind::WrongType => "wrong type",
        ErrorKind::MissingKey => "in this table",
        ErrorKind::OutOfRange => "out of range",
        ErrorKind::Conflict => "here",
        ErrorKind::FrequencyOutOfModelRange => "outside the model's range",
        ErrorKind::OutsideTerrain => "outside the terrain",
        ErrorKind::MissingFile => "not found",
        ErrorKind::BadFile => "invalid file",
    }
}

/// Several problems found while validating one file, in file order.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{} problem(s) in the scenario, first: {}", .0.len(), .0.first().map(|e| e.message.as_str()).unwrap_or(""))]
pub struct ScenarioErrors(pub Vec<ScenarioError>);

/// Parse scenario text into the raw form.
///
/// # Errors
/// One [`ScenarioError`] of kind `Syntax`, `UnknownKey`, `WrongType` or `MissingKey`.
pub fn parse(text: &str) -> Result<ScenarioFile, ScenarioError> {
    toml::from_str::<ScenarioFile>(text).map_err(|e| {
        let msg = e.message().trim().to_string();
        let kind = if msg.starts_with("unknown field") {
            ErrorKind::UnknownKey
        } else if msg.starts_with("invalid type") || msg.starts_with("unknown variant") {
            ErrorKind::WrongType
        } else if msg.starts_with("missing field") {
            ErrorKind::MissingKey
        } else if msg.starts_with("invalid value") {
            ErrorKind::OutOfRange
        } else {
            ErrorKind::Syntax
        };
        ScenarioError::new(kind, e.span(), msg)
    })
}

/// The JSON Schema of the scenario format (the raw [`ScenarioFile`]).
pub fn json_schema() -> schemars::Schema {
    schemars::schema_for!(ScenarioFile)
}

/// Terrain source, resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "source", rename_all = "lowercase")]
pub enum TerrainSpec {
    /// Synthetic terrain from a seed.
    Synthetic {
        /// Generator seed.
        seed: u64,
    },
    /// SRTM tiles in a directory (path resolved against the scenario's directory).
    Srtm {
        /// Tile directory.
        dir: PathBuf,
    },
    /// One GeoTIFF DEM.
    Geotiff {
        /// The file.
        path: PathBuf,
    },
}

/// A validated transmitting site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Site {
    /// Name (unique within the scenario).
    pub name: String,
    /// Latitude, degrees north.
    pub lat_deg: f64,
    /// Longitude, degrees east.
    pub lon_deg: f64,
    /// Antenna height above ground, m.
    pub height_m: f64,
    /// Peak EIRP (main beam), dBm.
    pub eirp_dbm: f64,
    /// Antenna and its pattern.
    pub antenna: Antenna,
    /// Byte span of the site's position (lat_deg … lon_deg) in the scenario text.
    #[serde(skip)]
    pub span: Option<Range<usize>>,
}

/// Carrier, resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Carrier {
    /// Centre frequency, Hz.
    pub center_hz: f64,
    /// Occupied bandwidth, Hz.
    pub bandwidth_hz: f64,
    /// TV channel and raster when given that way.
    pub tv_channel: Option<(String, u32)>,
    /// Span of the frequency key (for model-range diagnostics).
    #[serde(skip)]
    pub span: Option<Range<usize>>,
}

/// A latitude/longitude box, degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bbox {
    /// South edge.
    pub south_deg: f64,
    /// West edge.
    pub west_deg: f64,
    /// North edge.
    pub north_deg: f64,
    /// East edge.
    pub east_deg: f64,
}

/// The mapped area.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// Circles of this radius (m) around each site; each site is evaluated within its own
    /// circle only.
    Radius {
        /// Radius, m.
        radius_m: f64,
    },
    /// An explicit box; every site is evaluated over all of it.
    Bbox(Bbox),
}

/// Coverage settings, resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageSpec {
    /// Area.
    pub area: Area,
    /// Pixel size, m.
    pub resolution_m: f64,
    /// Receiver height above ground, m.
    pub rx_height_m: f64,
    /// Receiver antenna gain, dBi.
    pub rx_gain_dbi: f64,
    /// Receiver noise figure, dB.
    pub noise_figure_db: f64,
    /// Thresholds for the area summary, dBm, descending.
    pub thresholds_dbm: Vec<f64>,
    /// Span of the `[coverage]` table.
    #[serde(skip)]
    pub span: Option<Range<usize>>,
}

/// Model choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelId {
    /// NTIA ITM v1.4.
    Itm,
    /// ITU-R P.526 delta-Bullington.
    P526,
    /// Two-ray.
    TwoRay,
    /// Terrain ray tracer (`raytrace::Raytracer`).
    Raytrace,
    /// Free space.
    Fspl,
}

impl ModelId {
    /// The stable id used in outputs and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelId::Itm => "itm",
            ModelId::P526 => "p526",
            ModelId::TwoRay => "two-ray",
            ModelId::Raytrace => "raytrace",
            ModelId::Fspl => "fspl",
        }
    }

    /// Parse a command-line model name.
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "itm" => ModelId::Itm,
            "p526" => ModelId::P526,
            "two-ray" => ModelId::TwoRay,
            "raytrace" => ModelId::Raytrace,
            "fspl" => ModelId::Fspl,
            _ => return None,
        })
    }

    /// The frequency range (Hz, inclusive) in which the model is defined.
    ///
    /// ITM v1.4: 20 MHz – 20 GHz (NTIA's stated limits). P.526, two-ray and raytrace: 30 MHz – 50 GHz
    /// (the terrain-diffraction and ground-reflection regime those models describe).
    /// Free space: any positive frequency.
    pub fn frequency_range_hz(self) -> (f64, f64) {
        match self {
            ModelId::Itm => (20e6, 20e9),
            ModelId::P526 | ModelId::TwoRay | ModelId::Raytrace => (30e6, 50e9),
            ModelId::Fspl => (f64::MIN_POSITIVE, f64::INFINITY),
        }
    }
}

/// ITM variability: time/location/situation or reliability/confidence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "form", rename_all = "snake_case")]
pub enum Variability {
    /// Time/location/situation percentages.
    TimeLocationSituation {
        /// %.
        time_pct: f64,
        /// %.
        location_pct: f64,
        /// %.
        situation_pct: f64,
    },
    /// Reliability/confidence percentages (SPLAT!'s form).
    ReliabilityConfidence {
        /// %.
        reliability_pct: f64,
        /// %.
        confidence_pct: f64,
    },
}

/// Model with its parameters, resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelSpec {
    /// Which model.
    pub id: ModelId,
    /// ITM radio climate 1–7.
    pub climate: u8,
    /// Surface refractivity, N-units.
    pub n0: f64,
    /// Ground relative permittivity.
    pub epsilon: f64,
    /// Ground conductivity, S/m.
    pub sigma_s_per_m: f64,
    /// Polarisation.
    pub polarization: crate::propagation::Polarization,
    /// ITM variability mode.
    pub mdvar: u8,
    /// ITM variability percentages.
    pub variability: Variability,
    /// Effective earth-radius factor (P.526, two-ray).
    pub k_factor: f64,
    /// Land cover of the ray tracer (`[model] land_cover`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub land_cover: Option<landcover::LandCoverSpec>,
    /// Span of the model kind (or the `[model]` table).
    #[serde(skip)]
    pub span: Option<Range<usize>>,
}

/// A validated scenario: every value checked, defaults filled in, paths resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    /// Scenario name.
    pub name: String,
    /// Master seed.
    pub seed: u64,
    /// Replication number.
    pub run: u64,
    /// Terrain source.
    pub terrain: TerrainSpec,
    /// Sites, at least one.
    pub sites: Vec<Site>,
    /// Carrier.
    pub carrier: Carrier,
    /// Coverage settings.
    pub coverage: CoverageSpec,
    /// Model.
    pub model: ModelSpec,
    /// TV white space: the database that chooses the carrier (then `carrier` is provisional
    /// until the run asks it; see [`tvws::provisional_carrier`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tvws: Option<TvwsSpec>,
    /// Input files the scenario read (pattern files), for run.json checksums.
    #[serde(skip)]
    pub input_files: Vec<PathBuf>,
    /// Span of the terrain table (for terrain diagnostics).
    #[serde(skip)]
    pub terrain_span: Option<Range<usize>>,
    /// The script that generates the terrain, when the scenario names one.
    pub terrain_made_by: Option<String>,
}

/// Collects errors while validating.
struct Checker {
    errors: Vec<ScenarioError>,
}

impl Checker {
    fn push(&mut self, e: ScenarioError) {
        self.errors.push(e);
    }

    /// A number in `[lo, hi]`; `what` names the key in the message.
    fn range(&mut self, v: &Spanned<f64>, lo: f64, hi: f64, what: &str, unit: &str) -> f64 {
        let x = *v.get_ref();
        if !(x.is_finite() && x >= lo && x <= hi) {
            self.push(ScenarioError::new(
                ErrorKind::OutOfRange,
                Some(v.span()),
                format!("{what} = {x} is out of range: it must be between {lo} and {hi}{unit}"),
            ));
        }
        x
    }

    fn opt_range(
        &mut self,
        v: &Option<Spanned<f64>>,
        default: f64,
        lo: f64,
        hi: f64,
        what: &str,
        unit: &str,
    ) -> f64 {
        match v {
            Some(s) => self.range(s, lo, hi, what, unit),
            None => default,
        }
    }
}

fn sp<T>(v: &Option<Spanned<T>>) -> Option<Range<usize>> {
    v.as_ref().map(Spanned::span)
}

impl Scenario {
    /// Parse and validate scenario text. `stem` names the scenario when it has no `name`;
    /// relative paths resolve against `base_dir`.
    ///
    /// # Errors
    /// Every problem found, in file order.
    pub fn from_text(text: &str, stem: &str, base_dir: &Path) -> Result<Self, ScenarioErrors> {
        let file = parse(text).map_err(|e| ScenarioErrors(vec![e]))?;
        Scenario::from_file(&file, stem, base_dir)
    }

    /// Validate a raw scenario.
    ///
    /// # Errors
    /// Every problem found (out-of-range values, conflicting keys, frequency outside the
    /// model's range, missing or invalid pattern files, missing terrain paths), in file order.
    pub fn from_file(
        f: &ScenarioFile,
        stem: &str,
        base_dir: &Path,
    ) -> Result<Self, ScenarioErrors> {
        let mut c = Checker { errors: Vec::new() };
        let name = match &f.name {
            Some(n) => {
                let s = n.get_ref().trim().to_string();
                let ok = !s.is_empty()
                    && s.chars()
                        .all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch))
                    && !s.starts_with('.');
                if !ok {
                    c.push(
                        ScenarioError::new(
                            ErrorKind::OutOfRange,
                            Some(n.span()),
                            format!("name '{s}' is not usable as a directory name"),
                        )
                        .help("use letters, digits, '-', '_' and '.' only"),
                    );
                }
                s
            }
            None => stem.to_string(),
        };
        let seed = f.seed.as_ref().map_or(1, |s| *s.get_ref());
        let run = f.run.as_ref().map_or(0, |s| *s.get_ref());

        let terrain = validate_terrain(&mut c, f.terrain.as_ref(), seed, base_dir);
        let mut input_files = Vec::new();
        let sites = validate_sites(&mut c, &f.sites, base_dir, &mut input_files);
        let tvws = f
            .tvws
            .as_ref()
            .and_then(|t| tvws::validate(&mut c, t, base_dir));
        let carrier = match (&f.carrier, &f.tvws) {
            (Some(cf), None) => validate_carrier(&mut c, cf),
            (None, Some(_)) => tvws.as_ref().map(tvws::provisional_carrier),
            (Some(cf), Some(_)) => {
                c.push(
                    ScenarioError::new(
                        ErrorKind::Conflict,
                        Some(cf.span()),
                        "[carrier] and [tvws] cannot be given together: the database chooses the carrier",
                    )
                    .help("remove [carrier]; [tvws] channels = [...] limits the choice"),
                );
                None
            }
            (None, None) => {
                c.push(
                    ScenarioError::new(
                        ErrorKind::MissingKey,
                        Some(0..0),
                        "missing field `carrier`",
                    )
                    .help("add [carrier] (hz + bandwidth_hz, or tv_channel), or [tvws]"),
                );
                None
            }
        };
        let coverage = validate_coverage(&mut c, &f.coverage);
        let mut model = validate_model(&mut c, f.model.as_ref());
        if let (Some(m), Some(mf)) = (model.as_mut(), f.model.as_ref()) {
            m.land_cover = landcover::validate(&mut c, mf, m.id, base_dir, &mut input_files);
        }

        // Model frequency range.
        if let (Some(car), Some(m)) = (&carrier, &model) {
            let (lo, hi) = m.id.frequency_range_hz();
            if car.center_hz < lo || car.center_hz > hi {
                c.push(
                    ScenarioError::new(
                        ErrorKind::FrequencyOutOfModelRange,
                        car.span.clone(),
                        format!(
                            "carrier {:.6} MHz is outside the range of model '{}' ({} – {} MHz)",
                            car.center_hz / 1e6,
                            m.id.as_str(),
                            lo / 1e6,
                            hi / 1e6
                        ),
                    )
                    .help("choose another carrier or another [model] kind"),
                );
            }
        }
        // Bbox must contain the sites.
        if let Some(cov) = &coverage {
            if let Area::Bbox(b) = cov.area {
                for s in &sites {
                    if s.lat_deg < b.south_deg
                        || s.lat_deg > b.north_deg
                        || s.lon_deg < b.west_deg
                        || s.lon_deg > b.east_deg
                    {
                        tracing::debug!(site = %s.name, "site outside the bbox (allowed)");
                    }
                }
            }
        }

        c.errors
            .sort_by_key(|e| e.span.as_ref().map_or(usize::MAX, |s| s.start));
        match (terrain, carrier, coverage, model) {
            (Some(terrain), Some(carrier), Some(coverage), Some(model)) if c.errors.is_empty() => {
                Ok(Scenario {
                    name,
                    seed,
                    run,
                    terrain,
                    sites,
                    carrier,
                    coverage,
                    model,
                    tvws,
                    input_files,
                    terrain_span: f.terrain.as_ref().map(|t| {
                        let tf = t.get_ref();
                        tf.dir
                            .as_ref()
                            .or(tf.path.as_ref())
                            .map_or_else(|| t.span(), Spanned::span)
                    }),
                    terrain_made_by: f
                        .terrain
                        .as_ref()
                        .and_then(|t| t.get_ref().made_by.as_ref())
                        .map(|m| m.get_ref().clone()),
                })
            }
            _ => Err(ScenarioErrors(c.errors)),
        }
    }

    /// The lat/lon box of the whole mapped area.
    pub fn area_bbox(&self) -> Bbox {
        match self.coverage.area {
            Area::Bbox(b) => b,
            Area::Radius { radius_m } => {
                let mut b = Bbox {
                    south_deg: f64::INFINITY,
                    west_deg: f64::INFINITY,
                    north_deg: f64::NEG_INFINITY,
                    east_deg: f64::NEG_INFINITY,
                };
                for s in &self.sites {
                    let dlat = radius_m / crate::coverage::M_PER_DEG;
                    let dlon = dlat / s.lat_deg.to_radians().cos();
                    b.south_deg = b.south_deg.min(s.lat_deg - dlat);
                    b.north_deg = b.north_deg.max(s.lat_deg + dlat);
                    b.west_deg = b.west_deg.min(s.lon_deg - dlon);
                    b.east_deg = b.east_deg.max(s.lon_deg + dlon);
                }
                b
            }
        }
    }

    /// Check that every site and the whole mapped area have terrain. `covers(lat, lon)` says
    /// whether the terrain has an elevation there.
    ///
    /// # Errors
    /// One [`ErrorKind::OutsideTerrain`] error per site outside, then one for the area.
    pub fn check_terrain_bounds(
        &self,
        covers: impl Fn(f64, f64) -> bool,
        terrain_desc: &str,
    ) -> Result<(), ScenarioErrors> {
        let mut errs = Vec::new();
        for s in &self.sites {
            if !covers(s.lat_deg, s.lon_deg) {
                errs.push(
                    ScenarioError::new(
                        ErrorKind::OutsideTerrain,
                        s.span.clone(),
                        format!(
                            "site '{}' at {:.5}°, {:.5}° is outside the terrain ({terrain_desc})",
                            s.name, s.lat_deg, s.lon_deg
                        ),
                    )
                    .help("move the site or supply terrain that covers it"),
                );
            }
        }
        if errs.is_empty() {
            let b = self.area_bbox();
            let corners = [
                (b.south_deg, b.west_deg),
                (b.south_deg, b.east_deg),
                (b.north_deg, b.west_deg),
                (b.north_deg, b.east_deg),
            ];
            if corners.iter().any(|&(la, lo)| !covers(la, lo)) {
                errs.push(
                    ScenarioError::new(
                        ErrorKind::OutsideTerrain,
                        self.coverage.span.clone(),
                        format!(
                            "the coverage area {:.4}…{:.4}°N, {:.4}…{:.4}°E reaches outside the terrain ({terrain_desc})",
                            b.south_deg, b.north_deg, b.west_deg, b.east_deg
                        ),
                    )
                    .help("reduce radius_m / bbox or supply terrain that covers the area"),
                );
            }
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(ScenarioErrors(errs))
        }
    }
}

fn validate_terrain(
    c: &mut Checker,
    t: Option<&Spanned<TerrainFile>>,
    seed: u64,
    base: &Path,
) -> Option<TerrainSpec> {
    let Some(t) = t else {
        return Some(TerrainSpec::Synthetic { seed });
    };
    let tf = t.get_ref();
    let source = tf
        .source
        .as_ref()
        .map_or(TerrainSource::Synthetic, |s| *s.get_ref());
    let extra = |c: &mut Checker, key: &str, v: Option<Range<usize>>, src: &str| {
        if let Some(span) = v {
            c.push(ScenarioError::new(
                ErrorKind::Conflict,
                Some(span),
                format!("terrain key '{key}' does not apply to source = \"{src}\""),
            ));
        }
    };
    match source {
        TerrainSource::Synthetic => {
            extra(c, "dir", sp(&tf.dir), "synthetic");
            extra(c, "path", sp(&tf.path), "synthetic");
            Some(TerrainSpec::Synthetic {
                seed: tf.seed.as_ref().map_or(seed, |s| *s.get_ref()),
            })
        }
        TerrainSource::Srtm => {
            extra(c, "seed", sp(&tf.seed), "srtm");
            extra(c, "path", sp(&tf.path), "srtm");
            let Some(d) = &tf.dir else {
                c.push(ScenarioError::new(
                    ErrorKind::MissingKey,
                    Some(t.span()),
                    "terrain source \"srtm\" needs dir = \"DIRECTORY\" of .hgt tiles",
                ));
                return None;
            };
            Some(TerrainSpec::Srtm {
                dir: base.join(d.get_ref()),
            })
        }
        TerrainSource::Geotiff => {
            extra(c, "seed", sp(&tf.seed), "geotiff");
            extra(c, "dir", sp(&tf.dir), "geotiff");
            let Some(p) = &tf.path else {
                c.push(ScenarioError::new(
                    ErrorKind::MissingKey,
                    Some(t.span()),
                    "terrain source \"geotiff\" needs path = \"FILE.tif\"",
                ));
                return None;
            };
            Some(TerrainSpec::Geotiff {
                path: base.join(p.get_ref()),
            })
        }
    }
}

fn validate_sites(
    c: &mut Checker,
    sites: &Spanned<Vec<Spanned<SiteFile>>>,
    base: &Path,
    input_files: &mut Vec<PathBuf>,
) -> Vec<Site> {
    if sites.get_ref().is_empty() {
        c.push(ScenarioError::new(
            ErrorKind::MissingKey,
            Some(sites.span()),
            "at least one [[sites]] entry is needed",
        ));
    }
    let mut out: Vec<Site> = Vec::new();
    for (i, s) in sites.get_ref().iter().enumerate() {
        let sf = s.get_ref();
        let name = sf
            .name
            .as_ref()
            .map_or_else(|| format!("site-{}", i + 1), |n| n.get_ref().clone());
        if let Some(n) = &sf.name {
            if out.iter().any(|o| o.name == name) {
                c.push(ScenarioError::new(
                    ErrorKind::Conflict,
                    Some(n.span()),
                    format!("site name '{name}' is used twice"),
                ));
            }
        }
        let lat = c.range(&sf.lat_deg, -89.0, 89.0, "lat_deg", "°");
        let lon = c.range(&sf.lon_deg, -180.0, 180.0, "lon_deg", "°");
        let h = c.range(&sf.height_m, 0.5, 3000.0, "height_m", " m");
        let antenna = antenna::validate(c, sf.antenna.as_ref(), base, input_files);
        let eirp = match (&sf.eirp_dbm, &sf.tx_power_dbm) {
            (Some(e), None) => c.range(e, -30.0, 100.0, "eirp_dbm", " dBm"),
            (None, Some(p)) => {
                let p = c.range(p, -30.0, 90.0, "tx_power_dbm", " dBm");
                p + antenna.as_ref().map_or(0.0, Antenna::gain_dbi)
            }
            (Some(_), Some(p)) => {
                c.push(
                    ScenarioError::new(
                        ErrorKind::Conflict,
                        Some(p.span()),
                        "give eirp_dbm or tx_power_dbm, not both",
                    )
                    .help("eirp_dbm is the peak EIRP; tx_power_dbm adds the antenna gain"),
                );
                0.0
            }
            (None, None) => {
                c.push(ScenarioError::new(
                    ErrorKind::MissingKey,
                    Some(s.span()),
                    format!("site '{name}' needs eirp_dbm or tx_power_dbm"),
                ));
                0.0
            }
        };
        if let Some(antenna) = antenna {
            out.push(Site {
                name,
                lat_deg: lat,
                lon_deg: lon,
                height_m: h,
                eirp_dbm: eirp,
                antenna,
                span: Some({
                    let (a, b) = (sf.lat_deg.span(), sf.lon_deg.span());
                    a.start.min(b.start)..a.end.max(b.end)
                }),
            });
        }
    }
    out
}

fn validate_carrier(c: &mut Checker, cf: &Spanned<CarrierFile>) -> Option<Carrier> {
    let f = cf.get_ref();
    match (&f.hz, &f.tv_channel) {
        (Some(hz), None) => {
            if let Some(r) = &f.raster {
                c.push(ScenarioError::new(
                    ErrorKind::Conflict,
                    Some(r.span()),
                    "raster applies only with tv_channel",
                ));
            }
            let center = c.range(hz, 1e6, 100e9, "hz", " Hz");
            let Some(bw) = &f.bandwidth_hz else {
                c.push(ScenarioError::new(
                    ErrorKind::MissingKey,
                    Some(cf.span()),
                    "carrier with hz needs bandwidth_hz",
                ));
                return None;
            };
            let bw = c.range(bw, 1e3, 1e9, "bandwidth_hz", " Hz");
            Some(Carrier {
                center_hz: center,
                bandwidth_hz: bw,
                tv_channel: None,
                span: Some(hz.span()),
            })
        }
        (None, Some(ch)) => {
            let (raster, rname) = match f.raster.as_ref().map(|r| *r.get_ref()) {
                None | Some(RasterName::Us) => (phy::tv::TvRaster::Us6, "us"),
                Some(RasterName::EuUhf) => (phy::tv::TvRaster::Eu8Uhf, "eu-uhf"),
                Some(RasterName::EuVhf) => (phy::tv::TvRaster::Eu7Vhf, "eu-vhf"),
            };
            let center = match raster.center_hz(*ch.get_ref()) {
                Ok(f) => f,
                Err(_) => {
                    let (lo, hi) = raster.channels();
                    c.push(ScenarioError::new(
                        ErrorKind::OutOfRange,
                        Some(ch.span()),
                        format!(
                            "tv_channel = {} is out of range: the '{rname}' raster has channels {lo}–{hi}",
                            ch.get_ref()
                        ),
                    ));
                    return None;
                }
            };
            let bw = match &f.bandwidth_hz {
                Some(b) => c.range(b, 1e3, raster.width_hz(), "bandwidth_hz", " Hz"),
                None => raster.width_hz(),
            };
            Some(Carrier {
                center_hz: center,
                bandwidth_hz: bw,
                tv_channel: Some((rname.to_string(), *ch.get_ref())),
                span: Some(ch.span()),
            })
        }
        (Some(hz), Some(_)) => {
            c.push(ScenarioError::new(
                ErrorKind::Conflict,
                Some(hz.span()),
                "give carrier hz or tv_channel, not both",
            ));
            None
        }
        (None, None) => {
            c.push(ScenarioError::new(
                ErrorKind::MissingKey,
                Some(cf.span()),
                "carrier needs hz (with bandwidth_hz) or tv_channel",
            ));
            None
        }
    }
}

fn validate_coverage(c: &mut Checker, cf: &Spanned<CoverageFile>) -> Option<CoverageSpec> {
    let f = cf.get_ref();
    let area = match (&f.radius_m, &f.bbox) {
        (Some(r), None) => Area::Radius {
            radius_m: c.range(r, 100.0, 300_000.0, "radius_m", " m"),
        },
        (None, Some(b)) => {
            let bf = b.get_ref();
            let bb = Bbox {
                south_deg: c.range(&bf.south_deg, -89.0, 89.0, "south_deg", "°"),
                west_deg: c.range(&bf.west_deg, -180.0, 180.0, "west_deg", "°"),
                north_deg: c.range(&bf.north_deg, -89.0, 89.0, "north_deg", "°"),
                east_deg: c.range(&bf.east_deg, -180.0, 180.0, "east_deg", "°"),
            };
            if bb.north_deg <= bb.south_deg || bb.east_deg <= bb.west_deg {
                c.push(ScenarioError::new(
                    ErrorKind::OutOfRange,
                    Some(b.span()),
                    "bbox must have north_deg > south_deg and east_deg > west_deg",
                ));
            }
            Area::Bbox(bb)
        }
        (Some(r), Some(_)) => {
            c.push(ScenarioError::new(
                ErrorKind::Conflict,
                Some(r.span()),
                "give radius_m or bbox, not both",
            ));
            return None;
        }
        (None, None) => {
            c.push(ScenarioError::new(
                ErrorKind::MissingKey,
                Some(cf.span()),
                "coverage needs radius_m or bbox",
            ));
            return None;
        }
    };
    let resolution_m = c.range(&f.resolution_m, 1.0, 10_000.0, "resolution_m", " m");
    let rx_height_m = c.opt_range(&f.rx_height_m, 10.0, 0.5, 3000.0, "rx_height_m", " m");
    let rx_gain_dbi = c.opt_range(&f.rx_gain_dbi, 0.0, -30.0, 50.0, "rx_gain_dbi", " dBi");
    let noise_figure_db = c.opt_range(&f.noise_figure_db, 7.0, 0.0, 30.0, "noise_figure_db", " dB");
    let mut thresholds_dbm = match &f.thresholds_dbm {
        Some(t) => {
            if t.get_ref().is_empty() || t.get_ref().iter().any(|x| !(-200.0..=100.0).contains(x)) {
                c.push(ScenarioError::new(
                    ErrorKind::OutOfRange,
                    Some(t.span()),
                    "thresholds_dbm must be a non-empty list of values between -200 and 100 dBm",
                ));
            }
            t.get_ref().clone()
        }
        None => vec![-70.0, -80.0, -90.0, -100.0],
    };
    thresholds_dbm.sort_by(|a, b| b.total_cmp(a));
    thresholds_dbm.dedup();
    Some(CoverageSpec {
        area,
        resolution_m,
        rx_height_m,
        rx_gain_dbi,
        noise_figure_db,
        thresholds_dbm,
        span: Some(cf.span()),
    })
}

fn validate_model(c: &mut Checker, m: Option<&Spanned<ModelFile>>) -> Option<ModelSpec> {
    let default_var = Variability::ReliabilityConfidence {
        reliability_pct: 50.0,
        confidence_pct: 50.0,
    };
    let Some(m) = m else {
        return Some(ModelSpec {
            id: ModelId::Itm,
            climate: 5,
            n0: 301.0,
            epsilon: 15.0,
            sigma_s_per_m: 0.005,
            polarization: crate::propagation::Polarization::Horizontal,
            mdvar: 12,
            variability: default_var,
            k_factor: 4.0 / 3.0,
            land_cover: None,
            span: None,
        });
    };
    let f = m.get_ref();
    let id = match f.kind.as_ref().map(|k| *k.get_ref()) {
        None | Some(ModelKind::Itm) => ModelId::Itm,
        Some(ModelKind::P526) => ModelId::P526,
        Some(ModelKind::TwoRay) => ModelId::TwoRay,
        Some(ModelKind::Raytrace) => ModelId::Raytrace,
        Some(ModelKind::Fspl) => ModelId::Fspl,
    };
    let climate = match &f.climate {
        Some(cl) => {
            let v = *cl.get_ref();
            if !(1..=7).contains(&v) {
                c.push(ScenarioError::new(
                    ErrorKind::OutOfRange,
                    Some(cl.span()),
                    format!("climate = {v} is out of range: ITM radio climates are 1–7"),
                ));
            }
            v
        }
        None => 5,
    };
    let mdvar = match &f.mdvar {
        Some(md) => {
            let v = *md.get_ref();
            if v % 10 > 3 || v > 33 {
                c.push(ScenarioError::new(
                    ErrorKind::OutOfRange,
                    Some(md.span()),
                    format!("mdvar = {v} is out of range: 0–3, optionally plus 10 and/or 20"),
                ));
            }
            v
        }
        None => 12,
    };
    let n0 = c.opt_range(&f.n0, 301.0, 250.0, 400.0, "n0", " N-units");
    let epsilon = c.opt_range(&f.epsilon, 15.0, 1.0, 100.0, "epsilon", "");
    let sigma = c.opt_range(&f.sigma, 0.005, 1e-5, 100.0, "sigma", " S/m");
    let k_factor = c.opt_range(&f.k_factor, 4.0 / 3.0, 0.1, 100.0, "k_factor", "");
    let pct = |c: &mut Checker, v: &Option<Spanned<f64>>, name: &str| {
        c.opt_range(v, 50.0, 0.1, 99.9, name, " %")
    };
    let tls = [&f.time_pct, &f.location_pct, &f.situation_pct];
    let rc = [&f.reliability_pct, &f.confidence_pct];
    let any_tls = tls.iter().any(|v| v.is_some());
    let any_rc = rc.iter().any(|v| v.is_some());
    let variability = if any_tls && any_rc {
        let span = rc.iter().find_map(|v| sp(v));
        c.push(
            ScenarioError::new(
                ErrorKind::Conflict,
                span,
                "give time/location/situation percentages or reliability/confidence, not both",
            )
            .help("ITM's two variability forms are alternatives"),
        );
        default_var
    } else if any_tls {
        Variability::TimeLocationSituation {
            time_pct: pct(c, &f.time_pct, "time_pct"),
            location_pct: pct(c, &f.location_pct, "location_pct"),
            situation_pct: pct(c, &f.situation_pct, "situation_pct"),
        }
    } else {
        Variability::ReliabilityConfidence {
            reliability_pct: pct(c, &f.reliability_pct, "reliability_pct"),
            confidence_pct: pct(c, &f.confidence_pct, "confidence_pct"),
        }
    };
    Some(ModelSpec {
        id,
        climate,
        n0,
        epsilon,
        sigma_s_per_m: sigma,
        polarization: match f.polarization.as_ref().map(|p| *p.get_ref()) {
            None | Some(PolarizationName::Horizontal) => {
                crate::propagation::Polarization::Horizontal
            }
            Some(PolarizationName::Vertical) => crate::propagation::Polarization::Vertical,
        },
        mdvar,
        variability,
        k_factor,
        land_cover: None,
        span: Some(f.kind.as_ref().map_or(m.span(), Spanned::span)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: &str = "[[sites]]\nlat_deg = 40.0\nlon_deg = -100.0\nheight_m = 30\neirp_dbm = 36\n\n[carrier]\ntv_channel = 21\n\n[coverage]\nradius_m = 30000\nresolution_m = 50\n";

    fn check(text: &str) -> Result<Scenario, ScenarioErrors> {
        Scenario::from_text(text, "stem", Path::new("."))
    }

    #[test]
    fn defaults_and_tv_channel() {
        let sc = check(MIN).unwrap();
        assert_eq!(sc.name, "stem");
        assert_eq!((sc.seed, sc.run), (1, 0));
        assert_eq!(sc.terrain, TerrainSpec::Synthetic { seed: 1 });
        assert_eq!(sc.carrier.center_hz, 515e6);
        assert_eq!(sc.carrier.bandwidth_hz, 6e6);
        assert_eq!(sc.sites[0].name, "site-1");
        assert_eq!(sc.model.id, ModelId::Itm);
        assert_eq!(sc.model.mdvar, 12);
        assert_eq!(sc.coverage.rx_height_m, 10.0);
        assert_eq!(
            sc.coverage.thresholds_dbm,
            vec![-70.0, -80.0, -90.0, -100.0]
        );
        let eu =
            check(&MIN.replace("tv_channel = 21", "tv_channel = 60\nraster = \"eu-uhf\"")).unwrap();
        assert_eq!(eu.carrier.center_hz, 786e6);
        assert_eq!(eu.carrier.bandwidth_hz, 8e6);
    }

    #[test]
    fn errors_carry_kind_and_span() {
        let text = MIN.replace("tv_channel = 21", "tv_channel = 37");
        let e = check(&text).unwrap_err().0;
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].kind, ErrorKind::OutOfRange);
        let span = e[0].span.clone().unwrap();
        assert_eq!(&text[span], "37");

        let text = MIN.replace("height_m = 30", "height_m = 30\ncolour = 1");
        let e = check(&text).unwrap_err().0;
        assert_eq!(e[0].kind, ErrorKind::UnknownKey);
        assert_eq!(&text[e[0].span.clone().unwrap()], "colour");

        let text = MIN.replace("radius_m = 30000", "radius_m = \"far\"");
        assert_eq!(check(&text).unwrap_err().0[0].kind, ErrorKind::WrongType);

        let text = format!("{MIN}\n[model]\nkind = \"itm\"\ntime_pct = 50\nreliability_pct = 50\n");
        assert_eq!(check(&text).unwrap_err().0[0].kind, ErrorKind::Conflict);
    }

    #[test]
    fn tx_power_adds_sector_gain() {
        let text = MIN.replace(
            "eirp_dbm = 36",
            "tx_power_dbm = 20\nantenna = { kind = \"sector\", azimuth_deg = 120 }",
        );
        let sc = check(&text).unwrap();
        assert_eq!(sc.sites[0].eirp_dbm, 35.0);
    }

    #[test]
    fn schema_lists_the_tables() {
        let s = json_schema();
        let props = s.as_value()["properties"].as_object().unwrap().clone();
        for k in ["terrain", "sites", "carrier", "coverage", "model"] {
            assert!(props.contains_key(k), "{k}");
        }
    }
}
