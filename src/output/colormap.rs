//! Colour maps.

/// The "turbo" colour map (Mikhailov 2019, Google AI blog), by its published polynomial
/// approximation; `t` in [0, 1] → sRGB.
pub fn turbo(t: f64) -> [u8; 3] {
    let t = t.clamp(0.0, 1.0);
    let r = 0.135_721_38
        + t * (4.615_392_6
            + t * (-42.660_322_4 + t * (132.131_082_9 + t * (-152.942_393_1 + t * 59.286_379_48))));
    let g = 0.091_402_61
        + t * (2.194_188_39
            + t * (4.842_966_58 + t * (-14.185_033_3 + t * (4.277_298_55 + t * 2.829_566_04))));
    let b = 0.106_673_3
        + t * (12.641_946_08
            + t * (-60.582_048_36
                + t * (110.362_767_71 + t * (-89.903_109_13 + t * 27.348_249_24))));
    let q = |x: f64| (x.clamp(0.0, 1.0) * 255.0).round() as u8;
    [q(r), q(g), q(b)]
}

#[cfg(test)]
mod tests {
    #[test]
    fn turbo_ends() {
        // Near-black at 0 (the polynomial gives (35, 23, 27)), blue by 0.1, dark red at 1,
        // green-yellow in the middle.
        let z = super::turbo(0.0);
        assert!(z.iter().all(|&c| c < 40), "{z:?}");
        let a = super::turbo(0.1);
        let b = super::turbo(1.0);
        let m = super::turbo(0.5);
        assert!(a[2] > a[0] && a[2] > a[1]);
        assert!(b[0] > b[1] && b[0] > b[2]);
        assert!(m[1] > 150);
    }
}
