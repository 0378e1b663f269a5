//! The web UI's own unit tests (`ui/tests/*.test.js`: the metrics parser, the dead letter
//! views), run with Node.js's test runner; `.ci/services` installs Node.js where it is missing.

use std::path::Path;
use std::process::Command;

use kconnect_test_kit::run_to_success;

#[test]
fn the_ui_modules_pass_their_unit_tests() {
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui");
    run_to_success(
        Command::new("node").args(["--test", "tests/"]).current_dir(ui),
        String::new,
    );
}
