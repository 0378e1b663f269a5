//! A kconnect worker process run from the test binary itself, so that a test runs a real worker,
//! and can kill it, with a plugin table of its own (its connector family and the scripted test
//! plugins) instead of the release binary's.
//!
//! A test file names its table once with [`worker_entry!`](crate::worker_entry); that defines the
//! test `kconnect_test_worker`, which does nothing in a normal run. [`command`] starts this binary
//! again with only that test selected and the worker's arguments in the environment, and there it
//! becomes the worker.

use std::process::{Command, ExitCode};

/// The environment variable that carries the worker's command line, as a JSON array.
pub const WORKER_ARGS_ENV: &str = "KCONNECT_TEST_WORKER_ARGS";
/// The name of the test that [`worker_entry!`](crate::worker_entry) defines.
pub const ENTRY_TEST: &str = "kconnect_test_worker";

/// In the entry test: when this process was started by [`command`], runs `run` with the worker's
/// command line and exits with its outcome; otherwise returns at once.
pub fn serve_if_asked(run: impl FnOnce(Vec<String>) -> ExitCode) {
    let Ok(args) = std::env::var(WORKER_ARGS_ENV) else {
        return;
    };
    let args: Vec<String> = serde_json::from_str(&args).expect("the worker's arguments");
    let code = run(args);
    std::process::exit(if code == ExitCode::SUCCESS { 0 } else { 1 });
}

/// This test binary, to run as the worker `args` (program name first).
pub fn command(args: &[String]) -> Command {
    let mut command = Command::new(std::env::current_exe().expect("this test binary"));
    command
        .args([ENTRY_TEST, "--exact", "--nocapture", "--test-threads=1"])
        .env(WORKER_ARGS_ENV, serde_json::to_string(args).expect("arguments as JSON"));
    command
}

/// Defines the test that turns this test binary into a worker process when the compliance harness
/// (or [`WorkerProcess::in_this_test`](crate::WorkerProcess::in_this_test)) asks: `$run` is
/// `kconnect::run`, `$plugins` the table of the connector family under test; the harness adds the
/// converters, transformations, predicates and scripted test plugins. Call it at the test file's
/// top level.
#[macro_export]
macro_rules! worker_entry {
    ($run:path, $plugins:expr) => {
        /// The worker process the compliance harness starts from this test binary; a no-op test
        /// otherwise.
        #[test]
        fn kconnect_test_worker() {
            $crate::child_worker::serve_if_asked(|args| $run($crate::compliance::worker_plugins($plugins), args));
        }
    };
}
