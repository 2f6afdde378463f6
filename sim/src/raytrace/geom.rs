//! Small 3-D vector type used by the path solver (f64: path lengths of tens of kilometres
//! need millimetre precision for carrier phase).
//!
//! Frame: local east-north-up (ENU), metres, origin at the scene centre on the reference
//! surface.

use std::ops::{Add, Mul, Neg, Sub};

/// A 3-vector in metres (or a unit direction), f64.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Vec3 {
    pub x: f64,
    pub y: f64,
    pub z: f64,
}

impl Vec3 {
    /// A vector from its components.
    #[inline]
    pub const fn new(x: f64, y: f64, z: f64) -> Self {
        Vec3 { x, y, z }
    }

    /// Dot product.
    #[inline]
    pub fn dot(self, o: Vec3) -> f64 {
        self.x * o.x + self.y * o.y + self.z * o.z
    }

    /// Cross product.
    #[inline]
    pub fn cross(self, o: Vec3) -> Vec3 {
        Vec3::new(
            self.y * o.z - self.z * o.y,
            self.z * o.x - self.x * o.z,
            self.x * o.y - self.y * o.x,
        )
    }

    /// Euclidean length.
    #[inline]
    pub fn norm(self) -> f64 {
        self.dot(self).sqrt()
    }

    /// Unit vector in the same direction (the zero vector stays zero).
    #[inline]
    pub fn normalized(self) -> Vec3 {
        let n = self.norm();
        if n > 0.0 {
            self * (1.0 / n)
        } else {
            self
        }
    }

    /// Single-precision copy (BVH and triangle storage).
    #[inline]
    pub fn to_f32(self) -> [f32; 3] {
        [self.x as f32, self.y as f32, self.z as f32]
    }

    /// From single precision.
    #[inline]
    pub fn from_f32(v: [f32; 3]) -> Vec3 {
        Vec3::new(f64::from(v[0]), f64::from(v[1]), f64::from(v[2]))
    }

    /// Component by axis index 0, 1, 2.
    #[inline]
    pub fn axis(self, a: usize) -> f64 {
        match a {
            0 => self.x,
            1 => self.y,
            _ => self.z,
        }
    }

    /// Azimuth (degrees clockwise from north) and elevation (degrees above the horizon) of
    /// this direction in the ENU frame.
    pub fn az_el_deg(self) -> (f64, f64) {
        let az = self.x.atan2(self.y).to_degrees().rem_euclid(360.0);
        let el = self
            .z
            .atan2((self.x * self.x + self.y * self.y).sqrt())
            .to_degrees();
        (az, el)
    }
}

impl Add for Vec3 {
    type Output = Vec3;
    #[inline]
    fn add(self, o: Vec3) -> Vec3 {
        Vec3::new(self.x + o.x, self.y + o.y, self.z + o.z)
    }
}

impl Sub for Vec3 {
    type Output = Vec3;
    #[inline]
    fn sub(self, o: Vec3) -> Vec3 {
        Vec3::new(self.x - o.x, self.y - o.y, self.z - o.z)
    }
}

impl Mul<f64> for Vec3 {
    type Output = Vec3;
    #[inline]
    fn mul(self, s: f64) -> Vec3 {
        Vec3::new(self.x * s, self.y * s, self.z * s)
    }
}

impl Neg for Vec3 {
    type Output = Vec3;
    #[inline]
    fn neg(self) -> Vec3 {
        Vec3::new(-self.x, -self.y, -self.z)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_and_angles() {
        let x = Vec3::new(1.0, 0.0, 0.0);
        let y = Vec3::new(0.0, 1.0, 0.0);
        assert_eq!(x.cross(y), Vec3::new(0.0, 0.0, 1.0));
        let (az, el) = Vec3::new(1.0, 0.0, 1.0).az_el_deg();
        assert!((az - 90.0).abs() < 1e-12 && (el - 45.0).abs() < 1e-12);
    }
}
