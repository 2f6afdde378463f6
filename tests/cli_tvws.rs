//! `lastmile run` with `[tvws]`: the database chooses the carrier (in-process and at a URL),
//! TV stations enter the interference model, and bad `[tvws]` sections are diagnosed.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_lastmile");

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of the example database configuration whose stations path is absolute and whose
/// registration store lives in `dir`.
fn wsdb_config(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(repo().join("scenarios/tvws/wsdb.toml")).unwrap();
    let stations = repo().join("scenarios/tvws/stations.csv");
    let text = text
        .replace(
            "stations = \"stations.csv\"",
            &format!("stations = {:?}", stations.display().to_string()),
        )
        .replace(
            "store = \"../../results/tvws/registrations.json\"",
            &format!(
                "store = {:?}",
                dir.join("registrations.json").display().to_string()
            ),
        );
    assert!(text.contains("registrations.json\"") && !text.contains("../../results"));
    let p = dir.join("wsdb.toml");
    std::fs::write(&p, text).unwrap();
    p
}

/// The example scenario, smaller and coarser, with its `[tvws]` table replaced.
fn scenario(dir: &Path, tvws: &str) -> PathBuf {
    let text = std::fs::read_to_string(repo().join("scenarios/tvws-rural.toml")).unwrap();
    let head = &text[..text.find("[tvws]").unwrap()];
    let head = head
        .replace("radius_m = 20000.0", "radius_m = 6000.0")
        .replace("resolution_m = 250.0", "resolution_m = 500.0");
    let p = dir.join("s.toml");
    std::fs::write(&p, format!("{head}[tvws]\n{tvws}\n")).unwrap();
    p
}

