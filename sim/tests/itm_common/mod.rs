//! Shared helpers of the ITM/P.526 reference tests: locate `../shared/refdata` and read its
//! small CSV files (plain comma-separated, no quoting, header row).

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;

/// `refdata/<sub>` of the shared checkout, or `None` (with a printed reason) when it is
/// absent outside CI. Under `CI=true` a missing directory fails the test.
pub fn refdata(sub: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/refdata")
        .join(sub);
    if p.is_dir() {
        return Some(p);
    }
    if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
        panic!("reference data missing under CI: {}", p.display());
    }
    eprintln!("skipping: reference data not found at {}", p.display());
    None
}

/// One CSV row, fields by column name.
pub struct Row(pub HashMap<String, String>);

impl Row {
    pub fn s(&self, k: &str) -> &str {
        self.0
            .get(k)
            .unwrap_or_else(|| panic!("column {k} missing"))
            .as_str()
    }
    pub fn f(&self, k: &str) -> f64 {
        self.s(k)
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("column {k}: '{}' is not a number", self.s(k)))
    }
    pub fn i(&self, k: &str) -> i32 {
        self.f(k) as i32
    }
    pub fn opt(&self, k: &str) -> Option<f64> {
        self.0.get(k).and_then(|v| v.trim().parse().ok())
    }
}

/// Read a CSV file with a header into rows; a missing file fails the test.
pub fn read_csv(path: &std::path::Path) -> Vec<Row> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<String> = lines
        .next()
        .expect("empty CSV")
        .split(',')
        .map(|h| h.trim().to_string())
        .collect();
    lines
        .map(|l| {
            Row(header
                .iter()
                .cloned()
                .zip(l.split(',').map(|v| v.trim().to_string()))
                .collect())
        })
        .collect()
}

/// The PFL arrays of `profiles_pfl.csv`, one per line (profile id = index + 1).
pub fn read_pfls(path: &std::path::Path) -> Vec<Vec<f64>> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split(',')
                .filter(|v| !v.trim().is_empty())
                .map(|v| v.trim().parse::<f64>().expect("PFL value"))
                .collect()
        })
        .collect()
}

/// Worst-case tracker for a named quantity.
#[derive(Default)]
pub struct Worst {
    pub name: &'static str,
    pub worst: f64,
    pub at: String,
}

impl Worst {
    pub fn new(name: &'static str) -> Self {
        Worst {
            name,
            ..Default::default()
        }
    }
    pub fn add(&mut self, got: f64, want: f64, at: impl Into<String>) {
        let d = (got - want).abs();
        if d > self.worst || d.is_nan() {
            self.worst = if d.is_nan() { f64::INFINITY } else { d };
            self.at = format!("{} (got {got}, want {want})", at.into());
        }
    }
    pub fn check(&self, tol: f64) {
        eprintln!(
            "{}: worst |Δ| = {:.3e} at {}",
            self.name, self.worst, self.at
        );
        assert!(
            self.worst <= tol,
            "{}: worst |Δ| {} > {tol} at {}",
            self.name,
            self.worst,
            self.at
        );
    }
}
