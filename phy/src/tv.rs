//! Television channel rasters, for TV white space operation.
//!
//! | raster | band | channels | width |
//! |---|---|---|---|
//! | [`TvRaster::Us6`] | UHF 470–608 MHz (FCC 47 CFR §73.603; ch 37 radio astronomy excluded) | 14–36 | 6 MHz |
//! | [`TvRaster::Eu8Uhf`] | UHF 470–790 MHz (ITU Region 1, GE06) | 21–60 | 8 MHz |
//! | [`TvRaster::Eu7Vhf`] | VHF band III 174–230 MHz (GE06) | 5–12 | 7 MHz |
//!
//! Lower edges: US f = 470 + 6(n − 14) MHz; EU UHF f = 470 + 8(n − 21) MHz;
//! EU VHF f = 174 + 7(n − 5) MHz.

use crate::{Error, Result};

/// A national/regional TV channel raster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TvRaster {
    /// US 6 MHz UHF channels 14–36 (the TVWS range after the 600 MHz repack).
    Us6,
    /// European 8 MHz UHF channels 21–60.
    Eu8Uhf,
    /// European 7 MHz VHF channels 5–12.
    Eu7Vhf,
}

impl TvRaster {
    /// Channel width, Hz.
    pub const fn width_hz(self) -> f64 {
        match self {
            TvRaster::Us6 => 6e6,
            TvRaster::Eu8Uhf => 8e6,
            TvRaster::Eu7Vhf => 7e6,
        }
    }

    /// The valid channel numbers, inclusive.
    pub const fn channels(self) -> (u32, u32) {
        match self {
            TvRaster::Us6 => (14, 36),
            TvRaster::Eu8Uhf => (21, 60),
            TvRaster::Eu7Vhf => (5, 12),
        }
    }

    /// Lower and upper edge of channel `ch`, Hz.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for a channel outside the raster.
    pub fn edges_hz(self, ch: u32) -> Result<(f64, f64)> {
        let (lo, hi) = self.channels();
        if ch < lo || ch > hi {
            return Err(Error::Unsupported {
                what: "TV channel",
                value: format!("{ch} (the {self:?} raster has channels {lo}–{hi})"),
            });
        }
        let base = match self {
            TvRaster::Us6 | TvRaster::Eu8Uhf => 470e6,
            TvRaster::Eu7Vhf => 174e6,
        };
        let low = base + f64::from(ch - lo) * self.width_hz();
        Ok((low, low + self.width_hz()))
    }

    /// Centre frequency of channel `ch`, Hz.
    ///
    /// # Errors
    /// As [`TvRaster::edges_hz`].
    pub fn center_hz(self, ch: u32) -> Result<f64> {
        let (lo, hi) = self.edges_hz(ch)?;
        Ok(0.5 * (lo + hi))
    }

    /// The channel of this raster that contains `freq_hz`, if any.
    pub fn channel_at(self, freq_hz: f64) -> Option<u32> {
        let (lo, hi) = self.channels();
        (lo..=hi).find(|&ch| {
            let (a, b) = self.edges_hz(ch).expect("in range");
            freq_hz >= a && freq_hz < b
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_channels() {
        assert_eq!(TvRaster::Us6.edges_hz(21).unwrap(), (512e6, 518e6));
        assert_eq!(TvRaster::Us6.edges_hz(36).unwrap(), (602e6, 608e6));
        assert_eq!(TvRaster::Eu8Uhf.center_hz(21).unwrap(), 474e6);
        assert_eq!(TvRaster::Eu8Uhf.edges_hz(60).unwrap(), (782e6, 790e6));
        assert_eq!(TvRaster::Eu7Vhf.edges_hz(5).unwrap(), (174e6, 181e6));
        assert_eq!(TvRaster::Eu7Vhf.edges_hz(12).unwrap(), (223e6, 230e6));
        assert!(TvRaster::Us6.edges_hz(37).is_err());
        assert_eq!(TvRaster::Us6.channel_at(515e6), Some(21));
        assert_eq!(TvRaster::Us6.channel_at(700e6), None);
    }
}
