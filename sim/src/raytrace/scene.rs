//! The scene: a terrain height field, the triangle mesh built from it (two triangles per grid
//! cell), earth curvature, ground constants and vegetation.
//!
//! # Frames
//! Local east-north-up (ENU) metres about the scene centre. The DEM's latitude/longitude grid is
//! projected with a flat-earth (equirectangular) projection about the centre,
//! `x = (lon − lon0)·cos(lat0)·M`, `y = (lat − lat0)·M` with `M` = [`METRES_PER_DEG`], so the
//! grid stays regular in `x`, `y`. Earth curvature is then applied to the *geometry* through
//! an effective earth radius `k·a` ([`EarthModel`]): each point at horizontal distance `r` from
//! the centre and height `h` is placed on the sphere of radius `k·a + h`, so straight rays in
//! the scene are the refracted rays of a standard atmosphere. [`EarthModel::Flat`] keeps the
//! flat mesh (Sionna RT's terrain scenes).
//!
//! # Triangulation
//! Cell `(i, j)` with corners `a=(i,j)`, `b=(i+1,j)`, `c=(i,j+1)`, `d=(i+1,j+1)` (`i` east,
//! `j` north) is split along `a–d` into `(a,b,d)` and `(a,d,c)`;
//! [`Heightfield::height_at`] interpolates on exactly these triangles, so profiles taken from
//! the height field and rays traced against the mesh see the same surface.
//!
//! # References
//! ITU-R P.527-3 (ground electrical characteristics); ITU-R P.834 / P.453 (effective earth
//! radius factor k = 4/3 for the standard atmosphere).

use super::bvh::{
    Bvh, GridAccel, Hit, PacketStack, Ray, Ray16, Ray8, TraversalStack, PACKET, WIDE,
};
use super::geom::Vec3;
use super::vegetation::Vegetation;
use super::RaytraceError;
use crate::propagation::Ground;
use crate::terrain::Dem;

/// Mean earth radius, metres.
pub const EARTH_RADIUS_M: f64 = 6_371_000.0;
/// Metres per degree of latitude on the mean sphere (π·a/180).
pub const METRES_PER_DEG: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
/// Default scene memory budget: 4 GiB.
pub const DEFAULT_MEMORY_BUDGET_BYTES: u64 = 4 << 30;
/// Bytes per triangle the scene needs at most while building (mesh, BVH nodes, packed
/// triangles, build scratch); used to refuse a mesh over the budget before allocating it.
pub const BYTES_PER_TRIANGLE: u64 = 160;

/// How earth curvature enters the geometry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EarthModel {
    /// Flat mesh, no curvature, no refraction (as Sionna RT's terrain meshes).
    Flat,
    /// Effective earth radius `k · 6371 km` (k = 4/3 for the standard atmosphere).
    EffectiveRadius {
        /// Effective earth-radius factor k (> 0).
        k: f64,
    },
}

impl Default for EarthModel {
    fn default() -> Self {
        EarthModel::EffectiveRadius { k: 4.0 / 3.0 }
    }
}

impl EarthModel {
    /// Effective radius in metres, or `None` for a flat earth.
    pub fn radius_m(self) -> Option<f64> {
        match self {
            EarthModel::Flat => None,
            EarthModel::EffectiveRadius { k } => Some(k * EARTH_RADIUS_M),
        }
    }

    /// Scene position of a point at horizontal ENU offset (`x`, `y`) and elevation `h`
    /// (metres above the reference surface).
    #[inline]
    pub fn place(self, x: f64, y: f64, h: f64) -> Vec3 {
        match self.radius_m() {
            None => Vec3::new(x, y, h),
            Some(re) => {
                let r = (x * x + y * y).sqrt();
                if r == 0.0 {
                    return Vec3::new(0.0, 0.0, h);
                }
                let th = r / re;
                let rho = (re + h) * th.sin();
                Vec3::new(x * rho / r, y * rho / r, (re + h) * th.cos() - re)
            }
        }
    }
}

