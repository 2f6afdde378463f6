//! Incumbent inputs: TV transmitters from CSV.
//!
//! Columns are found by name (extra ones ignored, `#` starts a comment line):
//! `id, lat_deg, lon_deg, channel, erp_kw, haat_m` required; `call_sign`, `height_agl_m`
//! (default: `haat_m`) optional. Antennas are taken as omnidirectional.

use std::path::Path;

use crate::Error;

/// A TV transmitter to protect.
#[derive(Debug, Clone, PartialEq)]
pub struct TvStation {
    /// Identifier (facility id or any unique text).
    pub id: String,
    /// Call sign.
    pub call_sign: String,
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// TV channel (raster of the ruleset).
    pub channel: u32,
    /// Effective radiated power (relative to a half-wave dipole), kW.
    pub erp_kw: f64,
    /// Antenna height above average terrain, m.
    pub haat_m: f64,
    /// Antenna height above ground, m.
    pub height_agl_m: f64,
}

/// Parse stations CSV text. `channels` is the valid channel range of the raster.
///
/// # Errors
/// [`Error::Stations`] naming the line and column of the first problem.
pub fn parse_stations_csv(
    text: &str,
    source: &str,
    channels: (u32, u32),
) -> Result<Vec<TvStation>, Error> {
    let err = |line: usize, what: String| Error::Stations {
        path: source.to_owned(),
        line,
        what,
    };
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let (hline, header) = lines.next().ok_or_else(|| err(1, "empty file".into()))?;
    let cols: Vec<String> = header.split(',').map(|s| s.trim().to_owned()).collect();
    let find = |name: &str| cols.iter().position(|c| c == name);
    let need = |name: &str| find(name).ok_or_else(|| err(hline + 1, format!("no column '{name}'")));
    let (ci, clat, clon, cch, cerp, chaat) = (
        need("id")?,
        need("lat_deg")?,
        need("lon_deg")?,
        need("channel")?,
        need("erp_kw")?,
        need("haat_m")?,
    );
    let (ccall, cagl) = (find("call_sign"), find("height_agl_m"));
    let mut out = Vec::new();
    for (ln, line) in lines {
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        let get = |c: usize, name: &str| {
            f.get(c)
                .copied()
                .ok_or_else(|| err(ln + 1, format!("missing field '{name}'")))
        };
        let num = |c: usize, name: &str| -> Result<f64, Error> {
            let s = get(c, name)?;
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| err(ln + 1, format!("'{name}' = '{s}' is not a number")))
        };
        let channel: u32 = get(cch, "channel")?
            .parse()
            .map_err(|_| err(ln + 1, "'channel' is not an integer".into()))?;
        if channel < channels.0 || channel > channels.1 {
            return Err(err(
                ln + 1,
                format!(
                    "channel {channel} outside {}–{} of this ruleset's raster",
                    channels.0, channels.1
                ),
            ));
        }
        let s = TvStation {
            id: get(ci, "id")?.to_owned(),
            call_sign: ccall
                .and_then(|c| f.get(c))
                .map(|s| s.to_string())
                .unwrap_or_default(),
            lat_deg: num(clat, "lat_deg")?,
            lon_deg: num(clon, "lon_deg")?,
            channel,
            erp_kw: num(cerp, "erp_kw")?,
            haat_m: num(chaat, "haat_m")?,
            height_agl_m: match cagl {
                Some(c) if f.get(c).is_some_and(|s| !s.is_empty()) => num(c, "height_agl_m")?,
                _ => num(chaat, "haat_m")?,
            },
        };
        if !(-90.0..=90.0).contains(&s.lat_deg) || !(-180.0..=180.0).contains(&s.lon_deg) {
            return Err(err(ln + 1, "coordinates out of range".into()));
        }
        if !(s.erp_kw > 0.0 && s.haat_m > 0.0 && s.height_agl_m > 0.0) {
            return Err(err(
                ln + 1,
                "erp_kw, haat_m and height_agl_m must be > 0".into(),
            ));
        }
        out.push(s);
    }
    Ok(out)
}

/// Read a stations CSV file.
///
/// # Errors
/// [`Error::Stations`].
pub fn read_stations(path: &Path, channels: (u32, u32)) -> Result<Vec<TvStation>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Stations {
        path: path.display().to_string(),
        line: 0,
        what: e.to_string(),
    })?;
    parse_stations_csv(&text, &path.display().to_string(), channels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_by_name() {
        let t =
            "# comment\nchannel,id,lat_deg,lon_deg,erp_kw,haat_m,extra\n21,K1,45,-98,100,300,x\n";
        let s = parse_stations_csv(t, "t", (14, 36)).unwrap();
        assert_eq!(s[0].channel, 21);
        assert_eq!(s[0].height_agl_m, 300.0);
        assert!(parse_stations_csv(&t.replace("21,", "40,"), "t", (14, 36)).is_err());
        assert!(parse_stations_csv(&t.replace(",100,", ",x,"), "t", (14, 36)).is_err());
        assert!(parse_stations_csv("id,lat_deg\n", "t", (14, 36)).is_err());
    }
}
