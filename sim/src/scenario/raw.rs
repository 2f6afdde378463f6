//! The raw scenario file: exactly what the TOML says, with byte spans kept.
//!
//! Every table rejects unknown keys. Values are not checked here beyond their TOML type; the
//! checks with units and ranges happen in [`super::Scenario::from_file`]. Fields are wrapped in
//! [`toml::Spanned`] so that a later error can point at the offending value.

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use crate::raytrace::scene::GroundClass;

/// A scenario file, format v1.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "lastmile scenario (format v1)")]
pub struct ScenarioFile {
    /// Scenario name; names the output directory `results/<name>/` (default: the file stem).
    #[schemars(with = "Option<String>")]
    pub name: Option<Spanned<String>>,
    /// Master seed of every random stream (default 1).
    #[schemars(with = "Option<u64>")]
    pub seed: Option<Spanned<u64>>,
    /// Replication number (default 0).
    #[schemars(with = "Option<u64>")]
    pub run: Option<Spanned<u64>>,
    /// Terrain source (default: synthetic terrain).
    #[schemars(with = "Option<TerrainFile>")]
    pub terrain: Option<Spanned<TerrainFile>>,
    /// Transmitting sites; at least one. All share the carrier (co-channel).
    #[schemars(with = "Vec<SiteFile>")]
    pub sites: Spanned<Vec<Spanned<SiteFile>>>,
    /// Carrier frequency and bandwidth (required unless `[tvws]` lets the database choose).
    #[schemars(with = "Option<CarrierFile>")]
    pub carrier: Option<Spanned<CarrierFile>>,
    /// The area to map and the receiver.
    #[schemars(with = "CoverageFile")]
    pub coverage: Spanned<CoverageFile>,
    /// Propagation model (default: ITM with its defaults).
    #[schemars(with = "Option<ModelFile>")]
    pub model: Option<Spanned<ModelFile>>,
    /// TV white space: ask a PAWS database for each site's channel and power, and put the
    /// TV stations into the interference model (replaces `[carrier]`).
    #[schemars(with = "Option<TvwsFile>")]
    pub tvws: Option<Spanned<TvwsFile>>,
}

/// Device type a `[tvws]` scenario registers its sites as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TvwsDeviceName {
    /// FCC `FIXED` / ETSI type A (the default).
    Fixed,
    /// FCC `MODE_2` / ETSI type B.
    Portable,
}

/// `[tvws]`: the white-space database and how sites use what it grants.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TvwsFile {
    /// Database configuration (wsdb TOML), relative to the scenario file: the run starts
    /// that database in-process on 127.0.0.1 and talks PAWS to it. Give this or `url`.
    #[schemars(with = "Option<String>")]
    pub config: Option<Spanned<String>>,
    /// A running database, `http://HOST:PORT/paws` or `https://…`. Give this or `config`.
    #[schemars(with = "Option<String>")]
    pub url: Option<Spanned<String>>,
    /// With an `https` url: PEM CA certificate(s) to trust, relative to the scenario file.
    #[schemars(with = "Option<String>")]
    pub ca_file: Option<Spanned<String>>,
    /// TV stations CSV for the interference model, relative to the scenario file (default:
    /// the database configuration's; required with `url` unless `interference = false`).
    #[schemars(with = "Option<String>")]
    pub stations: Option<Spanned<String>>,
    /// With `url`: the database's channel raster, `us` (default) or `eu-uhf`.
    #[schemars(with = "Option<RasterName>")]
    pub raster: Option<Spanned<RasterName>>,
    /// `fixed` (default) or `portable`.
    #[schemars(with = "Option<TvwsDeviceName>")]
    pub device: Option<Spanned<TvwsDeviceName>>,
    /// ETSI emission class 1–5 (default 5).
    #[schemars(with = "Option<u8>")]
    pub emission_class: Option<Spanned<u8>>,
    /// Cable and connector loss between radio and antenna, dB (default 0).
    #[schemars(with = "Option<f64>")]
    pub cable_loss_db: Option<Spanned<f64>>,
    /// Largest conducted power of the radio, dBm (default 30).
    #[schemars(with = "Option<f64>")]
    pub max_conducted_dbm: Option<Spanned<f64>>,
    /// Largest number of contiguous TV channels to bond, 1–4 (default 1).
    #[schemars(with = "Option<u32>")]
    pub max_channels: Option<Spanned<u32>>,
    /// Also consider the TVWS fill fit (more PRBs than standard LTE) with this guard to each
    /// channel edge, Hz (default: standard LTE bandwidths only).
    #[schemars(with = "Option<u32>")]
    pub fill_guard_hz: Option<Spanned<u32>>,
    /// Only these TV channels may be chosen (default: any the database grants).
    #[schemars(with = "Option<Vec<u32>>")]
    pub channels: Option<Spanned<Vec<u32>>>,
    /// Add the TV stations as interferers (default true).
    #[schemars(with = "Option<bool>")]
    pub interference: Option<Spanned<bool>>,
    /// Adjacent-channel interference rejection (ACIR) of a TV signal one channel away, dB
    /// (default: from the FCC DTV emission mask and the 36.101 ACS).
    #[schemars(with = "Option<f64>")]
    pub adjacent_rejection_db: Option<Spanned<f64>>,
    /// TV stations farther than this from every site are ignored, km (default 200).
    #[schemars(with = "Option<f64>")]
    pub max_interferer_km: Option<Spanned<f64>>,
}

