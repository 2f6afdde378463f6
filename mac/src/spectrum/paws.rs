//! PAWS 1.0 message types (RFC 7545) and their JSON-RPC 2.0 envelopes.
//!
//! Wire names are the RFC's camelCase parameter names. Fields the RFC marks OPTIONAL are
//! `Option`s; unknown fields are ignored on input (RFC 7545 §4.4: "unknown parameters MUST
//! be ignored"), and ruleset-specific extensions are typed where this crate uses them
//! (FCC and ETSI device descriptor fields) and kept in `extra` otherwise. Timestamps stay
//! strings on the wire; [`super::validate`] checks their exact format.
//!
//! | method | request | response |
//! |---|---|---|
//! | `spectrum.paws.init` | [`InitReq`] `INIT_REQ` | [`InitResp`] `INIT_RESP` |
//! | `spectrum.paws.register` | [`RegistrationReq`] `REGISTRATION_REQ` | [`RegistrationResp`] `REGISTRATION_RESP` |
//! | `spectrum.paws.getSpectrum` | [`AvailSpectrumReq`] `AVAIL_SPECTRUM_REQ` | [`AvailSpectrumResp`] `AVAIL_SPECTRUM_RESP` |
//! | `spectrum.paws.getSpectrumBatch` | [`AvailSpectrumBatchReq`] `AVAIL_SPECTRUM_BATCH_REQ` | [`AvailSpectrumBatchResp`] `AVAIL_SPECTRUM_BATCH_RESP` |
//! | `spectrum.paws.notifySpectrumUse` | [`SpectrumUseNotify`] `SPECTRUM_USE_NOTIFY` | [`SpectrumUseResp`] `SPECTRUM_USE_RESP` |
//! | `spectrum.paws.verifyDevice` | [`DevValidReq`] `DEV_VALID_REQ` | [`DevValidResp`] `DEV_VALID_RESP` |
//!
//! # References
//! IETF RFC 7545 (May 2015) §4 (protocol), §5 (parameters), §5.17 (error codes);
//! JSON-RPC 2.0 specification §4–§5.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The only protocol version this implementation speaks.
pub const PAWS_VERSION: &str = "1.0";

/// FCC ruleset identifier registered by RFC 7545 §9.1.
pub const RULESET_FCC: &str = "FccTvBandWhiteSpace-2010";
/// ETSI ruleset identifier registered by RFC 7545 §9.1.
pub const RULESET_ETSI: &str = "ETSI-EN-301-598-1.1.1";

/// The six PAWS methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Init,
    Register,
    GetSpectrum,
    GetSpectrumBatch,
    NotifySpectrumUse,
    VerifyDevice,
}

impl Method {
    /// All methods, in RFC order.
    pub const ALL: [Method; 6] = [
        Method::Init,
        Method::Register,
        Method::GetSpectrum,
        Method::GetSpectrumBatch,
        Method::NotifySpectrumUse,
        Method::VerifyDevice,
    ];

    /// JSON-RPC method name, e.g. `spectrum.paws.getSpectrum`.
    pub const fn name(self) -> &'static str {
        match self {
            Method::Init => "spectrum.paws.init",
            Method::Register => "spectrum.paws.register",
            Method::GetSpectrum => "spectrum.paws.getSpectrum",
            Method::GetSpectrumBatch => "spectrum.paws.getSpectrumBatch",
            Method::NotifySpectrumUse => "spectrum.paws.notifySpectrumUse",
            Method::VerifyDevice => "spectrum.paws.verifyDevice",
        }
    }

    /// The method with this JSON-RPC name.
    pub fn from_name(name: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.name() == name)
    }

    /// `type` of the request message.
    pub const fn request_type(self) -> &'static str {
        match self {
            Method::Init => "INIT_REQ",
            Method::Register => "REGISTRATION_REQ",
            Method::GetSpectrum => "AVAIL_SPECTRUM_REQ",
            Method::GetSpectrumBatch => "AVAIL_SPECTRUM_BATCH_REQ",
            Method::NotifySpectrumUse => "SPECTRUM_USE_NOTIFY",
            Method::VerifyDevice => "DEV_VALID_REQ",
        }
    }

    /// `type` of the response message.
    pub const fn response_type(self) -> &'static str {
        match self {
            Method::Init => "INIT_RESP",
            Method::Register => "REGISTRATION_RESP",
            Method::GetSpectrum => "AVAIL_SPECTRUM_RESP",
            Method::GetSpectrumBatch => "AVAIL_SPECTRUM_BATCH_RESP",
            Method::NotifySpectrumUse => "SPECTRUM_USE_RESP",
            Method::VerifyDevice => "DEV_VALID_RESP",
        }
    }
}

