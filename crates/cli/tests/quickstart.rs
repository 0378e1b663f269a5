//! Apache's file quickstart, run as a user runs it: the `kconnect` binary on the three config
//! files, the embedded broker, a stop and a restart, and a kill -9.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::Duration;

use kconnect_test_kit::{ARRIVAL_TIMEOUT, Quickstart, append_lines, numbered_lines, wait_until};

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");

fn quickstart(flush_interval_ms: u64) -> Quickstart {
    Quickstart::of_repository(Path::new(BIN), flush_interval_ms)
}

#[test]
fn lines_arrive_in_order_and_a_restart_neither_loses_nor_repeats() {
    let quickstart = quickstart(10_000);
    append_lines(&quickstart.input(), numbered_lines(0, 10_000));
    let mut worker = quickstart.start();
    quickstart.wait_for_lines(&worker, 10_000);

    worker.signal("TERM");
    let status = worker
        .wait(Duration::from_secs(30))
        .expect("worker stops after SIGTERM");
    assert!(status.success(), "exit status {status:?}; log:\n{}", worker.log());
    assert!(
        worker.log().contains("embedded broker listening on 127.0.0.1:"),
        "the broker address is logged"
    );

    append_lines(&quickstart.input(), numbered_lines(10_000, 5_000));
    let worker = quickstart.start();
    quickstart.wait_for_lines(&worker, 15_000);
    std::thread::sleep(Duration::from_secs(2));

    let expected: Vec<String> = numbered_lines(0, 15_000).collect();
    assert_eq!(
        quickstart.output(),
        expected,
        "exactly 15,000 lines, in order, none twice"
    );
}

#[test]
fn a_killed_worker_resumes_from_committed_offsets() {
    let quickstart = quickstart(1_000);
    let total = 30_000;
    let input = quickstart.input();
    let writer = std::thread::spawn(move || {
        for first in (0..total).step_by(500) {
            append_lines(&input, numbered_lines(first, 500));
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    let mut worker = quickstart.start();
    quickstart.wait_for_lines(&worker, 5_000);
    worker.signal("KILL");
    worker.wait(Duration::from_secs(10)).expect("killed worker exits");
    let before_restart = quickstart.output().len();
    writer.join().expect("writer");

    let worker = quickstart.start();
    let distinct = || quickstart.output().into_iter().collect::<HashSet<String>>().len();
    let complete = wait_until(ARRIVAL_TIMEOUT, || distinct() >= total);
    assert!(
        complete,
        "{} of {total} distinct lines arrived; log:\n{}",
        distinct(),
        worker.log()
    );
    std::thread::sleep(Duration::from_secs(2));

    let output = quickstart.output();
    let mut seen = HashSet::new();
    let first_arrivals: Vec<&String> = output.iter().filter(|line| seen.insert(*line)).collect();
    let expected: Vec<String> = numbered_lines(0, total).collect();
    assert_eq!(
        first_arrivals,
        expected.iter().collect::<Vec<_>>(),
        "every line, first arrivals in order"
    );
    let duplicates = output.len() - total;
    eprintln!(
        "kill -9 after {before_restart} of {total} lines had arrived: {duplicates} lines delivered twice (sent or written after the last offset commit)"
    );
    let mut copies: HashMap<&String, usize> = HashMap::new();
    output.iter().for_each(|line| *copies.entry(line).or_default() += 1);
    // The source may send a line again (its offset was not committed) and the sink may write the
    // first copy again (its consumer offset was not committed): at most three copies after one kill.
    let most = copies.values().max().copied().unwrap_or_default();
    assert!(most <= 3, "a line arrived {most} times after one kill");
}