impl EarthModel {
    /// Inverse of [`EarthModel::place`]: flat-frame (x, y) and elevation of a scene point.
    #[inline]
    pub fn unplace(self, p: Vec3) -> Vec3 {
        match self.radius_m() {
            None => p,
            Some(re) => {
                let rho = (p.x * p.x + p.y * p.y).sqrt();
                let zz = re + p.z;
                let h = (rho * rho + zz * zz).sqrt() - re;
                if rho == 0.0 {
                    return Vec3::new(0.0, 0.0, h);
                }
                let r = re * rho.atan2(zz);
                Vec3::new(p.x * r / rho, p.y * r / rho, h)
            }
        }
    }
}

/// Ground classes with electrical constants of ITU-R P.527-3 (Figures 1–2, values for the
/// VHF/UHF range below about 1 GHz), plus ITM's "average ground". In a scenario's
/// `[[model.land_cover_classes]]` it is spelled in kebab case (`sea-water`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum GroundClass {
    /// ε 15, σ 0.005 S/m (ITM / SPLAT! average ground).
    #[default]
    Average,
    /// Sea water of average salinity: ε 70, σ 5 S/m.
    SeaWater,
    /// Fresh water: ε 80, σ 0.01 S/m (P.527 fresh water at UHF).
    FreshWater,
    /// Wet ground: ε 30, σ 0.01 S/m.
    WetGround,
    /// Medium dry ground: ε 15, σ 0.001 S/m.
    MediumDry,
    /// Very dry ground: ε 3, σ 0.0001 S/m.
    VeryDry,
}

impl GroundClass {
    /// Electrical constants of the class.
    pub fn ground(self) -> Ground {
        let (epsilon_r, sigma_s_per_m) = match self {
            GroundClass::Average => (15.0, 0.005),
            GroundClass::SeaWater => (70.0, 5.0),
            GroundClass::FreshWater => (80.0, 0.01),
            GroundClass::WetGround => (30.0, 0.01),
            GroundClass::MediumDry => (15.0, 0.001),
            GroundClass::VeryDry => (3.0, 0.0001),
        };
        Ground {
            epsilon_r,
            sigma_s_per_m,
        }
    }
}

/// A regular terrain grid in the local ENU frame: `z[j·nx + i]` is the elevation (metres) at
/// `x = x0 + i·dx`, `y = y0 + j·dy` (`j` grows northwards).
#[derive(Debug, Clone, PartialEq)]
pub struct Heightfield {
    /// East coordinate of column 0, m.
    pub x0_m: f64,
    /// North coordinate of row 0 (the southern row), m.
    pub y0_m: f64,
    /// Column spacing, m (> 0).
    pub dx_m: f64,
    /// Row spacing, m (> 0).
    pub dy_m: f64,
    /// Columns (≥ 2).
    pub nx: usize,
    /// Rows (≥ 2).
    pub ny: usize,
    /// Elevations, metres, row-major from the south row.
    pub z_m: Vec<f32>,
}

impl Heightfield {
    /// A height field from a closure `f(x, y)`, over `nx × ny` points.
    pub fn from_fn(
        x0_m: f64,
        y0_m: f64,
        dx_m: f64,
        dy_m: f64,
        nx: usize,
        ny: usize,
        f: impl Fn(f64, f64) -> f64,
    ) -> Self {
        let mut z_m = Vec::with_capacity(nx * ny);
        for j in 0..ny {
            for i in 0..nx {
                z_m.push(f(x0_m + i as f64 * dx_m, y0_m + j as f64 * dy_m) as f32);
            }
        }
        Heightfield {
            x0_m,
            y0_m,
            dx_m,
            dy_m,
            nx,
            ny,
            z_m,
        }
    }

    /// Elevation sample.
    #[inline]
    pub fn at(&self, i: usize, j: usize) -> f64 {
        f64::from(self.z_m[j * self.nx + i])
    }

    /// Whether (x, y) lies inside the grid.
    pub fn contains(&self, x: f64, y: f64) -> bool {
        let u = (x - self.x0_m) / self.dx_m;
        let v = (y - self.y0_m) / self.dy_m;
        u >= 0.0 && v >= 0.0 && u <= (self.nx - 1) as f64 && v <= (self.ny - 1) as f64
    }