fn run(args: &[&str]) -> std::process::Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn json(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

/// SINR (dB) at the served pixel nearest to (lat, lon).
/// The value of the raster `file` of a run directory at the pixel nearest (lat, lon).
fn nearest(dir: &Path, file: &str, lat: f64, lon: f64) -> f32 {
    let r = sim::geotiff::read_f32(&dir.join(file)).unwrap();
    let mut best = (f64::INFINITY, f32::NAN);
    for row in 0..r.height {
        for col in 0..r.width {
            let v = r.data[row * r.width + col];
            if !v.is_finite() || v == r.nodata {
                continue;
            }
            let (la, lo) = r.pixel_center(row, col);
            let d = (la - lat).powi(2) + ((lo - lon) * la.to_radians().cos()).powi(2);
            if d < best.0 {
                best = (d, v);
            }
        }
    }
    best.1
}

#[test]
fn in_process_database_chooses_a_granted_channel_and_tv_lowers_sinr() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = wsdb_config(tmp.path());
    let tvws = format!(
        "config = {:?}\nchannels = [21, 30, 33]\nmax_conducted_dbm = 30.0\ncable_loss_db = 1.0",
        cfg.display().to_string()
    );
    let s = scenario(tmp.path(), &tvws);
    let out = tmp.path().join("with");
    let o = run(&["run", s.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rj = json(&out.join("run.json"));
    let t = &rj["tvws"];
    assert_eq!(t["database"]["mode"], "in-process");
    let site = &t["sites"][0];
    let granted: Vec<u64> = site["granted_channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["channel"].as_u64().unwrap())
        .collect();
    assert!(!granted.is_empty());
    for ch in site["chosen"]["channels"].as_array().unwrap() {
        assert!(
            granted.contains(&ch.as_u64().unwrap()),
            "{ch} not granted: {granted:?}"
        );
    }
    // The EIRP is capped by the grant and the radio (30 dBm − 1 dB cable, isotropic).
    let eirp = site["eirp_dbm"].as_f64().unwrap();
    assert!(eirp <= site["max_eirp_dbm"].as_f64().unwrap() + 1e-9);
    assert!((eirp - 29.0).abs() < 1e-9, "{eirp}");
    assert!(site["chosen"]["compliant"].as_bool().unwrap());
    assert!(site["grant_expiry"].as_str().unwrap().ends_with('Z'));
    // The resolved scenario carries the chosen carrier and the capped EIRP.
    let ch = site["chosen"]["channels"][0].as_u64().unwrap();
    let centre = 470e6 + 6e6 * (ch as f64 - 14.0) + 3e6;
    assert_eq!(
        rj["scenario"]["carrier"]["center_hz"].as_f64().unwrap(),
        centre
    );
    assert_eq!(
        rj["scenario"]["sites"][0]["eirp_dbm"].as_f64().unwrap(),
        eirp
    );
    assert!(rj["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f == "tv_interference.tif"));
    // A co-channel TV station is among the interferers.
    let tv = t["tv_interferers"].as_array().unwrap();
    let co = tv
        .iter()
        .find(|x| x["relation"] == "co-channel" && x["channel"].as_u64() == Some(ch))
        .expect("a co-channel station");
    let (lat, lon) = (
        co["lat_deg"].as_f64().unwrap(),
        co["lon_deg"].as_f64().unwrap(),
    );

    // Same run without the TV stations: the pixel nearest the station has a better SINR.
    let tvws_off = format!("{tvws}\ninterference = false");
    let s2 = scenario(tmp.path(), &tvws_off);
    let out2 = tmp.path().join("without");
    let o = run(&["run", s2.to_str().unwrap(), "-o", out2.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        json(&out2.join("run.json"))["tvws"]["tv_interferers"],
        serde_json::json!([])
    );
    let with = nearest(&out, "sinr.tif", lat, lon);
    let without = nearest(&out2, "sinr.tif", lat, lon);
    assert!(with.is_finite() && without.is_finite());
    assert!(
        with < without - 0.01,
        "SINR near {} with TV {with} dB, without {without} dB",
        co["call_sign"]
    );
    // The drop is exactly the TV power the run reports there, added to the thermal noise
    // N = −174 dBm/Hz + 10·log10(B) + NF of the one-site network: 10·log10((N + I_tv)/N).
    let i_tv = f64::from(nearest(&out, "tv_interference.tif", lat, lon));
    let b_hz = rj["scenario"]["carrier"]["bandwidth_hz"].as_f64().unwrap();
    let nf = rj["scenario"]["coverage"]["noise_figure_db"]
        .as_f64()
        .unwrap();
    let n_dbm = -174.0 + 10.0 * b_hz.log10() + nf;
    let want = 10.0 * (1.0 + 10f64.powf((i_tv - n_dbm) / 10.0)).log10();
    let got = f64::from(without - with);
    assert!(
        (got - want).abs() < 0.02,
        "SINR drop {got:.3} dB, TV {i_tv:.2} dBm over noise {n_dbm:.2} dBm predicts {want:.3} dB"
    );
    // Registrations went to a throw-away store, not the configuration's.
    assert!(!tmp.path().join("registrations.json").exists());
}

#[test]
fn no_available_channel_is_exit_1_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = wsdb_config(tmp.path());
    // Channel 23 is inside KZPB-DT's protected contour (plus separation) here.
    let s = scenario(
        tmp.path(),
        &format!("config = {:?}\nchannels = [23]", cfg.display().to_string()),
    );
    let out = tmp.path().join("out");
    let o = run(&["run", s.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no TV channel is available"), "{err}");
    assert!(!out.exists());
}

/// Kills the child (by its PID, through the handle) when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn url_mode_against_a_spawned_server() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = wsdb_config(tmp.path());
    let mut child = Command::new(BIN)
        .args([
            "wsdb",
            "serve",
            "--config",
            cfg.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
            "--threads",
            "1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("the server prints its address within 120 s");
    let addr = addr.trim().to_string();
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    let stations = repo().join("scenarios/tvws/stations.csv");
    let s = scenario(
        tmp.path(),
        &format!(
            "url = \"http://{addr}/paws\"\nstations = {:?}\nchannels = [30, 33]",
            stations.display().to_string()
        ),
    );
    let out = tmp.path().join("out");
    let o = run(&["run", s.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rj = json(&out.join("run.json"));
    assert_eq!(rj["tvws"]["database"]["mode"], "url");
    let chosen = rj["tvws"]["sites"][0]["chosen"]["channels"][0]
        .as_u64()
        .unwrap();
    assert!(chosen == 30 || chosen == 33, "{chosen}");
    // The server registered the device in its own store.
    let store = std::fs::read_to_string(tmp.path().join("registrations.json")).unwrap();
    assert!(store.contains("tvws-rural-tower"), "{store}");
    drop(server);
}

#[test]
fn bad_tvws_sections_are_diagnosed_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (
            "config = \"wsdb.toml\"\nurl = \"http://127.0.0.1:1/paws\"",
            "not both",
        ),
        ("config = \"missing.toml\"", "does not exist"),
        (
            "url = \"ftp://x\"\nstations = \"s.csv\"",
            "not an http[s]://",
        ),
        (
            "url = \"https://127.0.0.1:1/paws\"\nstations = \"s.csv\"",
            "needs ca_file",
        ),
        (
            "config = \"wsdb.toml\"\nca_file = \"s.csv\"",
            "only to an https url",
        ),
        ("url = \"http://127.0.0.1:1/paws\"", "stations"),
        (
            "emission_class = 9\nconfig = \"wsdb.toml\"",
            "emission_class",
        ),
        ("config = \"wsdb.toml\"\nchannels = [99]", "outside"),
        ("config = \"wsdb.toml\"\ncolour = 1", "unknown field"),
        ("", "needs config"),
    ];
    std::fs::write(tmp.path().join("wsdb.toml"), "x").unwrap();
    std::fs::write(tmp.path().join("s.csv"), "x").unwrap();
    for (tvws, want) in cases {
        let s = scenario(tmp.path(), tvws);
        let o = run(&["validate", s.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{tvws}: {err}");
        assert!(err.contains(want), "{tvws}: wanted '{want}' in {err}");
        assert!(err.contains("s.toml:"), "points at the file: {err}");
    }
    // [carrier] and [tvws] together.
    let s = scenario(tmp.path(), "config = \"wsdb.toml\"");
    let text = std::fs::read_to_string(&s).unwrap();
    std::fs::write(&s, format!("{text}\n[carrier]\ntv_channel = 21\n")).unwrap();
    let o = run(&["validate", s.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot be given together"));
}

#[test]
fn schema_has_the_tvws_table() {
    let o = run(&["schema"]);
    assert!(o.status.success());
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(j["properties"].as_object().unwrap().contains_key("tvws"));
    let defs = j["$defs"].as_object().unwrap();
    let t = &defs["TvwsFile"]["properties"];
    for k in ["config", "url", "stations", "channels", "interference"] {
        assert!(t.get(k).is_some(), "{k}");
    }
}
