//! FileStreamSource and FileStreamSink pass the connector compliance harness.

use kconnect_test_kit::compliance::file_stream::{InputFile, OutputFile, sink_case, source_case};
use kconnect_test_kit::compliance::{check_sink, check_source};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_file::plugins());

#[tokio::test(flavor = "multi_thread")]
async fn file_stream_source_passes_the_harness() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input.txt");
    check_source(source_case(&input, String::new()), &mut InputFile(input))
        .await
        .assert_passed();
}

#[tokio::test(flavor = "multi_thread")]
async fn file_stream_sink_passes_the_harness() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("output.txt");
    let report = check_sink(sink_case(&output, String::new()), &mut OutputFile(output)).await;
    report.assert_passed();
    assert_eq!(
        report.not_applicable.len(),
        1,
        "FileStreamSink rejects no record: {report:?}"
    );
}
