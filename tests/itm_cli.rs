//! `lastmile itm p2p|area` run as a binary on the reference data (ARCHITECTURE.md contract):
//! every reference case within 0.01 dB with identical warnings, rtn and mode; ITM errors in
//! `rtn` with exit 0; malformed input exits 2 and writes nothing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn refdata() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/refdata/itm");
    if p.is_dir() {
        return Some(p);
    }
    if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
        panic!("reference data missing under CI: {}", p.display());
    }
    eprintln!("skipping: reference data not found at {}", p.display());
    None
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("lastmile-itm-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn lastmile(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lastmile"))
        .args(args)
        .output()
        .expect("run lastmile")
}

/// CSV as maps keyed by column, plus the header.
fn read_csv(p: &Path) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let text = std::fs::read_to_string(p).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(String::from))
                .collect()
        })
        .collect();
    (header, rows)
}

fn compare(reference: &Path, out: &Path, cols: (&str, &str, &str, &str)) {
    let (_, want) = read_csv(reference);
    let (header, got) = read_csv(out);
    assert_eq!(header, ["case_id", "A__db", "warnings", "rtn", "mode"]);
    assert_eq!(got.len(), want.len());
    let got: HashMap<_, _> = got.into_iter().map(|r| (r["case_id"].clone(), r)).collect();
    let mut worst = 0f64;
    for w in &want {
        let g = &got[&w["case_id"]];
        let a: f64 = g["A__db"].parse().unwrap();
        worst = worst.max((a - w[cols.0].parse::<f64>().unwrap()).abs());
        assert_eq!(g["warnings"], w[cols.1], "case {} warnings", w["case_id"]);
        assert_eq!(g["rtn"], w[cols.2], "case {} rtn", w["case_id"]);
        assert_eq!(g["mode"], w[cols.3], "case {} mode", w["case_id"]);
    }
    eprintln!("{}: worst |ΔA| {worst:.2e} dB", reference.display());
    assert!(worst <= 0.01, "worst |ΔA| {worst}");
}