    /// Elevation at (x, y) interpolated on the mesh triangles (see module docs); `None`
    /// outside the grid.
    #[inline]
    pub fn height_at(&self, x: f64, y: f64) -> Option<f64> {
        let u = (x - self.x0_m) / self.dx_m;
        let v = (y - self.y0_m) / self.dy_m;
        if !(u >= 0.0 && v >= 0.0 && u <= (self.nx - 1) as f64 && v <= (self.ny - 1) as f64) {
            return None;
        }
        let i = (u as usize).min(self.nx - 2);
        let j = (v as usize).min(self.ny - 2);
        let (fu, fv) = (u - i as f64, v - j as f64);
        let za = self.at(i, j);
        let zb = self.at(i + 1, j);
        let zc = self.at(i, j + 1);
        let zd = self.at(i + 1, j + 1);
        Some(if fu >= fv {
            za + fu * (zb - za) + fv * (zd - zb)
        } else {
            za + fv * (zc - za) + fu * (zd - zc)
        })
    }

    /// Number of triangles of the full-resolution mesh.
    pub fn triangle_count(&self) -> u64 {
        2 * (self.nx as u64 - 1) * (self.ny as u64 - 1)
    }

    /// Cut a window of a lat/lon DEM centred on (`lat0`, `lon0`), `half_width_m` to each side,
    /// projected to the local frame (see module docs).
    ///
    /// # Errors
    /// [`RaytraceError::Terrain`] when the window leaves the DEM or holds voids.
    pub fn from_dem(
        dem: &Dem,
        lat0_deg: f64,
        lon0_deg: f64,
        half_width_m: f64,
    ) -> Result<Self, RaytraceError> {
        let coslat = lat0_deg.to_radians().cos();
        let dlat = half_width_m / METRES_PER_DEG;
        let dlon = half_width_m / (METRES_PER_DEG * coslat);
        let (s, n) = (lat0_deg - dlat, lat0_deg + dlat);
        let (w, e) = (lon0_deg - dlon, lon0_deg + dlon);
        if s < dem.south_deg - 1e-9
            || n > dem.north_deg() + 1e-9
            || w < dem.west_deg - 1e-9
            || e > dem.east_deg() + 1e-9
        {
            return Err(RaytraceError::Terrain(format!(
                "window {s:.4}..{n:.4}°N, {w:.4}..{e:.4}°E leaves the DEM"
            )));
        }
        // DEM rows run north→south; columns west→east.
        let r_top = ((dem.north_deg() - n) / dem.step_lat_deg).ceil() as usize;
        let r_bot = ((dem.north_deg() - s) / dem.step_lat_deg).floor() as usize;
        let c_w = ((w - dem.west_deg) / dem.step_lon_deg).ceil() as usize;
        let c_e = ((e - dem.west_deg) / dem.step_lon_deg).floor() as usize;
        if r_bot <= r_top || c_e <= c_w {
            return Err(RaytraceError::Terrain(
                "window is smaller than one cell".into(),
            ));
        }
        let nx = c_e - c_w + 1;
        let ny = r_bot - r_top + 1;
        let mut z_m = Vec::with_capacity(nx * ny);
        for j in 0..ny {
            let r = r_bot - j;
            for i in 0..nx {
                let v = dem.at(r, c_w + i);
                if v.is_nan() {
                    return Err(RaytraceError::Terrain(format!(
                        "void in the DEM at row {r}, column {}",
                        c_w + i
                    )));
                }
                z_m.push(v);
            }
        }
        let lat_s = dem.north_deg() - r_bot as f64 * dem.step_lat_deg;
        let lon_w = dem.west_deg + c_w as f64 * dem.step_lon_deg;
        Ok(Heightfield {
            x0_m: (lon_w - lon0_deg) * coslat * METRES_PER_DEG,
            y0_m: (lat_s - lat0_deg) * METRES_PER_DEG,
            dx_m: dem.step_lon_deg * coslat * METRES_PER_DEG,
            dy_m: dem.step_lat_deg * METRES_PER_DEG,
            nx,
            ny,
            z_m,
        })
    }
}

