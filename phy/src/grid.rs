//! The downlink resource grid of one subframe: a zero-copy view over a flat buffer.
//!
//! Layout: symbol-major, `buf[l * n_sc + k]` for OFDM symbol l (0 … 2·symbols_per_slot − 1)
//! and subcarrier k (0 … 12·N_RB − 1, lowest frequency first, DC excluded).
//!
//! # References
//! 3GPP TS 36.211 §6.2 (resource grid, resource elements (k, l)).

use crate::numerology::Numerology;
use crate::{Complex32, Error, Result};

/// A subframe's resource grid over a buffer `T` (`Vec`, `&[_]`, `&mut [_]`).
#[derive(Debug, Clone)]
pub struct ResourceGrid<T> {
    buf: T,
    n_sc: usize,
    n_sym: usize,
}

impl ResourceGrid<Vec<Complex32>> {
    /// An all-zero owned grid for `num`.
    pub fn zeros(num: &Numerology) -> Self {
        ResourceGrid {
            buf: vec![Complex32::default(); num.n_sc() * num.symbols_per_subframe()],
            n_sc: num.n_sc(),
            n_sym: num.symbols_per_subframe(),
        }
    }
}

impl<T: AsRef<[Complex32]>> ResourceGrid<T> {
    /// View `buf` as a grid for `num`.
    ///
    /// # Errors
    /// [`Error::Length`] unless `buf` holds exactly n_sc × symbols_per_subframe elements.
    pub fn new_checked(buf: T, num: &Numerology) -> Result<Self> {
        let want = num.n_sc() * num.symbols_per_subframe();
        let got = buf.as_ref().len();
        if got != want {
            return Err(Error::Length {
                what: "resource grid",
                expected: want,
                got,
            });
        }
        Ok(ResourceGrid {
            buf,
            n_sc: num.n_sc(),
            n_sym: num.symbols_per_subframe(),
        })
    }

    /// Subcarriers per symbol.
    pub fn n_sc(&self) -> usize {
        self.n_sc
    }
    /// Symbols in the subframe.
    pub fn n_symbols(&self) -> usize {
        self.n_sym
    }
    /// Symbol `l`'s subcarriers.
    ///
    /// # Panics
    /// If `l` ≥ n_symbols.
    pub fn symbol(&self, l: usize) -> &[Complex32] {
        &self.buf.as_ref()[l * self.n_sc..(l + 1) * self.n_sc]
    }
    /// Resource element (k, l).
    ///
    /// # Panics
    /// Out of range.
    pub fn re(&self, k: usize, l: usize) -> Complex32 {
        self.symbol(l)[k]
    }
    /// The whole flat buffer.
    pub fn as_slice(&self) -> &[Complex32] {
        self.buf.as_ref()
    }
    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buf
    }
}

impl<T: AsRef<[Complex32]> + AsMut<[Complex32]>> ResourceGrid<T> {
    /// Symbol `l`'s subcarriers, mutable.
    ///
    /// # Panics
    /// If `l` ≥ n_symbols.
    pub fn symbol_mut(&mut self, l: usize) -> &mut [Complex32] {
        let n = self.n_sc;
        &mut self.buf.as_mut()[l * n..(l + 1) * n]
    }
    /// Set resource element (k, l).
    ///
    /// # Panics
    /// Out of range.
    pub fn set(&mut self, k: usize, l: usize, v: Complex32) {
        self.symbol_mut(l)[k] = v;
    }
    /// The whole flat buffer, mutable.
    pub fn as_mut_slice(&mut self) -> &mut [Complex32] {
        self.buf.as_mut()
    }
    /// Zero every element.
    pub fn clear(&mut self) {
        self.buf.as_mut().fill(Complex32::default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerology::{Bandwidth, CyclicPrefix};

    #[test]
    fn view_and_index() {
        let num = Numerology::lte(Bandwidth::Mhz1_4, CyclicPrefix::Normal);
        assert!(ResourceGrid::new_checked(vec![Complex32::default(); 5], &num).is_err());
        let mut g = ResourceGrid::zeros(&num);
        g.set(3, 2, Complex32::new(1.0, 2.0));
        assert_eq!(g.as_slice()[2 * 72 + 3], Complex32::new(1.0, 2.0));
        let v = ResourceGrid::new_checked(g.as_slice(), &num).unwrap();
        assert_eq!(v.re(3, 2), Complex32::new(1.0, 2.0));
        assert_eq!(v.n_symbols(), 14);
    }
}