#[test]
fn itm_cli_p2p_and_area_match_reference() {
    let Some(r) = refdata() else { return };
    let d = tmpdir("ref");
    let cases = [
        (
            "p2p_sweep_refbuild.csv",
            ("A__db", "warnings", "rtn", "mode"),
        ),
        (
            "p2p_published.csv",
            (
                "A__db_refbuild",
                "warnings_refbuild",
                "rtn_refbuild",
                "mode_refbuild",
            ),
        ),
    ];
    for (f, cols) in cases {
        let out = d.join(f);
        let o = lastmile(&[
            "itm",
            "p2p",
            "--cases",
            r.join(f).to_str().unwrap(),
            "--profiles",
            r.join("profiles_pfl.csv").to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        compare(&r.join(f), &out, cols);
    }
    let cases = [
        (
            "area_sweep_refbuild.csv",
            ("A__db", "warnings", "rtn", "mode"),
        ),
        (
            "area_published.csv",
            (
                "A__db_refbuild",
                "warnings_refbuild",
                "rtn_refbuild",
                "mode_refbuild",
            ),
        ),
    ];
    for (f, cols) in cases {
        let out = d.join(f);
        let o = lastmile(&[
            "itm",
            "area",
            "--cases",
            r.join(f).to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        compare(&r.join(f), &out, cols);
    }
    let _ = std::fs::remove_dir_all(&d);
}

/// Columns in any order, extra columns ignored, ITM errors reported per row with exit 0.
#[test]
fn itm_cli_errors_go_in_rtn() {
    let d = tmpdir("rtn");
    let cases = d.join("cases.csv");
    std::fs::write(
        &cases,
        "note,situation,location,time,mdvar,sigma,epsilon,pol,f__mhz,N_0,climate,delta_h__meter,d__km,rx_siting_criteria,tx_siting_criteria,h_rx__meter,h_tx__meter,case_id\n\
         ok,50,50,50,1,0.005,15,0,600,301,5,90,30,0,0,10,30,a\n\
         badf,50,50,50,1,0.005,15,0,25000,301,5,90,30,0,0,10,30,b\n\
         badclimate,50,50,50,1,0.005,15,0,600,301,9,90,30,0,0,10,30,c\n\
         warn,50,50,50,1,0.005,15,0,30,301,5,90,30,0,0,10,30,d\n",
    )
    .unwrap();
    let out = d.join("out.csv");
    let o = lastmile(&[
        "itm",
        "area",
        "--cases",
        cases.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (_, rows) = read_csv(&out);
    let by: HashMap<_, _> = rows.iter().map(|r| (r["case_id"].as_str(), r)).collect();
    assert_eq!(by["a"]["rtn"], "0");
    assert!(by["a"]["A__db"].parse::<f64>().unwrap() > 100.0);
    assert_eq!(by["b"]["rtn"], "1009");
    assert_eq!(by["b"]["A__db"], "NaN");
    assert_eq!(by["b"]["warnings"], "4");
    assert_eq!(by["c"]["rtn"], "1002");
    assert_eq!(
        (by["d"]["rtn"].as_str(), by["d"]["warnings"].as_str()),
        ("1", "4")
    );
    let _ = std::fs::remove_dir_all(&d);
}

/// Malformed input: exit 2, a message naming the problem, and no output file.
#[test]
fn itm_cli_malformed_input_exits_2_and_writes_nothing() {
    let d = tmpdir("bad");
    let pfl = d.join("pfl.csv");
    std::fs::write(&pfl, "4,100,10,20,30,40,50\n").unwrap();
    let header = "case_id,profile_id,h_tx__meter,h_rx__meter,climate,N_0,f__mhz,pol,epsilon,sigma,mdvar,time,location,situation\n";
    let bad_cases = [
        (
            "notnum",
            format!("{header}1,1,x,10,5,301,600,0,15,0.005,1,50,50,50\n"),
            "not a number",
        ),
        (
            "missingcol",
            "case_id,profile_id\n1,1\n".to_string(),
            "missing column",
        ),
        (
            "noprofile",
            format!("{header}1,7,30,10,5,301,600,0,15,0.005,1,50,50,50\n"),
            "profile_id 7",
        ),
        ("ragged", format!("{header}1,1,30,10\n"), "malformed"),
        (
            "nonint",
            format!("{header}1,1,30,10,5.5,301,600,0,15,0.005,1,50,50,50\n"),
            "not an integer",
        ),
    ];
    for (name, text, msg) in bad_cases {
        let cases = d.join(format!("{name}.csv"));
        std::fs::write(&cases, text).unwrap();
        let out = d.join(format!("{name}.out.csv"));
        let o = lastmile(&[
            "itm",
            "p2p",
            "--cases",
            cases.to_str().unwrap(),
            "--profiles",
            pfl.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(msg), "{name}: message '{err}' lacks '{msg}'");
        assert!(!out.exists(), "{name}: output written");
    }
    // a PFL line shorter than its header says
    let short = d.join("short.csv");
    std::fs::write(&short, "9,100,10,20\n").unwrap();
    let cases = d.join("ok.csv");
    std::fs::write(
        &cases,
        format!("{header}1,1,30,10,5,301,600,0,15,0.005,1,50,50,50\n"),
    )
    .unwrap();
    let out = d.join("short.out.csv");
    let o = lastmile(&[
        "itm",
        "p2p",
        "--cases",
        cases.to_str().unwrap(),
        "--profiles",
        short.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists());
    // and the good case with the good profile works
    let o = lastmile(&[
        "itm",
        "p2p",
        "--cases",
        cases.to_str().unwrap(),
        "--profiles",
        pfl.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.exists());
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn itm_bench_prints_profiles_per_s() {
    let o = lastmile(&["bench", "itm"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    assert!(v["profiles_per_s_per_core"].as_f64().unwrap() > 0.0);
    assert_eq!(v["points"], 1001);
}
