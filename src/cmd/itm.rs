//! `lastmile itm p2p|area`: NTIA ITM v1.4 on reference-format CSV inputs.
//!
//! Input columns are found by name (extra columns are ignored); the output is
//! `case_id,A__db,warnings,rtn,mode` with `warnings` a decimal integer. An ITM error on a row
//! is reported in that row's `rtn` (with `A__db` = `NaN` and `mode` = 0) and the command
//! still exits 0; a malformed CSV exits 2 and writes nothing. The output file is written to a
//! temporary file beside it and renamed into place.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use sim::propagation::itm::{self, ItmParams, ItmResult};

use super::{CliError, CmdResult};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Debug, clap::Subcommand)]
enum Mode {
    /// Point-to-point mode (time/location/situation form) over PFL terrain profiles.
    P2p {
        /// Cases CSV: case_id, profile_id, h_tx__meter, h_rx__meter, climate, N_0, f__mhz,
        /// pol, epsilon, sigma, mdvar, time, location, situation.
        #[arg(long)]
        cases: PathBuf,
        /// Profiles CSV: one NTIA PFL array per line (np, spacing_m, elevations...);
        /// profile_id n is line n.
        #[arg(long)]
        profiles: PathBuf,
        /// Output CSV.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
    /// Area mode (time/location/situation form).
    Area {
        /// Cases CSV: case_id, h_tx__meter, h_rx__meter, tx_siting_criteria,
        /// rx_siting_criteria, d__km, delta_h__meter, climate, N_0, f__mhz, pol, epsilon,
        /// sigma, mdvar, time, location, situation.
        #[arg(long)]
        cases: PathBuf,
        /// Output CSV.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
}

pub fn run(a: Args) -> CmdResult {
    match a.mode {
        Mode::P2p {
            cases,
            profiles,
            output,
        } => {
            let pfls = read_profiles(&profiles).map_err(CliError::usage)?;
            let table = Table::read(&cases).map_err(CliError::usage)?;
            let rows = run_p2p(&table, &pfls).map_err(CliError::usage)?;
            write_output(&output, &rows).map_err(CliError::runtime)
        }
        Mode::Area { cases, output } => {
            let table = Table::read(&cases).map_err(CliError::usage)?;
            let rows = run_area(&table).map_err(CliError::usage)?;
            write_output(&output, &rows).map_err(CliError::runtime)
        }
    }
}

/// A CSV file read whole: header index and records.
struct Table {
    path: PathBuf,
    columns: HashMap<String, usize>,
    records: Vec<csv::StringRecord>,
}

impl Table {
    fn read(path: &Path) -> anyhow::Result<Table> {
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .flexible(false)
            .from_path(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let header = rdr
            .headers()
            .with_context(|| format!("{}: cannot read the header", path.display()))?
            .clone();
        let columns = header
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim_start_matches('\u{feff}').to_string(), i))
            .collect();
        let mut records = Vec::new();
        for r in rdr.records() {
            records.push(r.with_context(|| format!("{}: malformed CSV", path.display()))?);
        }
        Ok(Table {
            path: path.to_path_buf(),
            columns,
            records,
        })
    }

    fn require(&self, names: &[&str]) -> anyhow::Result<()> {
        let missing: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| !self.columns.contains_key(*n))
            .collect();
        if !missing.is_empty() {
            bail!(
                "{}: missing column(s): {}",
                self.path.display(),
                missing.join(", ")
            );
        }
        Ok(())
    }

    fn cell<'a>(
        &self,
        rec: &'a csv::StringRecord,
        line: usize,
        col: &str,
    ) -> anyhow::Result<&'a str> {
        rec.get(self.columns[col])
            .ok_or_else(|| anyhow!("{}:{line}: column {col} is missing", self.path.display()))
    }

    fn f64(&self, rec: &csv::StringRecord, line: usize, col: &str) -> anyhow::Result<f64> {
        let s = self.cell(rec, line, col)?;
        s.parse::<f64>()
            .ok()
            .filter(|v| !v.is_nan())
            .ok_or_else(|| {
                anyhow!(
                    "{}:{line}: {col} '{s}' is not a number",
                    self.path.display()
                )
            })
    }

    fn int(&self, rec: &csv::StringRecord, line: usize, col: &str) -> anyhow::Result<i32> {
        let v = self.f64(rec, line, col)?;
        if v.fract() != 0.0 || v.abs() > i32::MAX as f64 {
            bail!(
                "{}:{line}: {col} '{v}' is not an integer",
                self.path.display()
            );
        }
        Ok(v as i32)
    }

    fn params(&self, rec: &csv::StringRecord, line: usize) -> anyhow::Result<ItmParams> {
        Ok(ItmParams {
            climate: self.int(rec, line, "climate")?,
            n_0: self.f64(rec, line, "N_0")?,
            f_mhz: self.f64(rec, line, "f__mhz")?,
            pol: self.int(rec, line, "pol")?,
            epsilon: self.f64(rec, line, "epsilon")?,
            sigma: self.f64(rec, line, "sigma")?,
            mdvar: self.int(rec, line, "mdvar")?,
        })
    }
}

