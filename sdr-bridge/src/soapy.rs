//! SoapySDR devices (feature `soapy`).
//!
//! Needs `libsoapysdr-dev` and `pkg-config` at build time.

/// One SoapySDR device found by enumeration, as key=value arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    pub args: Vec<(String, String)>,
}

/// Enumerate the SoapySDR devices matching `filter` (e.g. `"driver=lime"`, or `""` for all).
///
/// # Errors
/// The SoapySDR error text when enumeration fails.
pub fn enumerate(filter: &str) -> Result<Vec<DeviceInfo>, String> {
    let list = soapysdr::enumerate(filter).map_err(|e| e.to_string())?;
    Ok(list
        .into_iter()
        .map(|a| DeviceInfo {
            args: a
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    /// Enumeration with a driver that cannot exist must succeed with no devices: this checks
    /// that the library links and its module loader runs.
    #[test]
    fn enumerate_unknown_driver_is_empty() {
        let found = super::enumerate("driver=lastmile-no-such-driver").unwrap();
        assert!(found.is_empty());
    }
}