/// PAWS error codes (RFC 7545 §5.17, Table 1) and the JSON-RPC 2.0 codes used for
/// envelope-level failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// -101: the database does not support the requested version.
    Version,
    /// -102: the device is not supported (e.g. its rulesets).
    Unsupported,
    /// -103: the database does not implement the optional request or parameter.
    Unimplemented,
    /// -104: the location is outside the database's coverage.
    OutsideCoverage,
    /// -105: the database changed; `data` carries a DbUpdateSpec.
    DatabaseChange,
    /// -201: required parameters missing; `data.missing` lists their dotted names.
    Missing,
    /// -202: a parameter has an invalid value.
    InvalidValue,
    /// -301: the device is not authorized.
    Unauthorized,
    /// -302: the device is not registered (where registration is required).
    NotRegistered,
    /// JSON-RPC -32700: the body is not JSON.
    ParseError,
    /// JSON-RPC -32600: not a JSON-RPC 2.0 request object (or too large).
    InvalidRequest,
    /// JSON-RPC -32601: unknown method.
    MethodNotFound,
    /// JSON-RPC -32602: `params` is not an object.
    InvalidParams,
    /// JSON-RPC -32603: internal error.
    InternalError,
}

impl ErrorCode {
    /// Numeric code on the wire.
    pub const fn code(self) -> i64 {
        match self {
            ErrorCode::Version => -101,
            ErrorCode::Unsupported => -102,
            ErrorCode::Unimplemented => -103,
            ErrorCode::OutsideCoverage => -104,
            ErrorCode::DatabaseChange => -105,
            ErrorCode::Missing => -201,
            ErrorCode::InvalidValue => -202,
            ErrorCode::Unauthorized => -301,
            ErrorCode::NotRegistered => -302,
            ErrorCode::ParseError => -32700,
            ErrorCode::InvalidRequest => -32600,
            ErrorCode::MethodNotFound => -32601,
            ErrorCode::InvalidParams => -32602,
            ErrorCode::InternalError => -32603,
        }
    }

    /// The code with this number, if defined. Reserved codes (0, -100, -200, -300) map to
    /// `None`.
    pub fn from_code(code: i64) -> Option<ErrorCode> {
        [
            ErrorCode::Version,
            ErrorCode::Unsupported,
            ErrorCode::Unimplemented,
            ErrorCode::OutsideCoverage,
            ErrorCode::DatabaseChange,
            ErrorCode::Missing,
            ErrorCode::InvalidValue,
            ErrorCode::Unauthorized,
            ErrorCode::NotRegistered,
            ErrorCode::ParseError,
            ErrorCode::InvalidRequest,
            ErrorCode::MethodNotFound,
            ErrorCode::InvalidParams,
            ErrorCode::InternalError,
        ]
        .into_iter()
        .find(|c| c.code() == code)
    }

    /// RFC 7545 name (`"MISSING"`, …) or the JSON-RPC meaning.
    pub const fn name(self) -> &'static str {
        match self {
            ErrorCode::Version => "VERSION",
            ErrorCode::Unsupported => "UNSUPPORTED",
            ErrorCode::Unimplemented => "UNIMPLEMENTED",
            ErrorCode::OutsideCoverage => "OUTSIDE_COVERAGE",
            ErrorCode::DatabaseChange => "DATABASE_CHANGE",
            ErrorCode::Missing => "MISSING",
            ErrorCode::InvalidValue => "INVALID_VALUE",
            ErrorCode::Unauthorized => "UNAUTHORIZED",
            ErrorCode::NotRegistered => "NOT_REGISTERED",
            ErrorCode::ParseError => "Parse error",
            ErrorCode::InvalidRequest => "Invalid Request",
            ErrorCode::MethodNotFound => "Method not found",
            ErrorCode::InvalidParams => "Invalid params",
            ErrorCode::InternalError => "Internal error",
        }
    }
}

