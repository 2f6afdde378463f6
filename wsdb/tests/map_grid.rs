//! The channel-count grid behind `lastmile wsdb map`: fewer channels next to a station than
//! far from every station, one value per pixel, north-up.

mod common;

use lastmile_wsdb::db::DeviceClass;

#[test]
fn grid_counts_drop_near_stations() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::database(dir.path(), "");
    let g = db.channel_count_grid(0.25, 10.0, DeviceClass::Fixed, 5);
    assert_eq!((g.width, g.height), (20, 12));
    assert_eq!(g.counts.len(), g.width * g.height);
    let at = |lat: f64, lon: f64| {
        let r = ((g.north_deg - lat) / g.step_deg) as usize;
        let c = ((lon - g.west_deg) / g.step_deg) as usize;
        g.counts[r * g.width + c].unwrap()
    };
    // Station A (ch 21, 500 kW) at 45.0, -98.0: 20, 21, 22 lost there.
    assert_eq!(at(45.0, -98.0), 20);
    // Far south-west corner: every channel 14–36 free.
    assert_eq!(at(43.1, -100.9), 23);
}
