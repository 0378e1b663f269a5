//! The web UI in headless Chromium and Firefox (Debian's), driven by playwright-core (all
//! installed by `.ci/services`) through `tests/ui/web_ui.mjs`, each against a worker on its
//! embedded broker. Screenshots of each page land in `$CARGO_TARGET_DIR/ui-screenshots/<browser>`
//! (or under `KCONNECT_UI_SCREENSHOTS`), not committed.

use std::path::{Path, PathBuf};
use std::process::Command;

use kconnect_test_kit::{Quickstart, playwright_modules, run_to_success};

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");

fn screenshots(browser: &str) -> PathBuf {
    let root = std::env::var_os("KCONNECT_UI_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
            target.join("ui-screenshots")
        });
    root.join(browser)
}

/// An operator's session in `browser` (`chromium` or `firefox`).
fn operator_session(browser: &str) {
    let modules = playwright_modules();
    let quickstart = Quickstart::of_repository(Path::new(BIN), 500);
    let worker = quickstart.start_with(&[]);
    quickstart.wait_for_rest(&worker);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui/web_ui.mjs");
    run_to_success(
        Command::new("node")
            .arg(script)
            .arg(format!("http://127.0.0.1:{}", quickstart.rest_port))
            .arg(quickstart.path(""))
            .arg(screenshots(browser))
            .env("PLAYWRIGHT_MODULES", modules)
            .env("BROWSER", browser),
        || format!("worker log:\n{}", worker.log()),
    );
}

#[test]
fn an_operator_runs_a_pipeline_from_the_web_ui_in_chromium() {
    operator_session("chromium");
}

#[test]
fn an_operator_runs_a_pipeline_from_the_web_ui_in_firefox() {
    operator_session("firefox");
}