/// Whether a numeric code is reserved by RFC 7545 §5.17 (0, -100, -200, -300) or by
/// JSON-RPC (-32768…-32000) without being one of the JSON-RPC codes defined above.
pub fn is_reserved_code(code: i64) -> bool {
    matches!(code, 0 | -100 | -200 | -300)
        || ((-32768..=-32000).contains(&code) && ErrorCode::from_code(code).is_none())
}

/// A JSON-RPC error object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RpcError {
    /// Error code (see [`ErrorCode`]).
    pub code: i64,
    /// Human-readable message.
    pub message: String,
    /// Structured detail: `{"missing": [...]}` for MISSING, a DbUpdateSpec for
    /// DATABASE_CHANGE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl RpcError {
    /// An error with `code` and `message` and no data.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        RpcError {
            code: code.code(),
            message: message.into(),
            data: None,
        }
    }

    /// MISSING (-201) listing the dotted names of the missing parameters.
    pub fn missing(names: Vec<String>) -> Self {
        RpcError {
            code: ErrorCode::Missing.code(),
            message: format!("missing required parameters: {}", names.join(", ")),
            data: Some(serde_json::json!({ "missing": names })),
        }
    }

    /// The typed code, if it is one this crate knows.
    pub fn kind(&self) -> Option<ErrorCode> {
        ErrorCode::from_code(self.code)
    }
}

/// A JSON-RPC 2.0 request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RpcRequest {
    /// Always `"2.0"`.
    pub jsonrpc: String,
    /// Method name.
    pub method: String,
    /// The PAWS message.
    #[serde(default)]
    pub params: Value,
    /// Request id (string or number); absent for notifications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Value>,
}

impl RpcRequest {
    /// Wrap a PAWS request message.
    ///
    /// # Panics
    /// Never for the types of this module (their serialization cannot fail).
    pub fn new<T: Serialize>(method: Method, params: &T, id: impl Into<Value>) -> Self {
        RpcRequest {
            jsonrpc: "2.0".into(),
            method: method.name().into(),
            params: serde_json::to_value(params).expect("PAWS messages serialize"),
            id: Some(id.into()),
        }
    }
}

/// A JSON-RPC 2.0 response: exactly one of `result` and `error`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RpcResponse {
    /// Always `"2.0"`.
    pub jsonrpc: String,
    /// The PAWS response message on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// The error on failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<RpcError>,
    /// The request's id (`null` when it could not be read).
    pub id: Value,
}

impl RpcResponse {
    /// A success response.
    ///
    /// # Panics
    /// Never for the types of this module.
    pub fn ok<T: Serialize>(id: Value, result: &T) -> Self {
        RpcResponse {
            jsonrpc: "2.0".into(),
            result: Some(serde_json::to_value(result).expect("PAWS messages serialize")),
            error: None,
            id,
        }
    }

    /// An error response.
    pub fn err(id: Value, error: RpcError) -> Self {
        RpcResponse {
            jsonrpc: "2.0".into(),
            result: None,
            error: Some(error),
            id,
        }
    }
}

/// A point on the WGS84 ellipsoid (RFC 7545 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    /// Degrees, −90…90.
    pub latitude: f64,
    /// Degrees, −180…180.
    pub longitude: f64,
}

/// An uncertainty ellipse around a point (RFC 7545 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ellipse {
    /// Centre.
    pub center: GeoPoint,
    /// Semi-major axis, metres (≥ 0; default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semi_major_axis: Option<f64>,
    /// Semi-minor axis, metres (≥ 0, ≤ semi-major; default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semi_minor_axis: Option<f64>,
    /// Orientation of the major axis, degrees clockwise from north, 0…180 (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orientation: Option<f64>,
}