/// Local ENU offset (east, north) in metres of (`lat`, `lon`) from the centre (`lat0`,
/// `lon0`), by the scene's flat-earth projection.
pub fn enu_offset_m(lat0_deg: f64, lon0_deg: f64, lat_deg: f64, lon_deg: f64) -> (f64, f64) {
    (
        (lon_deg - lon0_deg) * lat0_deg.to_radians().cos() * METRES_PER_DEG,
        (lat_deg - lat0_deg) * METRES_PER_DEG,
    )
}

/// Options for building a [`Scene`].
#[derive(Debug, Clone, PartialEq)]
pub struct SceneOptions {
    /// Earth curvature model (default k = 4/3).
    pub earth: EarthModel,
    /// Ground constants for every triangle unless `ground_classes` is given.
    pub ground: Ground,
    /// Optional per-cell ground class raster (`(nx−1)·(ny−1)` entries, row-major from the
    /// south row), e.g. from a land-cover map.
    pub ground_classes: Option<Vec<GroundClass>>,
    /// Refuse meshes that would need more than this many bytes.
    pub memory_budget_bytes: u64,
    /// Error-bounded decimation ([`super::decimate`]): every terrain sample within this many
    /// metres of the mesh; `None` keeps two triangles per cell.
    pub max_error_m: Option<f64>,
}

impl Default for SceneOptions {
    fn default() -> Self {
        SceneOptions {
            earth: EarthModel::default(),
            ground: Ground::default(),
            ground_classes: None,
            memory_budget_bytes: DEFAULT_MEMORY_BUDGET_BYTES,
            max_error_m: None,
        }
    }
}

/// A ray-tracing scene: the height field, its triangle mesh in scene coordinates (curvature
/// applied), per-triangle ground constants, the BVH, and optional vegetation.
#[derive(Debug, Clone)]
pub struct Scene {
    /// The terrain grid in the flat local frame (profiles for diffraction come from here).
    pub heightfield: Heightfield,
    /// Curvature model the geometry was built with.
    pub earth: EarthModel,
    /// Ground constants table; `tri_ground[t]` indexes it.
    pub grounds: Vec<Ground>,
    /// Ground index of each triangle.
    pub tri_ground: Vec<u8>,
    /// Acceleration structure over the triangles (holds the vertex data).
    pub bvh: Bvh,
    /// Optional height-field first-hit accelerator ([`Scene::with_grid_accel`]); where
    /// present [`Scene::closest_in`] uses it instead of the BVH and returns the same hits.
    pub grid: Option<GridAccel>,
    /// Optional vegetation layer.
    pub vegetation: Option<Vegetation>,
}

