//! Great-circle geometry on a spherical earth and the path sampler behind
//! [`Terrain::profile`](super::Terrain::profile).
//!
//! The earth is a sphere of radius [`EARTH_RADIUS_M`] = 6 371 000 m (the IUGG mean radius
//! R₁ of WGS84). Against the WGS84 ellipsoid (Vincenty/Karney geodesics) distances differ by up
//! to about 0.5 % and azimuths by a few tenths of a degree; for profiles of tens of km sampled
//! at DEM spacing this is well below the DEM's own resolution.
//!
//! Conventions: latitudes and longitudes in degrees (north and east positive), azimuths in
//! degrees clockwise from true north in `[0, 360)`, distances in metres.
//!
//! # References
//! Spherical trigonometry as in Snyder, *Map Projections — A Working Manual*, USGS PP 1395
//! (1987), eqs. 5-3a (haversine distance), 5-4b (azimuth), 5-5/5-6 (destination); the path is
//! sampled as `p(θ) = A·cos θ + T·sin θ` with `A` the start's unit vector and `T` the unit
//! tangent at the start toward the initial azimuth.

/// Mean earth radius used for every great-circle computation, metres.
pub const EARTH_RADIUS_M: f64 = 6_371_000.0;

/// Great-circle (haversine) distance between two points, metres.
pub fn distance_m(lat0_deg: f64, lon0_deg: f64, lat1_deg: f64, lon1_deg: f64) -> f64 {
    let (p0, p1) = (lat0_deg.to_radians(), lat1_deg.to_radians());
    let dp = p1 - p0;
    let dl = (lon1_deg - lon0_deg).to_radians();
    let h = (0.5 * dp).sin().powi(2) + p0.cos() * p1.cos() * (0.5 * dl).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// Initial azimuth of the great circle from point 0 toward point 1, degrees in `[0, 360)`
/// clockwise from north (0 for coincident points).
pub fn azimuth_deg(lat0_deg: f64, lon0_deg: f64, lat1_deg: f64, lon1_deg: f64) -> f64 {
    let (p0, p1) = (lat0_deg.to_radians(), lat1_deg.to_radians());
    let dl = (lon1_deg - lon0_deg).to_radians();
    let y = dl.sin() * p1.cos();
    let x = p0.cos() * p1.sin() - p0.sin() * p1.cos() * dl.cos();
    if x == 0.0 && y == 0.0 {
        return 0.0;
    }
    let az = y.atan2(x).to_degrees();
    if az < 0.0 {
        (az + 360.0) % 360.0
    } else {
        az
    }
}

/// The point `d_m` metres from (lat, lon) along the great circle leaving at `azimuth_deg`:
/// `(lat_deg, lon_deg)` with longitude in `[−180, 180)`.
pub fn destination(lat_deg: f64, lon_deg: f64, azimuth_deg: f64, d_m: f64) -> (f64, f64) {
    let p0 = lat_deg.to_radians();
    let th = azimuth_deg.to_radians();
    let dl = d_m / EARTH_RADIUS_M;
    let sp1 = (p0.sin() * dl.cos() + p0.cos() * dl.sin() * th.cos()).clamp(-1.0, 1.0);
    let p1 = sp1.asin();
    let l = (th.sin() * dl.sin() * p0.cos()).atan2(dl.cos() - p0.sin() * sp1);
    (p1.to_degrees(), wrap_lon(lon_deg + l.to_degrees()))
}

fn wrap_lon(lon: f64) -> f64 {
    if (-180.0..180.0).contains(&lon) {
        lon
    } else {
        (lon + 180.0).rem_euclid(360.0) - 180.0
    }
}

/// A great-circle arc from a start point at an initial azimuth, sampled uniformly.
pub(crate) struct GreatCircle {
    a: [f64; 3],
    t: [f64; 3],
    /// Arc length, radians.
    delta: f64,
    lon0_deg: f64,
}

impl GreatCircle {
    /// Arc of `d_m` metres from (lat, lon) leaving at `azimuth_deg`.
    pub(crate) fn new(lat_deg: f64, lon_deg: f64, azimuth_deg: f64, d_m: f64) -> Self {
        let (sp, cp) = lat_deg.to_radians().sin_cos();
        let (sl, cl) = lon_deg.to_radians().sin_cos();
        let (sa, ca) = azimuth_deg.to_radians().sin_cos();
        let a = [cp * cl, cp * sl, sp];
        let north = [-sp * cl, -sp * sl, cp];
        let east = [-sl, cl, 0.0];
        let t = [
            north[0] * ca + east[0] * sa,
            north[1] * ca + east[1] * sa,
            north[2] * ca + east[2] * sa,
        ];
        GreatCircle {
            a,
            t,
            delta: d_m / EARTH_RADIUS_M,
            lon0_deg: lon_deg,
        }
    }

    /// Call `f(i, lat_deg, lon_deg)` for `n ≥ 2` points at arc fractions `i/(n−1)`, in order,
    /// until it returns `false`. Longitudes are unwrapped to stay within 180° of the start's.
    #[inline]
    pub(crate) fn for_each_point(&self, n: usize, mut f: impl FnMut(usize, f64, f64) -> bool) {
        debug_assert!(n >= 2);
        let dth = self.delta / (n - 1) as f64;
        let (sd, cd) = dth.sin_cos();
        let (mut c, mut s) = (1.0f64, 0.0f64);
        let [ax, ay, az] = self.a;
        let [tx, ty, tz] = self.t;
        for i in 0..n {
            if i % 256 == 0 {
                // Re-anchor the rotation recurrence to keep rounding from accumulating.
                (s, c) = (i as f64 * dth).sin_cos();
            }
            let x = ax * c + tx * s;
            let y = ay * c + ty * s;
            let z = az * c + tz * s;
            let lat = z.atan2((x * x + y * y).sqrt()).to_degrees();
            let mut lon = y.atan2(x).to_degrees();
            let dl = lon - self.lon0_deg;
            if dl > 180.0 {
                lon -= 360.0;
            } else if dl < -180.0 {
                lon += 360.0;
            }
            if !f(i, lat, lon) {
                return;
            }
            (c, s) = (c * cd - s * sd, s * cd + c * sd);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_degree_of_meridian() {
        let d = distance_m(0.0, 0.0, 1.0, 0.0);
        let expect = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        assert!((d - expect).abs() < 1e-6, "{d} vs {expect}");
    }

    #[test]
    fn cardinal_azimuths() {
        assert!((azimuth_deg(10.0, 10.0, 11.0, 10.0) - 0.0).abs() < 1e-9);
        assert!((azimuth_deg(10.0, 10.0, 9.0, 10.0) - 180.0).abs() < 1e-9);
        assert!((azimuth_deg(0.0, 10.0, 0.0, 11.0) - 90.0).abs() < 1e-9);
        assert!((azimuth_deg(0.0, 10.0, 0.0, 9.0) - 270.0).abs() < 1e-9);
        assert_eq!(azimuth_deg(5.0, 5.0, 5.0, 5.0), 0.0);
    }

    #[test]
    fn destination_inverts_distance_and_azimuth() {
        for &(lat, lon, az, d) in &[
            (40.5, -99.5, 37.0, 25_000.0),
            (-33.9, 151.2, 250.0, 1_000_000.0),
            (0.0, 179.9, 90.0, 50_000.0),
        ] {
            let (la, lo) = destination(lat, lon, az, d);
            assert!((distance_m(lat, lon, la, lo) - d).abs() < 1e-6 * d.max(1.0));
            let back = azimuth_deg(lat, lon, la, lo);
            let diff = ((back - az + 540.0) % 360.0 - 180.0).abs();
            assert!(diff < 1e-7, "{back} vs {az}");
        }
        // wraps across the antimeridian
        let (_, lo) = destination(0.0, 179.9, 90.0, 50_000.0);
        assert!(lo < -179.0);
    }

    #[test]
    fn sampled_arc_ends_on_destination() {
        let (lat0, lon0, az, d) = (40.5, -99.5, 123.0, 30_000.0);
        let gc = GreatCircle::new(lat0, lon0, az, d);
        let end = destination(lat0, lon0, az, d);
        let mut pts = Vec::new();
        gc.for_each_point(1001, |_, la, lo| {
            pts.push((la, lo));
            true
        });
        assert_eq!(pts.len(), 1001);
        let (la, lo) = pts[1000];
        assert!((la - end.0).abs() < 1e-10 && (lo - end.1).abs() < 1e-10);
        // uniform spacing
        let d1 = distance_m(pts[0].0, pts[0].1, pts[1].0, pts[1].1);
        let d2 = distance_m(pts[999].0, pts[999].1, pts[1000].0, pts[1000].1);
        assert!((d1 - 30.0).abs() < 1e-6 && (d2 - 30.0).abs() < 1e-6);
    }
}