/// Where terrain comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TerrainSource {
    /// Deterministic synthetic rolling terrain with hills and ridges, from a seed.
    Synthetic,
    /// A directory of SRTM `.hgt` tiles (SRTM1 or SRTM3).
    Srtm,
    /// One GeoTIFF DEM (int16 or float32, EPSG:4326).
    Geotiff,
}

/// `[terrain]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TerrainFile {
    /// `synthetic` (default), `srtm` or `geotiff`.
    #[schemars(with = "Option<TerrainSource>")]
    pub source: Option<Spanned<TerrainSource>>,
    /// Synthetic terrain seed (default: the scenario seed).
    #[schemars(with = "Option<u64>")]
    pub seed: Option<Spanned<u64>>,
    /// SRTM tile directory, relative to the scenario file.
    #[schemars(with = "Option<String>")]
    pub dir: Option<Spanned<String>>,
    /// GeoTIFF file, relative to the scenario file.
    #[schemars(with = "Option<String>")]
    pub path: Option<Spanned<String>>,
    /// For generated terrain: the script that makes it (named in the error when it is missing).
    #[schemars(with = "Option<String>")]
    pub made_by: Option<Spanned<String>>,
}

/// `[[sites]]`: one transmitter.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteFile {
    /// Site name (default `site-N`, N from 1).
    #[schemars(with = "Option<String>")]
    pub name: Option<Spanned<String>>,
    /// Latitude, degrees north (WGS84).
    #[schemars(with = "f64")]
    pub lat_deg: Spanned<f64>,
    /// Longitude, degrees east (WGS84).
    #[schemars(with = "f64")]
    pub lon_deg: Spanned<f64>,
    /// Antenna height above ground, metres.
    #[schemars(with = "f64")]
    pub height_m: Spanned<f64>,
    /// Peak EIRP (in the antenna's main beam), dBm. Give this or `tx_power_dbm`.
    #[schemars(with = "Option<f64>")]
    pub eirp_dbm: Option<Spanned<f64>>,
    /// Power into the antenna, dBm; the peak EIRP is this plus the antenna gain.
    #[schemars(with = "Option<f64>")]
    pub tx_power_dbm: Option<Spanned<f64>>,
    /// Antenna (default isotropic).
    #[schemars(with = "Option<AntennaFile>")]
    pub antenna: Option<Spanned<AntennaFile>>,
}

/// Kind of transmit antenna.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AntennaKind {
    /// The same gain in every direction.
    Isotropic,
    /// 3GPP sector pattern (TR 36.942 §4.2.1 horizontal, TR 36.814 vertical).
    Sector,
    /// An MSI/Planet pattern file.
    Pattern,
}

