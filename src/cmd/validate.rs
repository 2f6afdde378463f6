//! `lastmile validate SCENARIO`: parse and check a scenario; diagnostics at file:line:col.
//!
//! Also home of [`load`], the scenario loading every scenario command shares: read, parse,
//! validate, render problems with miette (exit 2).

use std::path::{Path, PathBuf};

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource};
use sim::scenario::{Scenario, ScenarioError, ScenarioErrors};

use super::{CliError, CmdResult};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file (TOML).
    scenario: PathBuf,
}

pub fn run(a: Args) -> CmdResult {
    let loaded = load(&a.scenario)?;
    // Terrain problems (missing files, sites outside it) are scenario problems too.
    let _terrain = crate::output::terrain::load(&loaded)?;
    let sc = &loaded.scenario;
    eprintln!(
        "{}: ok — '{}', {} site(s), {:.3} MHz, model {}",
        a.scenario.display(),
        sc.name,
        sc.sites.len(),
        sc.carrier.center_hz / 1e6,
        sc.model.id.as_str()
    );
    Ok(())
}

/// A scenario read from disk, with its text for later diagnostics.
pub struct Loaded {
    /// The file as given.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
    /// The validated scenario.
    pub scenario: Scenario,
}

impl Loaded {
    /// Render errors against this file; the `CliError` to return (exit 2).
    pub fn report(&self, errs: &ScenarioErrors) -> CliError {
        render(&self.path, &self.text, errs)
    }
}

/// Read, parse and validate a scenario file; problems are printed and give exit 2.
pub fn load(path: &Path) -> Result<Loaded, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::usage(anyhow::anyhow!("{}: {e}", path.display())))?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into());
    let base = path.parent().unwrap_or(Path::new("."));
    match Scenario::from_text(&text, &stem, base) {
        Ok(scenario) => Ok(Loaded {
            path: path.to_path_buf(),
            text,
            scenario,
        }),
        Err(errs) => Err(render(path, &text, &errs)),
    }
}

/// Render every error with miette and return `CliError::Reported(2)`.
pub fn render(path: &Path, text: &str, errs: &ScenarioErrors) -> CliError {
    use std::io::IsTerminal;
    let theme = if std::io::stderr().is_terminal() {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let name = path.display().to_string();
    let mut out = String::new();
    for e in &errs.0 {
        let report = to_report(e).with_source_code(NamedSource::new(&name, text.to_string()));
        let _ = handler.render_report(&mut out, report.as_ref());
        out.push('\n');
    }
    eprint!("{out}");
    eprintln!("error: {} has {} problem(s)", name, errs.0.len());
    CliError::Reported(2)
}

fn to_report(e: &ScenarioError) -> miette::Report {
    let code = serde_json::to_value(e.kind)
        .ok()
        .and_then(|v| v.as_str().map(|s| format!("scenario::{s}")))
        .unwrap_or_else(|| "scenario".into());
    let mut d = MietteDiagnostic::new(e.message.clone()).with_code(code);
    if let Some(span) = &e.span {
        d = d.with_label(LabeledSpan::at(span.clone(), e.label.clone()));
    }
    if let Some(h) = &e.help {
        d = d.with_help(h.clone());
    }
    miette::Report::new(d)
}
