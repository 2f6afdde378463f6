//! JSON-RPC 2.0 dispatch of the six PAWS methods, independent of HTTP.
//!
//! [`Service::handle_body`] takes the raw request body and the current time and always
//! returns a JSON-RPC response: malformed JSON → -32700, not a request object → -32600,
//! unknown method → -32601, `params` not an object → -32602, wrong version → VERSION
//! (-101), absent required parameters → MISSING (-201) listing every dotted name, wrong
//! types or values → INVALID_VALUE (-202), then the PAWS outcomes (UNSUPPORTED,
//! OUTSIDE_COVERAGE, NOT_REGISTERED, …). It never panics on input (a proptest checks).

use std::sync::Mutex;

use mac::spectrum::paws::{
    self as paws, AntennaCharacteristics, AvailSpectrumBatchReq, AvailSpectrumBatchResp,
    AvailSpectrumReq, AvailSpectrumResp, DevValidReq, DevValidResp, DeviceDescriptor,
    DeviceValidity, ErrorCode, EventTime, GeoLocation, GeoSpectrumSpec, InitReq, InitResp, Method,
    RegistrationReq, RegistrationResp, RpcError, RpcResponse, SpectrumSchedule, SpectrumSpec,
    SpectrumUseNotify, SpectrumUseResp, PAWS_VERSION,
};
use mac::spectrum::{timestamp, validate};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::config::Ruleset;
use crate::db::{Database, DeviceClass, Query, QueryError};
use crate::store::{Registration, Store};

/// The PAWS service: database, registration store and counters.
#[derive(Debug)]
pub struct Service {
    /// The availability engine.
    pub db: Database,
    store: Mutex<Store>,
    notifications: Mutex<u64>,
}

type RpcResult = Result<Value, RpcError>;

fn invalid(msg: impl Into<String>) -> RpcError {
    RpcError::new(ErrorCode::InvalidValue, msg)
}

impl Service {
    /// A service over a database and a store.
    pub fn new(db: Database, store: Store) -> Self {
        Service {
            db,
            store: Mutex::new(store),
            notifications: Mutex::new(0),
        }
    }

    /// Number of registrations held.
    pub fn registrations(&self) -> usize {
        self.store.lock().map(|s| s.len()).unwrap_or(0)
    }

    /// Number of spectrum-use notifications received.
    pub fn notifications(&self) -> u64 {
        self.notifications.lock().map(|n| *n).unwrap_or(0)
    }