/// `[sites.antenna]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AntennaFile {
    /// `isotropic`, `sector` or `pattern`.
    #[schemars(with = "AntennaKind")]
    pub kind: Spanned<AntennaKind>,
    /// Peak gain, dBi (defaults: isotropic 0, sector 15, pattern: the file's GAIN).
    #[schemars(with = "Option<f64>")]
    pub gain_dbi: Option<Spanned<f64>>,
    /// Boresight azimuth, degrees clockwise from true north (default 0).
    #[schemars(with = "Option<f64>")]
    pub azimuth_deg: Option<Spanned<f64>>,
    /// Downtilt, degrees below the horizon (default 0).
    #[schemars(with = "Option<f64>")]
    pub tilt_deg: Option<Spanned<f64>>,
    /// Sector: horizontal 3 dB beamwidth, degrees (default 65).
    #[schemars(with = "Option<f64>")]
    pub beamwidth_deg: Option<Spanned<f64>>,
    /// Sector: vertical 3 dB beamwidth, degrees (default 10).
    #[schemars(with = "Option<f64>")]
    pub vertical_beamwidth_deg: Option<Spanned<f64>>,
    /// Sector: front-to-back ratio A_m, dB (default 20).
    #[schemars(with = "Option<f64>")]
    pub front_to_back_db: Option<Spanned<f64>>,
    /// Pattern: MSI/Planet file, relative to the scenario file.
    #[schemars(with = "Option<String>")]
    pub file: Option<Spanned<String>>,
}

/// TV channel raster names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum RasterName {
    /// US 6 MHz UHF channels 14–36.
    #[serde(rename = "us")]
    Us,
    /// EU 8 MHz UHF channels 21–60.
    #[serde(rename = "eu-uhf")]
    EuUhf,
    /// EU 7 MHz VHF channels 5–12.
    #[serde(rename = "eu-vhf")]
    EuVhf,
}

/// `[carrier]`: either `hz` (+ `bandwidth_hz`) or `tv_channel` (+ `raster`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CarrierFile {
    /// Centre frequency, Hz.
    #[schemars(with = "Option<f64>")]
    pub hz: Option<Spanned<f64>>,
    /// TV channel number; the centre frequency and bandwidth come from `raster`.
    #[schemars(with = "Option<u32>")]
    pub tv_channel: Option<Spanned<u32>>,
    /// TV raster of `tv_channel`: `us` (default), `eu-uhf`, `eu-vhf`.
    #[schemars(with = "Option<RasterName>")]
    pub raster: Option<Spanned<RasterName>>,
    /// Occupied bandwidth, Hz (default with `tv_channel`: the channel width).
    #[schemars(with = "Option<f64>")]
    pub bandwidth_hz: Option<Spanned<f64>>,
}

/// A latitude/longitude box.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BboxFile {
    /// South edge, degrees.
    #[schemars(with = "f64")]
    pub south_deg: Spanned<f64>,
    /// West edge, degrees.
    #[schemars(with = "f64")]
    pub west_deg: Spanned<f64>,
    /// North edge, degrees.
    #[schemars(with = "f64")]
    pub north_deg: Spanned<f64>,
    /// East edge, degrees.
    #[schemars(with = "f64")]
    pub east_deg: Spanned<f64>,
}

/// `[coverage]`: the mapped area (`radius_m` around each site, or `bbox`) and the receiver.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CoverageFile {
    /// Radius around each site, metres.
    #[schemars(with = "Option<f64>")]
    pub radius_m: Option<Spanned<f64>>,
    /// Explicit area.
    #[schemars(with = "Option<BboxFile>")]
    pub bbox: Option<Spanned<BboxFile>>,
    /// Pixel size, metres.
    #[schemars(with = "f64")]
    pub resolution_m: Spanned<f64>,
    /// Receiver antenna height above ground, metres (default 10).
    #[schemars(with = "Option<f64>")]
    pub rx_height_m: Option<Spanned<f64>>,
    /// Receiver antenna gain, dBi (default 0).
    #[schemars(with = "Option<f64>")]
    pub rx_gain_dbi: Option<Spanned<f64>>,
    /// Receiver noise figure, dB (default 7).
    #[schemars(with = "Option<f64>")]
    pub noise_figure_db: Option<Spanned<f64>>,
    /// Received-power thresholds for the area summary, dBm (default −70, −80, −90, −100).
    #[schemars(with = "Option<Vec<f64>>")]
    pub thresholds_dbm: Option<Spanned<Vec<f64>>>,
}

/// Propagation model names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum ModelKind {
    /// NTIA ITM (Longley-Rice) v1.4, point-to-point.
    #[serde(rename = "itm")]
    Itm,
    /// ITU-R P.526 delta-Bullington diffraction (plus free space).
    #[serde(rename = "p526")]
    P526,
    /// Two-ray (direct plus ground reflection).
    #[serde(rename = "two-ray")]
    TwoRay,
    /// Terrain ray tracer on the profile: direct/diffracted ray plus ground reflections.
    #[serde(rename = "raytrace")]
    Raytrace,
    /// Free space.
    #[serde(rename = "fspl")]
    Fspl,
}