/// A polygon region (RFC 7545 §5.1, after RFC 5491): closed ring (first point repeated
/// last), counter-clockwise, at most 15 vertices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Polygon {
    /// The ring's points.
    pub exterior: Vec<GeoPoint>,
}

/// A device location: an ellipse or a polygon, with a confidence (RFC 7545 §5.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeoLocation {
    /// Point with uncertainty ellipse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point: Option<Ellipse>,
    /// Polygon region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Polygon>,
    /// Confidence, percent 0…99 (default 95).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<i64>,
}

impl GeoLocation {
    /// A point location with no stated uncertainty.
    pub fn point(latitude: f64, longitude: f64) -> Self {
        GeoLocation {
            point: Some(Ellipse {
                center: GeoPoint {
                    latitude,
                    longitude,
                },
                semi_major_axis: None,
                semi_minor_axis: None,
                orientation: None,
            }),
            region: None,
            confidence: None,
        }
    }

    /// Confidence in percent, the RFC default (95) when absent.
    pub fn confidence_pct(&self) -> i64 {
        self.confidence.unwrap_or(95)
    }

    /// A representative point: the ellipse centre or the polygon's vertex mean.
    pub fn center(&self) -> Option<GeoPoint> {
        if let Some(e) = &self.point {
            return Some(e.center);
        }
        let r = self.region.as_ref()?;
        let pts = if r.exterior.len() > 1 && r.exterior.first() == r.exterior.last() {
            &r.exterior[..r.exterior.len() - 1]
        } else {
            &r.exterior[..]
        };
        if pts.is_empty() {
            return None;
        }
        let n = pts.len() as f64;
        Some(GeoPoint {
            latitude: pts.iter().map(|p| p.latitude).sum::<f64>() / n,
            longitude: pts.iter().map(|p| p.longitude).sum::<f64>() / n,
        })
    }

    /// Horizontal uncertainty radius, metres: the semi-major axis of a point, or the largest
    /// distance from the centre to a vertex of a polygon.
    pub fn uncertainty_m(&self) -> f64 {
        if let Some(e) = &self.point {
            return e.semi_major_axis.unwrap_or(0.0).max(0.0);
        }
        match (self.center(), &self.region) {
            (Some(c), Some(r)) => r
                .exterior
                .iter()
                .map(|p| haversine_m(c, *p))
                .fold(0.0, f64::max),
            _ => 0.0,
        }
    }
}

/// Mean Earth radius, metres (IUGG).
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance between two points, metres (haversine on the mean sphere).
pub fn haversine_m(a: GeoPoint, b: GeoPoint) -> f64 {
    let (p1, p2) = (a.latitude.to_radians(), b.latitude.to_radians());
    let dp = p2 - p1;
    let dl = (b.longitude - a.longitude).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// Device descriptor (RFC 7545 §5.2), with the FCC (§9.2.1) and ETSI (§9.2.2) ruleset
/// parameters.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceDescriptor {
    /// Manufacturer's serial number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// Manufacturer id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer_id: Option<String>,
    /// Model id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_id: Option<String>,
    /// Rulesets the device supports, e.g. [`RULESET_FCC`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ruleset_ids: Option<Vec<String>>,
    /// FCC identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fcc_id: Option<String>,
    /// FCC device type: `FIXED`, `MODE_1` or `MODE_2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fcc_tvbd_device_type: Option<String>,
    /// ETSI device type: `A` (fixed) or `B` (portable/mobile).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etsi_en_device_type: Option<String>,
    /// ETSI emission class `"1"`…`"5"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etsi_en_device_emissions_class: Option<String>,
    /// ETSI technology identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etsi_en_technology_id: Option<String>,
    /// ETSI device category: `master` or `slave`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etsi_en_device_category: Option<String>,
}

/// Antenna characteristics (RFC 7545 §5.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AntennaCharacteristics {
    /// Antenna height, metres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<f64>,
    /// `AGL` (default) or `AMSL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height_type: Option<String>,
    /// Height uncertainty, metres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height_uncertainty: Option<f64>,
}

/// A frequency range `[startHz, stopHz)` (RFC 7545 §5.4).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FrequencyRange {
    /// Inclusive start, Hz.
    pub start_hz: f64,
    /// Exclusive stop, Hz.
    pub stop_hz: f64,
}