const COMMON: &[&str] = &[
    "case_id",
    "h_tx__meter",
    "h_rx__meter",
    "climate",
    "N_0",
    "f__mhz",
    "pol",
    "epsilon",
    "sigma",
    "mdvar",
    "time",
    "location",
    "situation",
];

/// One output row.
struct OutRow {
    case_id: String,
    result: Result<ItmResult, itm::ItmFailure>,
}

/// PFL arrays, one per non-empty line; every line must be a well-formed PFL.
fn read_profiles(path: &Path) -> anyhow::Result<Vec<Vec<f64>>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut pfl = Vec::new();
        for v in line.split(',').map(str::trim).filter(|v| !v.is_empty()) {
            let x: f64 = v
                .parse()
                .map_err(|_| anyhow!("{}:{}: '{v}' is not a number", path.display(), i + 1))?;
            pfl.push(x);
        }
        if itm::split_pfl(&pfl).is_none() {
            bail!(
                "{}:{}: not a PFL array (np, spacing, np+1 elevations)",
                path.display(),
                i + 1
            );
        }
        out.push(pfl);
    }
    if out.is_empty() {
        bail!("{}: no profiles", path.display());
    }
    Ok(out)
}

fn run_p2p(t: &Table, pfls: &[Vec<f64>]) -> anyhow::Result<Vec<OutRow>> {
    t.require(COMMON)?;
    t.require(&["profile_id"])?;
    let mut out = Vec::with_capacity(t.records.len());
    for (i, rec) in t.records.iter().enumerate() {
        let line = i + 2;
        let pid = t.int(rec, line, "profile_id")?;
        let pfl = usize::try_from(pid)
            .ok()
            .and_then(|p| p.checked_sub(1))
            .and_then(|p| pfls.get(p))
            .ok_or_else(|| {
                anyhow!(
                    "{}:{line}: profile_id {pid} is not in the profiles file ({} profiles)",
                    t.path.display(),
                    pfls.len()
                )
            })?;
        let result = itm::p2p_pfl_tls(
            t.f64(rec, line, "h_tx__meter")?,
            t.f64(rec, line, "h_rx__meter")?,
            pfl,
            &t.params(rec, line)?,
            t.f64(rec, line, "time")?,
            t.f64(rec, line, "location")?,
            t.f64(rec, line, "situation")?,
        );
        out.push(OutRow {
            case_id: t.cell(rec, line, "case_id")?.to_string(),
            result,
        });
    }
    Ok(out)
}

fn run_area(t: &Table) -> anyhow::Result<Vec<OutRow>> {
    t.require(COMMON)?;
    t.require(&[
        "tx_siting_criteria",
        "rx_siting_criteria",
        "d__km",
        "delta_h__meter",
    ])?;
    let mut out = Vec::with_capacity(t.records.len());
    for (i, rec) in t.records.iter().enumerate() {
        let line = i + 2;
        let result = itm::area_tls(
            t.f64(rec, line, "h_tx__meter")?,
            t.f64(rec, line, "h_rx__meter")?,
            t.int(rec, line, "tx_siting_criteria")?,
            t.int(rec, line, "rx_siting_criteria")?,
            t.f64(rec, line, "d__km")?,
            t.f64(rec, line, "delta_h__meter")?,
            &t.params(rec, line)?,
            t.f64(rec, line, "time")?,
            t.f64(rec, line, "location")?,
            t.f64(rec, line, "situation")?,
        );
        out.push(OutRow {
            case_id: t.cell(rec, line, "case_id")?.to_string(),
            result,
        });
    }
    Ok(out)
}

fn write_output(path: &Path, rows: &[OutRow]) -> anyhow::Result<()> {
    let mut text = String::from("case_id,A__db,warnings,rtn,mode\n");
    for r in rows {
        let line = match &r.result {
            Ok(g) => format!(
                "{},{:.6},{},{},{}\n",
                csv_field(&r.case_id),
                g.a_db,
                g.warnings,
                g.rtn(),
                g.mode as u8
            ),
            Err(f) => format!(
                "{},NaN,{},{},0\n",
                csv_field(&r.case_id),
                f.warnings,
                f.code()
            ),
        };
        text.push_str(&line);
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| anyhow!("{}: not a file path", path.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        anyhow!("cannot write {}: {e}", path.display())
    })?;
    eprintln!("itm: {} cases -> {}", rows.len(), path.display());
    Ok(())
}

/// Quote a field if it needs it.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