impl Scene {
    /// Build the mesh and BVH of a height field.
    ///
    /// # Errors
    /// [`RaytraceError::MemoryBudget`] when the mesh would exceed the memory budget;
    /// [`RaytraceError::InvalidInput`] for a grid smaller than 2 × 2, non-positive spacing,
    /// non-finite heights or a ground-class raster of the wrong size.
    pub fn from_heightfield(hf: Heightfield, opts: &SceneOptions) -> Result<Scene, RaytraceError> {
        if hf.nx < 2 || hf.ny < 2 || hf.z_m.len() != hf.nx * hf.ny {
            return Err(RaytraceError::InvalidInput(format!(
                "height field {}×{} with {} samples",
                hf.nx,
                hf.ny,
                hf.z_m.len()
            )));
        }
        if !(hf.dx_m > 0.0 && hf.dy_m > 0.0) {
            return Err(RaytraceError::InvalidInput(
                "grid spacing must be positive".into(),
            ));
        }
        if hf.z_m.iter().any(|z| !z.is_finite()) {
            return Err(RaytraceError::InvalidInput(
                "height field holds non-finite elevations".into(),
            ));
        }
        if let EarthModel::EffectiveRadius { k } = opts.earth {
            if !(k > 0.0 && k.is_finite()) {
                return Err(RaytraceError::InvalidInput(format!(
                    "effective earth-radius factor k = {k} must be positive"
                )));
            }
        }
        let ntri = hf.triangle_count();
        let need = ntri * BYTES_PER_TRIANGLE + (hf.nx * hf.ny) as u64 * 16;
        if need > opts.memory_budget_bytes {
            return Err(RaytraceError::MemoryBudget {
                triangles: ntri,
                need_bytes: need,
                budget_bytes: opts.memory_budget_bytes,
            });
        }
        let ncell = (hf.nx - 1) * (hf.ny - 1);
        let (grounds, cell_ground): (Vec<Ground>, Option<Vec<u8>>) = match &opts.ground_classes {
            None => (vec![opts.ground], None),
            Some(cls) => {
                if cls.len() != ncell {
                    return Err(RaytraceError::InvalidInput(format!(
                        "ground-class raster has {} cells, the grid has {ncell}",
                        cls.len()
                    )));
                }
                let mut table: Vec<GroundClass> = Vec::new();
                let idx = cls
                    .iter()
                    .map(|c| match table.iter().position(|t| t == c) {
                        Some(p) => p as u8,
                        None => {
                            table.push(*c);
                            (table.len() - 1) as u8
                        }
                    })
                    .collect();
                (table.iter().map(|c| c.ground()).collect(), Some(idx))
            }
        };
        let earth = opts.earth;
        let cell_of = |i: usize, j: usize| {
            cell_ground.as_ref().map_or(0, |cg| {
                cg[j.min(hf.ny - 2) * (hf.nx - 1) + i.min(hf.nx - 2)]
            })
        };
        let (verts, tris, tri_ground) = match opts.max_error_m {
            Some(e) => {
                if !(e >= 0.0 && e.is_finite()) {
                    return Err(RaytraceError::InvalidInput(format!(
                        "decimation error bound {e} m must be finite and ≥ 0"
                    )));
                }
                let m = super::decimate::decimate(&hf.z_m, hf.nx, hf.ny, e);
                let verts: Vec<[f32; 3]> = m
                    .vertices
                    .iter()
                    .map(|&(i, j)| {
                        let (i, j) = (i as usize, j as usize);
                        let x = hf.x0_m + i as f64 * hf.dx_m;
                        let y = hf.y0_m + j as f64 * hf.dy_m;
                        let z = hf.at(i.min(hf.nx - 1), j.min(hf.ny - 1));
                        earth.place(x, y, z).to_f32()
                    })
                    .collect();
                let tri_ground = m
                    .triangles
                    .iter()
                    .map(|t| {
                        let (si, sj) = t.iter().fold((0, 0), |(a, b), &v| {
                            let (i, j) = m.vertices[v as usize];
                            (a + i as usize, b + j as usize)
                        });
                        cell_of(si / 3, sj / 3)
                    })
                    .collect();
                (verts, m.triangles, tri_ground)
            }
            None => {
                let mut verts: Vec<[f32; 3]> = Vec::with_capacity(hf.nx * hf.ny);
                for j in 0..hf.ny {
                    for i in 0..hf.nx {
                        let x = hf.x0_m + i as f64 * hf.dx_m;
                        let y = hf.y0_m + j as f64 * hf.dy_m;
                        verts.push(earth.place(x, y, hf.at(i, j)).to_f32());
                    }
                }
                let mut tris: Vec<[u32; 3]> = Vec::with_capacity(ntri as usize);
                let mut tri_ground = Vec::with_capacity(ntri as usize);
                for j in 0..hf.ny - 1 {
                    for i in 0..hf.nx - 1 {
                        let a = (j * hf.nx + i) as u32;
                        let b = a + 1;
                        let c = a + hf.nx as u32;
                        let d = c + 1;
                        tris.push([a, b, d]);
                        tris.push([a, d, c]);
                        let g = cell_of(i, j);
                        tri_ground.push(g);
                        tri_ground.push(g);
                    }
                }
                (verts, tris, tri_ground)
            }
        };
        let bvh = Bvh::build(&verts, &tris);
        Ok(Scene {
            heightfield: hf,
            earth,
            grounds,
            tri_ground,
            bvh,
            grid: None,
            vegetation: None,
        })
    }