/// Device capabilities (RFC 7545 §5.5).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceCapabilities {
    /// Frequency ranges the device can use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency_ranges: Option<Vec<FrequencyRange>>,
}

/// Device owner (RFC 7545 §5.6): jCard (RFC 7095) objects, kept as JSON.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DeviceOwner {
    /// Owner's vCard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Value>,
    /// Operator's vCard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<Value>,
}

/// Ruleset information (RFC 7545 §5.7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RulesetInfo {
    /// Regulatory domain, ISO 3166 country code (`US`, `GB`, …).
    pub authority: String,
    /// Ruleset id.
    pub ruleset_id: String,
    /// Distance the device may move before it must re-query, metres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_location_change: Option<f64>,
    /// Longest interval between queries, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_polling_secs: Option<i64>,
}

/// A database's name and URI (RFC 7545 §5.8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatabaseSpec {
    /// Display name.
    pub name: String,
    /// Base URI.
    pub uri: String,
}

/// Database-change notice (RFC 7545 §5.8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DbUpdateSpec {
    /// Replacement databases (non-empty).
    pub databases: Vec<DatabaseSpec>,
}

/// A time interval with PAWS timestamps (RFC 7545 §5.14).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventTime {
    /// Inclusive start, `YYYY-MM-DDThh:mm:ssZ`.
    pub start_time: String,
    /// Exclusive stop, `YYYY-MM-DDThh:mm:ssZ`.
    pub stop_time: String,
}

/// One point of a spectrum profile (RFC 7545 §5.13).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpectrumProfilePoint {
    /// Frequency, Hz.
    pub hz: f64,
    /// Maximum power spectral density, dBm per `resolutionBwHz`.
    pub dbm: f64,
}

/// Power limits at one resolution bandwidth (RFC 7545 §5.11).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Spectrum {
    /// Resolution bandwidth, Hz (e.g. 6e6, 8e6, 100e3).
    pub resolution_bw_hz: f64,
    /// Disjoint piecewise-linear profiles; outside every profile there is no spectrum.
    pub profiles: Vec<Vec<SpectrumProfilePoint>>,
}

/// Spectrum available over one time interval (RFC 7545 §5.10).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpectrumSchedule {
    /// When.
    pub event_time: EventTime,
    /// Power limits; several resolution bandwidths are simultaneous constraints.
    pub spectra: Vec<Spectrum>,
}

/// Available spectrum under one ruleset (RFC 7545 §5.9).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpectrumSpec {
    /// The ruleset.
    pub ruleset_info: RulesetInfo,
    /// Disjoint schedules in time order.
    pub spectrum_schedules: Vec<SpectrumSchedule>,
    /// Time range the response covers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_range: Option<EventTime>,
    /// Frequency ranges the database considered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency_ranges: Option<Vec<FrequencyRange>>,
    /// Whether the device must send SPECTRUM_USE_NOTIFY.
    pub needs_spectrum_report: bool,
    /// Maximum total bandwidth the device may use, Hz.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_total_bw_hz: Option<f64>,
    /// Maximum contiguous bandwidth, Hz.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_contiguous_bw_hz: Option<f64>,
}

/// Spectrum specs for one location of a batch (RFC 7545 §5.12).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GeoSpectrumSpec {
    /// The location.
    pub location: GeoLocation,
    /// Its spectrum.
    pub spectrum_specs: Vec<SpectrumSpec>,
}

/// Validity of one device (RFC 7545 §5.16).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceValidity {
    /// The device.
    pub device_desc: DeviceDescriptor,
    /// Whether it may operate.
    pub is_valid: bool,
    /// Why not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

macro_rules! message {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $f:ident : $t:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            /// Message type, e.g. `AVAIL_SPECTRUM_REQ`.
            #[serde(rename = "type")]
            pub kind: String,
            /// Protocol version, [`PAWS_VERSION`].
            pub version: String,
            $($(#[$fm])* pub $f: $t,)*
        }
    };
}

