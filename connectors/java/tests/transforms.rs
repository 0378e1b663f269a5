//! Java transformations and predicates from plugin.path (Apache's connect-transforms jar) run in
//! one chain with kconnect's built-in ones, on source records and on sink records.

use std::time::Duration;

use kconnect_test_kit::{
    TestWorker, append_lines, consume_records, java_plugin_worker, numbered_lines, plugin_directory, read_lines,
};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_api::PluginTable::new());

const WAIT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread")]
async fn java_and_native_transformations_share_a_chain() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input.txt");
    let output = dir.path().join("output.txt");
    let lines: Vec<String> = numbered_lines(0, 20).collect();
    append_lines(&input, lines.clone());
    plugin_directory(dir.path(), "connect-file", &["connect-file-"]);
    let plugin_path = plugin_directory(dir.path(), "connect-transforms", &["connect-transforms-"]);
    // Hoisting and inserting run in the JVM (Apache's classes win with prefer=java), behind a
    // Java predicate; the Debezium router exists only built in.
    let source = format!(
        "name=java-file\nconnector.class=org.apache.kafka.connect.file.FileStreamSourceConnector\n\
         file={}\ntopic=chain-lines\n\
         topic.creation.default.partitions=1\ntopic.creation.default.replication.factor=1\n\
         value.converter=org.apache.kafka.connect.json.JsonConverter\nvalue.converter.schemas.enable=false\n\
         transforms=hoist,origin,route\n\
         transforms.hoist.type=org.apache.kafka.connect.transforms.HoistField$Value\n\
         transforms.hoist.field=line\n\
         transforms.origin.type=org.apache.kafka.connect.transforms.InsertField$Value\n\
         transforms.origin.static.field=origin\ntransforms.origin.static.value=jvm\n\
         transforms.origin.predicate=tombstone\ntransforms.origin.negate=true\n\
         transforms.route.type=io.debezium.transforms.ByLogicalTableRouter\n\
         transforms.route.topic.regex=(.*)-lines\ntransforms.route.topic.replacement=$1-routed\n\
         transforms.route.key.enforce.uniqueness=false\n\
         predicates=tombstone\n\
         predicates.tombstone.type=org.apache.kafka.connect.transforms.predicates.RecordIsTombstone\n",
        input.display()
    );
    let sink = format!(
        "name=java-sink\nconnector.class=org.apache.kafka.connect.file.FileStreamSinkConnector\n\
         file={}\ntopics=chain-routed\n\
         value.converter=org.apache.kafka.connect.json.JsonConverter\nvalue.converter.schemas.enable=false\n\
         transforms=line\ntransforms.line.type=org.apache.kafka.connect.transforms.ExtractField$Value\n\
         transforms.line.field=line\n",
        output.display()
    );
    let worker_lines = format!("{}kconnect.plugins.prefer=java\n", java_plugin_worker(&plugin_path));
    let worker = TestWorker::start_with(false, &worker_lines, &[&source, &sink]).await;

    let routed = consume_records(&worker.bootstrap, "chain-routed", lines.len(), WAIT).await;
    assert_eq!(routed.len(), lines.len(), "{}", worker.process.log());
    for (record, line) in routed.iter().zip(&lines) {
        let value: serde_json::Value = serde_json::from_str(&record.value).unwrap();
        assert_eq!(value, serde_json::json!({"line": line, "origin": "jvm"}));
    }
    let (status, plugins) = worker.rest.get("/connector-plugins?connectorsOnly=false").await;
    assert_eq!(status, 200);
    let hoist = plugins
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["class"] == "org.apache.kafka.connect.transforms.HoistField$Value")
        .unwrap_or_else(|| panic!("{plugins}"));
    assert_eq!(hoist["version"], "3.9.0", "the jar's own version: {hoist}");

    let deadline = std::time::Instant::now() + WAIT;
    while read_lines(&output).len() < lines.len() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(read_lines(&output), lines, "{}", worker.process.log());
}