    /// A scene from a DEM window centred on (`lat0`, `lon0`), `half_width_m` to each side.
    ///
    /// # Errors
    /// As [`Heightfield::from_dem`] and [`Scene::from_heightfield`].
    pub fn from_dem(
        dem: &Dem,
        lat0_deg: f64,
        lon0_deg: f64,
        half_width_m: f64,
        opts: &SceneOptions,
    ) -> Result<Scene, RaytraceError> {
        let hf = Heightfield::from_dem(dem, lat0_deg, lon0_deg, half_width_m)?;
        Scene::from_heightfield(hf, opts)
    }

    /// Add the height-field grid walk ([`GridAccel`]) as the first-hit accelerator of
    /// [`Scene::closest_in`]. It needs the undecimated mesh on a flat earth (a regular grid in
    /// the scene frame). On the peer tile it is far slower than the BVH's packet traversal
    /// (grid 1.1 M vs BVH 6–8 M rays per CPU second, depth 3; the walk has no packet form),
    /// so scenes do not use it unless asked.
    ///
    /// # Errors
    /// [`RaytraceError::InvalidInput`] for a curved-earth or decimated scene.
    pub fn with_grid_accel(mut self) -> Result<Scene, RaytraceError> {
        let hf = &self.heightfield;
        if self.earth != EarthModel::Flat || self.bvh.triangle_count() as u64 != hf.triangle_count()
        {
            return Err(RaytraceError::InvalidInput(
                "the grid accelerator needs an undecimated mesh on a flat earth".into(),
            ));
        }
        let verts: Vec<[f32; 3]> = (0..hf.ny)
            .flat_map(|j| (0..hf.nx).map(move |i| (i, j)))
            .map(|(i, j)| {
                let x = hf.x0_m + i as f64 * hf.dx_m;
                let y = hf.y0_m + j as f64 * hf.dy_m;
                self.earth.place(x, y, hf.at(i, j)).to_f32()
            })
            .collect();
        self.grid = Some(GridAccel::build(
            &verts, hf.nx, hf.ny, hf.x0_m, hf.y0_m, hf.dx_m, hf.dy_m,
        ));
        Ok(self)
    }

    /// Attach a vegetation layer.
    pub fn with_vegetation(mut self, veg: Vegetation) -> Scene {
        self.vegetation = Some(veg);
        self
    }

    /// Number of triangles.
    pub fn triangles(&self) -> usize {
        self.bvh.triangle_count()
    }

    /// Closest hit of the ray with the terrain mesh for `tmin < t < tmax`, skipping triangle
    /// `skip` (`u32::MAX` for none): by the height-field walk where the scene has one, else
    /// by the BVH with the caller's traversal `stack` (one per thread, reused across rays).
    #[inline]
    pub fn closest_in(
        &self,
        r: &Ray,
        tmin: f32,
        tmax: f32,
        skip: u32,
        stack: &mut TraversalStack,
    ) -> Option<Hit> {
        match &self.grid {
            Some(g) => g.closest(r, tmin, tmax, skip),
            None => self.bvh.closest_in(r, tmin, tmax, skip, stack),
        }
    }

    /// Closest hits of up to eight rays at once (lanes set in `active`), each with
    /// `tmin < t` and skipping its lane's triangle: `out[l]` is what [`Scene::closest_in`]
    /// returns for lane `l` with `tmax = ∞`. By the BVH's packet traversal
    /// ([`Bvh::closest8`]), or ray by ray through the height-field walk where the scene has
    /// one.
    #[inline]
    pub fn closest8_in(
        &self,
        rays: &Ray8,
        active: u32,
        tmin: f32,
        out: &mut [Option<Hit>; PACKET],
        stack: &mut PacketStack,
    ) {
        match &self.grid {
            Some(g) => g.closest_lanes(rays, active & 0xff, tmin, out),
            None => self.bvh.closest8(rays, active, tmin, out, stack),
        }
    }