message!(
    /// INIT_REQ (RFC 7545 §4.3.1).
    InitReq {
        /// The device.
        device_desc: DeviceDescriptor,
        /// Where it is.
        location: GeoLocation,
    }
);

message!(
    /// INIT_RESP (RFC 7545 §4.3.2).
    InitResp {
        /// Rulesets the database applies to this device.
        ruleset_infos: Vec<RulesetInfo>,
        /// Database change notice.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        database_change: Option<DbUpdateSpec>,
    }
);

message!(
    /// REGISTRATION_REQ (RFC 7545 §4.4.1).
    RegistrationReq {
        /// The device.
        device_desc: DeviceDescriptor,
        /// Where it is.
        location: GeoLocation,
        /// Owner and operator (required by the FCC ruleset for fixed devices).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        device_owner: Option<DeviceOwner>,
        /// Antenna.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        antenna: Option<AntennaCharacteristics>,
    }
);

message!(
    /// REGISTRATION_RESP (RFC 7545 §4.4.2).
    RegistrationResp {
        /// Rulesets applied.
        ruleset_infos: Vec<RulesetInfo>,
        /// Database change notice.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        database_change: Option<DbUpdateSpec>,
    }
);

message!(
    /// AVAIL_SPECTRUM_REQ (RFC 7545 §4.5.1).
    AvailSpectrumReq {
        /// The device.
        device_desc: DeviceDescriptor,
        /// Where it is.
        location: GeoLocation,
        /// Owner (optional here).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<DeviceOwner>,
        /// Antenna (FCC fixed devices: required for HAAT).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        antenna: Option<AntennaCharacteristics>,
        /// Master of a slave device.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        master_device_desc: Option<DeviceDescriptor>,
        /// Master's location.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        master_device_location: Option<GeoLocation>,
        /// Capabilities.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        capabilities: Option<DeviceCapabilities>,
        /// Request modifier (`"Generic Slave"` in ETSI).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_type: Option<String>,
    }
);

message!(
    /// AVAIL_SPECTRUM_RESP (RFC 7545 §4.5.2).
    AvailSpectrumResp {
        /// When the response was generated.
        timestamp: String,
        /// The device.
        device_desc: DeviceDescriptor,
        /// Available spectrum per ruleset.
        spectrum_specs: Vec<SpectrumSpec>,
        /// Database change notice.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        database_change: Option<DbUpdateSpec>,
    }
);

message!(
    /// AVAIL_SPECTRUM_BATCH_REQ (RFC 7545 §4.5.3).
    AvailSpectrumBatchReq {
        /// The device.
        device_desc: DeviceDescriptor,
        /// Locations.
        locations: Vec<GeoLocation>,
        /// Owner.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<DeviceOwner>,
        /// Antenna.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        antenna: Option<AntennaCharacteristics>,
        /// Master of a slave device.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        master_device_desc: Option<DeviceDescriptor>,
        /// Capabilities.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        capabilities: Option<DeviceCapabilities>,
        /// Request modifier.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_type: Option<String>,
    }
);

message!(
    /// AVAIL_SPECTRUM_BATCH_RESP (RFC 7545 §4.5.4).
    AvailSpectrumBatchResp {
        /// When generated.
        timestamp: String,
        /// The device.
        device_desc: DeviceDescriptor,
        /// One entry per answered location.
        geo_spectrum_specs: Vec<GeoSpectrumSpec>,
        /// Database change notice.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        database_change: Option<DbUpdateSpec>,
    }
);

message!(
    /// SPECTRUM_USE_NOTIFY (RFC 7545 §4.5.5).
    SpectrumUseNotify {
        /// The device.
        device_desc: DeviceDescriptor,
        /// Where it is (required for masters).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        location: Option<GeoLocation>,
        /// Master of a slave device.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        master_device_desc: Option<DeviceDescriptor>,
        /// The spectrum it will use.
        spectra: Vec<Spectrum>,
    }
);

message!(
    /// SPECTRUM_USE_RESP (RFC 7545 §4.5.6).
    SpectrumUseResp {
        /// Database change notice.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        database_change: Option<DbUpdateSpec>,
    }
);