/// Wave polarisation names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PolarizationName {
    /// Horizontal.
    Horizontal,
    /// Vertical.
    Vertical,
}

/// `[model]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    /// `itm` (default), `p526`, `two-ray`, `fspl`.
    #[schemars(with = "Option<ModelKind>")]
    pub kind: Option<Spanned<ModelKind>>,
    /// ITM radio climate 1–7 (1 equatorial, 2 continental subtropical, 3 maritime
    /// subtropical, 4 desert, 5 continental temperate, 6 maritime temperate over land,
    /// 7 maritime temperate over sea); default 5.
    #[schemars(with = "Option<u8>")]
    pub climate: Option<Spanned<u8>>,
    /// Surface refractivity N_0, N-units (default 301).
    #[schemars(with = "Option<f64>")]
    pub n0: Option<Spanned<f64>>,
    /// Ground relative permittivity (default 15).
    #[schemars(with = "Option<f64>")]
    pub epsilon: Option<Spanned<f64>>,
    /// Ground conductivity, S/m (default 0.005).
    #[schemars(with = "Option<f64>")]
    pub sigma: Option<Spanned<f64>>,
    /// `horizontal` (default) or `vertical`.
    #[schemars(with = "Option<PolarizationName>")]
    pub polarization: Option<Spanned<PolarizationName>>,
    /// ITM variability mode (0–3, plus 10/20 modifiers); default 12, as SPLAT! uses.
    #[schemars(with = "Option<u8>")]
    pub mdvar: Option<Spanned<u8>>,
    /// ITM time variability, % (time/location/situation form).
    #[schemars(with = "Option<f64>")]
    pub time_pct: Option<Spanned<f64>>,
    /// ITM location variability, %.
    #[schemars(with = "Option<f64>")]
    pub location_pct: Option<Spanned<f64>>,
    /// ITM situation (confidence) variability, %.
    #[schemars(with = "Option<f64>")]
    pub situation_pct: Option<Spanned<f64>>,
    /// ITM reliability, % (reliability/confidence form, as SPLAT! uses).
    #[schemars(with = "Option<f64>")]
    pub reliability_pct: Option<Spanned<f64>>,
    /// ITM confidence, %.
    #[schemars(with = "Option<f64>")]
    pub confidence_pct: Option<Spanned<f64>>,
    /// Effective earth-radius factor k for P.526 and two-ray (default 4/3).
    #[schemars(with = "Option<f64>")]
    pub k_factor: Option<Spanned<f64>>,
    /// `raytrace` only: a land-cover GeoTIFF (EPSG:4326, one band of integer class codes;
    /// its nodata value = open ground), relative to the scenario file. Each class's canopy
    /// adds ITU-R P.833 vegetation loss to the rays that cross it.
    #[schemars(with = "Option<String>")]
    pub land_cover: Option<Spanned<String>>,
    /// `raytrace` only: the land-cover class table (default: 1 open, 2 cropland, 3 forest
    /// 15 m 0.15 dB/m, 4 shrub 3 m 0.1 dB/m, 5 water, 6 wetland, 7 built-up 8 m 0.3 dB/m).
    #[schemars(with = "Option<Vec<CoverClassFile>>")]
    pub land_cover_classes: Option<Spanned<Vec<Spanned<CoverClassFile>>>>,
}

/// `[[model.land_cover_classes]]`: one land-cover class.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CoverClassFile {
    /// Raster code, 0–254.
    #[schemars(with = "u8")]
    pub code: Spanned<u8>,
    /// Name, for messages (default `class-CODE`).
    #[schemars(with = "Option<String>")]
    pub name: Option<Spanned<String>>,
    /// Canopy or clutter height above ground, m (default 0: open).
    #[schemars(with = "Option<f64>")]
    pub height_m: Option<Spanned<f64>>,
    /// Specific attenuation inside the canopy, dB/m (ITU-R P.833 Fig. 2; default 0).
    #[schemars(with = "Option<f64>")]
    pub specific_db_per_m: Option<Spanned<f64>>,
    /// Ground constants (default `average`).
    #[schemars(with = "Option<GroundClass>")]
    pub ground: Option<Spanned<GroundClass>>,
}