    /// Handle one request body at time `now_s` (Unix s).
    pub fn handle_body(&self, body: &[u8], now_s: i64) -> RpcResponse {
        let v: Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => {
                return RpcResponse::err(
                    Value::Null,
                    RpcError::new(ErrorCode::ParseError, format!("parse error: {e}")),
                )
            }
        };
        self.handle_value(v, now_s)
    }

    /// Handle one parsed request.
    pub fn handle_value(&self, v: Value, now_s: i64) -> RpcResponse {
        let Value::Object(mut obj) = v else {
            return RpcResponse::err(
                Value::Null,
                RpcError::new(
                    ErrorCode::InvalidRequest,
                    "a request must be one JSON-RPC 2.0 object (batches are not supported)",
                ),
            );
        };
        let id = match obj.remove("id") {
            Some(id @ (Value::String(_) | Value::Number(_) | Value::Null)) => id,
            None => Value::Null,
            Some(_) => {
                return RpcResponse::err(
                    Value::Null,
                    RpcError::new(ErrorCode::InvalidRequest, "id must be a string or number"),
                )
            }
        };
        if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
            return RpcResponse::err(
                id,
                RpcError::new(ErrorCode::InvalidRequest, "jsonrpc must be \"2.0\""),
            );
        }
        let Some(name) = obj.get("method").and_then(Value::as_str) else {
            return RpcResponse::err(
                id,
                RpcError::new(ErrorCode::InvalidRequest, "method must be a string"),
            );
        };
        let Some(method) = Method::from_name(name) else {
            return RpcResponse::err(
                id,
                RpcError::new(ErrorCode::MethodNotFound, format!("no method '{name}'")),
            );
        };
        let params = match obj.remove("params") {
            Some(Value::Object(p)) => p,
            None => Map::new(),
            Some(_) => {
                return RpcResponse::err(
                    id,
                    RpcError::new(ErrorCode::InvalidParams, "params must be an object"),
                )
            }
        };
        match self.dispatch(method, params, now_s) {
            Ok(result) => RpcResponse {
                jsonrpc: "2.0".into(),
                result: Some(result),
                error: None,
                id,
            },
            Err(e) => RpcResponse::err(id, e),
        }
    }

    fn dispatch(&self, method: Method, params: Map<String, Value>, now: i64) -> RpcResult {
        if let Some(v) = params.get("version") {
            if v.as_str() != Some(PAWS_VERSION) {
                return Err(RpcError::new(
                    ErrorCode::Version,
                    format!("version {v} is not supported; this database speaks \"1.0\""),
                ));
            }
        }
        let missing = paws::missing_params(method, &params);
        if !missing.is_empty() {
            return Err(RpcError::missing(missing));
        }
        if params.get("type").and_then(Value::as_str) != Some(method.request_type()) {
            return Err(invalid(format!(
                "type must be \"{}\" for {}",
                method.request_type(),
                method.name()
            )));
        }
        match method {
            Method::Init => self.init(typed(params)?),
            Method::Register => self.register(typed(params)?, now),
            Method::GetSpectrum => self.get_spectrum(typed(params)?, now),
            Method::GetSpectrumBatch => self.get_spectrum_batch(typed(params)?, now),
            Method::NotifySpectrumUse => self.notify(typed(params)?),
            Method::VerifyDevice => self.verify(typed(params)?),
        }
    }

    fn ruleset_id(&self) -> &'static str {
        match self.db.config.ruleset {
            Ruleset::Fcc => paws::RULESET_FCC,
            Ruleset::Etsi => paws::RULESET_ETSI,
        }
    }

    /// UNSUPPORTED unless the device lists our ruleset (absent list = ours); MISSING for
    /// the ruleset-specific descriptor fields (RFC 7545 §9.2).
    fn check_device(&self, d: &DeviceDescriptor, path: &str) -> Result<DeviceClass, RpcError> {
        validate::device_desc(path, d).map_err(|v| v.to_rpc_error())?;
        if let Some(ids) = &d.ruleset_ids {
            if !ids.iter().any(|r| r == self.ruleset_id()) {
                return Err(RpcError::new(
                    ErrorCode::Unsupported,
                    format!(
                        "this database applies {} only; the device supports {ids:?}",
                        self.ruleset_id()
                    ),
                ));
            }
        }
        let mut missing = Vec::new();
        let class = match self.db.config.ruleset {
            Ruleset::Fcc => {
                if d.fcc_id.is_none() {
                    missing.push(format!("{path}.fccId"));
                }
                match d.fcc_tvbd_device_type.as_deref() {
                    None => {
                        missing.push(format!("{path}.fccTvbdDeviceType"));
                        DeviceClass::Fixed
                    }
                    Some("FIXED") => DeviceClass::Fixed,
                    Some("MODE_1" | "MODE_2") => DeviceClass::Portable,
                    Some(other) => {
                        return Err(invalid(format!(
                            "{path}.fccTvbdDeviceType '{other}': FIXED, MODE_1 or MODE_2"
                        )))
                    }
                }
            }
            Ruleset::Etsi => {
                for (v, n) in [
                    (&d.etsi_en_device_type, "etsiEnDeviceType"),
                    (
                        &d.etsi_en_device_emissions_class,
                        "etsiEnDeviceEmissionsClass",
                    ),
                    (&d.etsi_en_technology_id, "etsiEnTechnologyId"),
                    (&d.etsi_en_device_category, "etsiEnDeviceCategory"),
                ] {
                    if v.is_none() {
                        missing.push(format!("{path}.{n}"));
                    }
                }
                match d.etsi_en_device_type.as_deref() {
                    Some("A") | None => DeviceClass::Fixed,
                    Some("B") => DeviceClass::Portable,
                    Some(o) => {
                        return Err(invalid(format!("{path}.etsiEnDeviceType '{o}': A or B")))
                    }
                }
            }
        };
        if !missing.is_empty() {
            return Err(RpcError::missing(missing));
        }
        Ok(class)
    }

    fn emission_class(&self, d: &DeviceDescriptor) -> Result<u8, RpcError> {
        match d.etsi_en_device_emissions_class.as_deref() {
            None => Ok(5),
            Some(s) => s
                .parse::<u8>()
                .ok()
                .filter(|c| (1..=5).contains(c))
                .ok_or_else(|| invalid(format!("etsiEnDeviceEmissionsClass '{s}': 1…5"))),
        }
    }

    fn init(&self, r: InitReq) -> RpcResult {
        self.check_device(&r.device_desc, "deviceDesc")?;
        validate::geolocation("location", &r.location).map_err(|v| v.to_rpc_error())?;
        self.check_coverage(&r.location)?;
        let (kind, version) = paws::response_header(Method::Init);
        ok(&InitResp {
            kind,
            version,
            ruleset_infos: vec![self.db.ruleset_info()],
            database_change: None,
        })
    }

    fn check_coverage(&self, loc: &GeoLocation) -> Result<(), RpcError> {
        let c = loc
            .center()
            .ok_or_else(|| invalid("location has no point"))?;
        if !self.db.config.coverage.contains(c.latitude, c.longitude) {
            return Err(RpcError::new(
                ErrorCode::OutsideCoverage,
                format!(
                    "{:.5}, {:.5} is outside the area this database serves",
                    c.latitude, c.longitude
                ),
            ));
        }
        Ok(())
    }

    fn register(&self, r: RegistrationReq, now: i64) -> RpcResult {
        let class = self.check_device(&r.device_desc, "deviceDesc")?;
        validate::geolocation("location", &r.location).map_err(|v| v.to_rpc_error())?;
        if self.db.config.ruleset == Ruleset::Fcc && class == DeviceClass::Fixed {
            let mut missing = Vec::new();
            if r.device_owner
                .as_ref()
                .and_then(|o| o.owner.as_ref())
                .is_none()
            {
                missing.push("deviceOwner.owner".to_owned());
            }
            if r.antenna.as_ref().and_then(|a| a.height).is_none() {
                missing.push("antenna.height".to_owned());
            }
            if !missing.is_empty() {
                return Err(RpcError::missing(missing));
            }
        }
        self.check_coverage(&r.location)?;
        let reg = Registration {
            device_desc: r.device_desc,
            location: r.location,
            device_owner: r.device_owner,
            antenna: r.antenna,
            registered_at_s: now,
        };
        self.store
            .lock()
            .map_err(|_| RpcError::new(ErrorCode::InternalError, "store lock poisoned"))?
            .put(reg)
            .map_err(|e| RpcError::new(ErrorCode::InternalError, e.to_string()))?;
        let (kind, version) = paws::response_header(Method::Register);
        ok(&RegistrationResp {
            kind,
            version,
            ruleset_infos: vec![self.db.ruleset_info()],
            database_change: None,
        })
    }

    fn height_agl(
        &self,
        a: Option<&AntennaCharacteristics>,
        loc: &GeoLocation,
        class: DeviceClass,
    ) -> Result<f64, RpcError> {
        let Some(h) = a.and_then(|a| a.height) else {
            return match class {
                DeviceClass::Fixed if self.db.config.ruleset == Ruleset::Fcc => {
                    Err(RpcError::missing(vec!["antenna.height".into()]))
                }
                _ => Ok(1.5),
            };
        };
        if !h.is_finite() {
            return Err(invalid("antenna.height must be finite"));
        }
        match a.and_then(|a| a.height_type.as_deref()) {
            None | Some("AGL") => Ok(h),
            Some("AMSL") => {
                let c = loc
                    .center()
                    .ok_or_else(|| invalid("location has no point"))?;
                let g = self.db.ground_m(c.latitude, c.longitude).unwrap_or(0.0);
                Ok(h - g)
            }
            Some(o) => Err(invalid(format!("antenna.heightType '{o}': AGL or AMSL"))),
        }
    }

    fn spec_for(
        &self,
        d: &DeviceDescriptor,
        class: DeviceClass,
        loc: &GeoLocation,
        antenna: Option<&AntennaCharacteristics>,
        now: i64,
    ) -> Result<SpectrumSpec, RpcError> {
        let c = loc
            .center()
            .ok_or_else(|| invalid("location has no point"))?;
        let q = Query {
            lat_deg: c.latitude,
            lon_deg: c.longitude,
            height_agl_m: self.height_agl(antenna, loc, class)?,
            uncertainty_m: loc.uncertainty_m(),
            class,
            emission_class: self.emission_class(d)?,
        };
        let a = self.db.available(&q).map_err(|e| match e {
            QueryError::OutsideCoverage(..) => {
                RpcError::new(ErrorCode::OutsideCoverage, e.to_string())
            }
            _ => {
                let mut r = invalid(e.to_string());
                r.data = Some(serde_json::json!({ "invalid": ["antenna.height"] }));
                r
            }
        })?;
        let start = timestamp::format(now);
        let stop = timestamp::format(now + self.db.config.schedule_s);
        let (lo, hi) = self.db.raster.channels();
        let (flo, _) = self.db.raster.edges_hz(lo).unwrap_or((0.0, 0.0));
        let (_, fhi) = self.db.raster.edges_hz(hi).unwrap_or((0.0, 0.0));
        Ok(SpectrumSpec {
            ruleset_info: self.db.ruleset_info(),
            spectrum_schedules: vec![SpectrumSchedule {
                event_time: EventTime {
                    start_time: start.clone(),
                    stop_time: stop.clone(),
                },
                spectra: self.db.spectra(&a),
            }],
            time_range: Some(EventTime {
                start_time: start,
                stop_time: stop,
            }),
            frequency_ranges: Some(vec![paws::FrequencyRange {
                start_hz: flo,
                stop_hz: fhi,
            }]),
            needs_spectrum_report: self.db.config.ruleset == Ruleset::Etsi,
            max_total_bw_hz: None,
            max_contiguous_bw_hz: None,
        })
    }

    fn require_registered(&self, d: &DeviceDescriptor, class: DeviceClass) -> Result<(), RpcError> {
        if self.db.config.ruleset == Ruleset::Fcc
            && class == DeviceClass::Fixed
            && self.db.config.require_registration
        {
            let known = self
                .store
                .lock()
                .map_err(|_| RpcError::new(ErrorCode::InternalError, "store lock poisoned"))?
                .get(d)
                .is_some();
            if !known {
                return Err(RpcError::new(
                    ErrorCode::NotRegistered,
                    "fixed devices must register (spectrum.paws.register) before asking for spectrum",
                ));
            }
        }
        Ok(())
    }

    fn get_spectrum(&self, r: AvailSpectrumReq, now: i64) -> RpcResult {
        let class = self.check_device(&r.device_desc, "deviceDesc")?;
        validate::geolocation("location", &r.location).map_err(|v| v.to_rpc_error())?;
        self.check_coverage(&r.location)?;
        self.require_registered(&r.device_desc, class)?;
        let spec = self.spec_for(&r.device_desc, class, &r.location, r.antenna.as_ref(), now)?;
        let (kind, version) = paws::response_header(Method::GetSpectrum);
        ok(&AvailSpectrumResp {
            kind,
            version,
            timestamp: timestamp::format(now),
            device_desc: r.device_desc,
            spectrum_specs: vec![spec],
            database_change: None,
        })
    }

    fn get_spectrum_batch(&self, r: AvailSpectrumBatchReq, now: i64) -> RpcResult {
        let class = self.check_device(&r.device_desc, "deviceDesc")?;
        if r.locations.is_empty() {
            return Err(invalid("locations must not be empty"));
        }
        if r.locations.len() > 1000 {
            return Err(invalid("at most 1000 locations per batch"));
        }
        for (i, l) in r.locations.iter().enumerate() {
            validate::geolocation(&format!("locations[{i}]"), l).map_err(|v| v.to_rpc_error())?;
        }
        self.require_registered(&r.device_desc, class)?;
        let mut out = Vec::new();
        for l in &r.locations {
            match self.spec_for(&r.device_desc, class, l, r.antenna.as_ref(), now) {
                Ok(s) => out.push(GeoSpectrumSpec {
                    location: l.clone(),
                    spectrum_specs: vec![s],
                }),
                Err(e) if e.code == ErrorCode::OutsideCoverage.code() => {}
                Err(e) => return Err(e),
            }
        }
        if out.is_empty() {
            return Err(RpcError::new(
                ErrorCode::OutsideCoverage,
                "no location of the batch is inside this database's coverage",
            ));
        }
        let (kind, version) = paws::response_header(Method::GetSpectrumBatch);
        ok(&AvailSpectrumBatchResp {
            kind,
            version,
            timestamp: timestamp::format(now),
            device_desc: r.device_desc,
            geo_spectrum_specs: out,
            database_change: None,
        })
    }

    fn notify(&self, r: SpectrumUseNotify) -> RpcResult {
        validate::device_desc("deviceDesc", &r.device_desc).map_err(|v| v.to_rpc_error())?;
        if let Some(l) = &r.location {
            validate::geolocation("location", l).map_err(|v| v.to_rpc_error())?;
        } else if r.master_device_desc.is_none() {
            return Err(RpcError::missing(vec!["location".into()]));
        }
        for (i, s) in r.spectra.iter().enumerate() {
            validate::spectrum(&format!("spectra[{i}]"), s).map_err(|v| v.to_rpc_error())?;
        }
        if let Ok(mut n) = self.notifications.lock() {
            *n += 1;
        }
        let (kind, version) = paws::response_header(Method::NotifySpectrumUse);
        ok(&SpectrumUseResp {
            kind,
            version,
            database_change: None,
        })
    }

    fn verify(&self, r: DevValidReq) -> RpcResult {
        if r.device_descs.is_empty() {
            return Err(invalid("deviceDescs must not be empty"));
        }
        let mut v = Vec::with_capacity(r.device_descs.len());
        for (i, d) in r.device_descs.into_iter().enumerate() {
            let reason = match self.check_device(&d, &format!("deviceDescs[{i}]")) {
                Ok(_) => None,
                Err(e) => Some(e.message),
            };
            v.push(DeviceValidity {
                device_desc: d,
                is_valid: reason.is_none(),
                reason,
            });
        }
        let (kind, version) = paws::response_header(Method::VerifyDevice);
        ok(&DevValidResp {
            kind,
            version,
            device_validities: v,
            database_change: None,
        })
    }
}

fn typed<T: DeserializeOwned>(params: Map<String, Value>) -> Result<T, RpcError> {
    serde_json::from_value(Value::Object(params))
        .map_err(|e| invalid(format!("invalid parameter: {e}")))
}

fn ok<T: serde::Serialize>(v: &T) -> RpcResult {
    serde_json::to_value(v).map_err(|e| RpcError::new(ErrorCode::InternalError, e.to_string()))
}