    /// [`Scene::closest8_in`] for up to sixteen rays ([`Bvh::closest16`]).
    #[inline]
    pub fn closest16_in(
        &self,
        rays: &Ray16,
        active: u32,
        tmin: f32,
        out: &mut [Option<Hit>; WIDE],
        stack: &mut PacketStack,
    ) {
        match &self.grid {
            Some(g) => g.closest_lanes(rays, active & 0xffff, tmin, out),
            None => self.bvh.closest16(rays, active, tmin, out, stack),
        }
    }

    /// Ground constants of triangle `t`.
    #[inline]
    pub fn ground_of(&self, t: u32) -> Ground {
        self.grounds[self.tri_ground[t as usize] as usize]
    }

    /// Scene position of a site, checking it is inside the terrain and not below ground.
    /// A site off the grid is accepted only with a height above sea level; no terrain is
    /// assumed under it.
    ///
    /// # Errors
    /// [`RaytraceError::OutsideScene`] for an above-ground height off the grid,
    /// [`RaytraceError::BelowGround`] when the antenna is below the terrain surface.
    pub fn locate(&self, site: &Site, what: &'static str) -> Result<Located, RaytraceError> {
        let ground_m = match (self.heightfield.height_at(site.x_m, site.y_m), site.height) {
            (Some(g), _) => g,
            // Off the mesh there is no terrain (as in a mesh-only scene of Sionna RT); an
            // antenna there needs an absolute height and stands on nothing.
            (None, Height::AboveSeaLevel(z)) if z.is_finite() => z,
            (None, _) => {
                return Err(RaytraceError::OutsideScene {
                    what,
                    x_m: site.x_m,
                    y_m: site.y_m,
                })
            }
        };
        let z_m = match site.height {
            Height::AboveGround(h) => ground_m + h,
            Height::AboveSeaLevel(z) => z,
        };
        if !z_m.is_finite() || z_m < ground_m {
            return Err(RaytraceError::BelowGround {
                what,
                z_m,
                ground_m,
            });
        }
        Ok(Located {
            pos: self.earth.place(site.x_m, site.y_m, z_m),
            x_m: site.x_m,
            y_m: site.y_m,
            z_m,
            ground_m,
        })
    }
}

/// How an antenna height is given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Height {
    /// Metres above the local terrain.
    AboveGround(f64),
    /// Metres above mean sea level (the DEM datum).
    AboveSeaLevel(f64),
}

/// An antenna location in the local frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Site {
    /// East offset from the scene centre, m.
    pub x_m: f64,
    /// North offset from the scene centre, m.
    pub y_m: f64,
    /// Antenna height.
    pub height: Height,
}

impl Site {
    /// A site `h_m` above ground.
    pub fn agl(x_m: f64, y_m: f64, h_m: f64) -> Site {
        Site {
            x_m,
            y_m,
            height: Height::AboveGround(h_m),
        }
    }

    /// A site at `z_m` above mean sea level.
    pub fn amsl(x_m: f64, y_m: f64, z_m: f64) -> Site {
        Site {
            x_m,
            y_m,
            height: Height::AboveSeaLevel(z_m),
        }
    }
}

