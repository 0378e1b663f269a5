//! The `kconnect` binary: the command line of [`kconnect::run`] with every plugin this build has.

mod allocator;

use std::process::ExitCode;

fn main() -> ExitCode {
    allocator::keep_small_pages();
    kconnect::run(kconnect::builtin_plugins(), std::env::args_os())
}