message!(
    /// DEV_VALID_REQ (RFC 7545 §4.6.1).
    DevValidReq {
        /// Devices to check.
        device_descs: Vec<DeviceDescriptor>,
        /// Master asking.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        master_device_desc: Option<DeviceDescriptor>,
    }
);

message!(
    /// DEV_VALID_RESP (RFC 7545 §4.6.2).
    DevValidResp {
        /// One per device, in request order.
        device_validities: Vec<DeviceValidity>,
        /// Database change notice.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        database_change: Option<DbUpdateSpec>,
    }
);

/// Header of a message of `method`'s response type (`type`, `version`).
pub fn response_header(method: Method) -> (String, String) {
    (method.response_type().to_owned(), PAWS_VERSION.to_owned())
}

/// Required parameters of each request, as dotted paths (RFC 7545 §4, "REQUIRED" fields),
/// checked against raw JSON so that a MISSING error can list every absent name at once.
///
/// Entries ending in `[]` are arrays whose elements are checked against the sub-paths that
/// follow (`locations[].point...` is handled by checking each location). Returns the dotted
/// names of the missing ones, e.g. `["deviceDesc.serialNumber", "location"]`.
pub fn missing_params(method: Method, params: &Map<String, Value>) -> Vec<String> {
    let mut missing = Vec::new();
    let mut need = |path: &str| {
        if !present(params, path) {
            missing.push(path.to_owned());
        }
    };
    need("type");
    need("version");
    match method {
        Method::Init => {
            need("deviceDesc");
            need("location");
        }
        Method::Register => {
            need("deviceDesc");
            need("location");
        }
        Method::GetSpectrum => {
            need("deviceDesc");
            need("location");
        }
        Method::GetSpectrumBatch => {
            need("deviceDesc");
            need("locations");
        }
        Method::NotifySpectrumUse => {
            need("deviceDesc");
            need("spectra");
        }
        Method::VerifyDevice => {
            need("deviceDescs");
        }
    }
    // Nested requirements of the present parts.
    if matches!(
        method,
        Method::Init | Method::Register | Method::GetSpectrum | Method::GetSpectrumBatch
    ) || params.contains_key("deviceDesc")
    {
        if let Some(Value::Object(_)) = params.get("deviceDesc") {
            need("deviceDesc.serialNumber");
        }
    }
    if let Some(Value::Object(loc)) = params.get("location") {
        missing.extend(missing_in_location(loc, "location"));
    }
    if let Some(Value::Array(locs)) = params.get("locations") {
        for (i, l) in locs.iter().enumerate() {
            if let Value::Object(loc) = l {
                missing.extend(missing_in_location(loc, &format!("locations[{i}]")));
            }
        }
    }
    if let Some(Value::Array(devs)) = params.get("deviceDescs") {
        for (i, d) in devs.iter().enumerate() {
            if let Value::Object(dev) = d {
                if !dev.contains_key("serialNumber") {
                    missing.push(format!("deviceDescs[{i}].serialNumber"));
                }
            }
        }
    }
    missing
}

fn missing_in_location(loc: &Map<String, Value>, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    match (loc.get("point"), loc.get("region")) {
        (None, None) => out.push(format!("{prefix}.point")),
        (Some(Value::Object(p)), _) => match p.get("center") {
            None => out.push(format!("{prefix}.point.center")),
            Some(Value::Object(c)) => {
                for k in ["latitude", "longitude"] {
                    if !c.contains_key(k) {
                        out.push(format!("{prefix}.point.center.{k}"));
                    }
                }
            }
            Some(_) => {}
        },
        (_, Some(Value::Object(r))) if !r.contains_key("exterior") => {
            out.push(format!("{prefix}.region.exterior"));
        }
        _ => {}
    }
    out
}