/// A site resolved against the scene.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Located {
    /// Scene position (curvature applied), m.
    pub pos: Vec3,
    /// Flat-frame east offset, m.
    pub x_m: f64,
    /// Flat-frame north offset, m.
    pub y_m: f64,
    /// Antenna elevation above the datum, m.
    pub z_m: f64,
    /// Terrain elevation under the antenna, m.
    pub ground_m: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn height_at_matches_triangles() {
        let hf = Heightfield {
            x0_m: 0.0,
            y0_m: 0.0,
            dx_m: 10.0,
            dy_m: 10.0,
            nx: 2,
            ny: 2,
            z_m: vec![0.0, 10.0, 20.0, 40.0], // a, b (south row), c, d (north row)
        };
        assert_eq!(hf.height_at(0.0, 0.0), Some(0.0));
        assert_eq!(hf.height_at(10.0, 10.0), Some(40.0));
        // On the diagonal both triangles agree: halfway a→d.
        assert!((hf.height_at(5.0, 5.0).unwrap() - 20.0).abs() < 1e-12);
        // Triangle (a,b,d): at (10, 5): zb + 0.5 (zd − zb) = 25.
        assert!((hf.height_at(10.0, 5.0).unwrap() - 25.0).abs() < 1e-12);
        assert_eq!(hf.height_at(-1.0, 0.0), None);
    }

    #[test]
    fn curvature_drop_is_d2_over_2ka() {
        let e = EarthModel::default();
        let p = e.place(10_000.0, 0.0, 0.0);
        let drop = 10_000f64.powi(2) / (2.0 * 4.0 / 3.0 * EARTH_RADIUS_M);
        assert!((p.z + drop).abs() < 0.01, "{} vs {}", p.z, -drop);
        assert_eq!(
            EarthModel::Flat.place(1.0, 2.0, 3.0),
            Vec3::new(1.0, 2.0, 3.0)
        );
        let q = e.unplace(e.place(12_000.0, -7_000.0, 432.0));
        assert!(
            (q - Vec3::new(12_000.0, -7_000.0, 432.0)).norm() < 1e-6,
            "{q:?}"
        );
    }

    #[test]
    fn memory_budget_is_enforced() {
        let hf = Heightfield::from_fn(0.0, 0.0, 1.0, 1.0, 100, 100, |_, _| 0.0);
        let opts = SceneOptions {
            memory_budget_bytes: 1000,
            ..SceneOptions::default()
        };
        let e = Scene::from_heightfield(hf, &opts).unwrap_err();
        assert!(matches!(e, RaytraceError::MemoryBudget { .. }), "{e}");
        assert!(e.to_string().contains("budget"));
    }

    #[test]
    fn below_ground_is_rejected() {
        let hf = Heightfield::from_fn(0.0, 0.0, 10.0, 10.0, 5, 5, |_, _| 100.0);
        let s = Scene::from_heightfield(hf, &SceneOptions::default()).unwrap();
        assert!(matches!(
            s.locate(&Site::amsl(20.0, 20.0, 90.0), "TX"),
            Err(RaytraceError::BelowGround { .. })
        ));
        assert!(matches!(
            s.locate(&Site::agl(20.0, 20.0, -1.0), "TX"),
            Err(RaytraceError::BelowGround { .. })
        ));
        assert!(matches!(
            s.locate(&Site::agl(200.0, 20.0, 1.0), "RX"),
            Err(RaytraceError::OutsideScene { .. })
        ));
        let l = s.locate(&Site::agl(20.0, 20.0, 30.0), "TX").unwrap();
        assert!((l.z_m - 130.0).abs() < 1e-9);
    }

    /// The SBR launch finds the same segments and candidates with the grid walk as with
    /// the BVH; the grid needs a flat, undecimated mesh.
    #[test]
    fn grid_accel_sbr_matches_bvh() {
        let hf = Heightfield::from_fn(-3000.0, -3000.0, 75.0, 90.0, 81, 67, |x, y| {
            200.0 + 60.0 * (x / 700.0).sin() * (y / 900.0).cos() + 0.01 * x
        });
        let opts = SceneOptions {
            earth: EarthModel::Flat,
            ..SceneOptions::default()
        };
        let bvh = Scene::from_heightfield(hf.clone(), &opts).unwrap();
        let grid = bvh.clone().with_grid_accel().unwrap();
        let tx = bvh.locate(&Site::agl(0.0, 0.0, 30.0), "TX").unwrap().pos;
        let rxs: Vec<Vec3> = [(1500.0, 200.0), (-2000.0, 1000.0), (300.0, -2500.0)]
            .iter()
            .map(|&(x, y)| bvh.locate(&Site::agl(x, y, 10.0), "RX").unwrap().pos)
            .collect();
        let a = super::super::paths::sbr_run(&bvh, tx, &rxs, 200_000, 3);
        let b = super::super::paths::sbr_run(&grid, tx, &rxs, 200_000, 3);
        assert_eq!(a, b);
        assert!(a.1.segments > 250_000 && a.1.candidates > 0, "{:?}", a.1);
        let curved = Scene::from_heightfield(hf, &SceneOptions::default()).unwrap();
        assert!(matches!(
            curved.with_grid_accel(),
            Err(RaytraceError::InvalidInput(_))
        ));
    }
}
