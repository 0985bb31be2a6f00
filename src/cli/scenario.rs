//! Loads a scenario file for `eval --scenario`.

use access_check::scenario::Scenario;

pub fn load(path: &str) -> Result<Scenario, String> {
    let text = super::read(path, super::limits::SCENARIO)?;
    Scenario::parse(&text).map_err(|error| format!("scenario {path}: {error}"))
}