fn present(obj: &Map<String, Value>, dotted: &str) -> bool {
    let mut cur = obj;
    let mut parts = dotted.split('.').peekable();
    while let Some(p) = parts.next() {
        match cur.get(p) {
            None | Some(Value::Null) => return false,
            Some(Value::Object(m)) => cur = m,
            Some(_) => return parts.peek().is_none(),
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_names_and_types() {
        for m in Method::ALL {
            assert_eq!(Method::from_name(m.name()), Some(m));
        }
        assert_eq!(Method::GetSpectrum.request_type(), "AVAIL_SPECTRUM_REQ");
        assert_eq!(
            Method::NotifySpectrumUse.response_type(),
            "SPECTRUM_USE_RESP"
        );
        assert_eq!(Method::from_name("spectrum.paws.nope"), None);
    }

    #[test]
    fn error_codes_rfc7545_table() {
        let table = [
            (ErrorCode::Version, -101, "VERSION"),
            (ErrorCode::Unsupported, -102, "UNSUPPORTED"),
            (ErrorCode::Unimplemented, -103, "UNIMPLEMENTED"),
            (ErrorCode::OutsideCoverage, -104, "OUTSIDE_COVERAGE"),
            (ErrorCode::DatabaseChange, -105, "DATABASE_CHANGE"),
            (ErrorCode::Missing, -201, "MISSING"),
            (ErrorCode::InvalidValue, -202, "INVALID_VALUE"),
            (ErrorCode::Unauthorized, -301, "UNAUTHORIZED"),
            (ErrorCode::NotRegistered, -302, "NOT_REGISTERED"),
        ];
        for (c, n, name) in table {
            assert_eq!(c.code(), n);
            assert_eq!(c.name(), name);
            assert_eq!(ErrorCode::from_code(n), Some(c));
        }
        for r in [0, -100, -200, -300, -32000, -32768] {
            assert!(is_reserved_code(r), "{r}");
            assert_eq!(ErrorCode::from_code(r), None);
        }
        assert!(!is_reserved_code(-32700));
    }

    #[test]
    fn unknown_fields_ignored() {
        let j = serde_json::json!({
            "type": "INIT_REQ", "version": "1.0", "futureField": [1, 2],
            "deviceDesc": {"serialNumber": "s1", "vendorThing": true, "rulesetIds": [RULESET_FCC]},
            "location": {"point": {"center": {"latitude": 1.0, "longitude": 2.0, "alt": 3}}}
        });
        let r: InitReq = serde_json::from_value(j).unwrap();
        assert_eq!(r.device_desc.serial_number.as_deref(), Some("s1"));
        assert_eq!(r.location.center().unwrap().longitude, 2.0);
        assert_eq!(r.location.confidence_pct(), 95);
    }

    #[test]
    fn missing_lists_dotted_names() {
        let j = serde_json::json!({
            "type": "AVAIL_SPECTRUM_REQ",
            "deviceDesc": {"fccId": "X"},
            "location": {"point": {"center": {"latitude": 1.0}}}
        });
        let m = missing_params(Method::GetSpectrum, j.as_object().unwrap());
        assert_eq!(
            m,
            [
                "version",
                "deviceDesc.serialNumber",
                "location.point.center.longitude"
            ]
        );
        let e = RpcError::missing(m);
        assert_eq!(e.code, -201);
        assert_eq!(
            e.data.unwrap()["missing"][1],
            Value::from("deviceDesc.serialNumber")
        );
    }

    #[test]
    fn envelope_round_trip() {
        let req = InitReq {
            kind: "INIT_REQ".into(),
            version: PAWS_VERSION.into(),
            device_desc: DeviceDescriptor {
                serial_number: Some("abc".into()),
                ..Default::default()
            },
            location: GeoLocation::point(45.0, -120.0),
        };
        let rpc = RpcRequest::new(Method::Init, &req, "x1");
        let text = serde_json::to_string(&rpc).unwrap();
        let back: RpcRequest = serde_json::from_str(&text).unwrap();
        assert_eq!(back.method, "spectrum.paws.init");
        let again: InitReq = serde_json::from_value(back.params).unwrap();
        assert_eq!(again, req);
    }

    #[test]
    fn haversine_one_degree() {
        let d = haversine_m(
            GeoPoint {
                latitude: 0.0,
                longitude: 0.0,
            },
            GeoPoint {
                latitude: 1.0,
                longitude: 0.0,
            },
        );
        assert!((d - 111_195.0).abs() < 10.0, "{d}");
    }
}
