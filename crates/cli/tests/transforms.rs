//! A source through a chain of transformations and predicates into Kafka: the exact JSON (schema
//! and payload) that lands in the topic.

use std::path::Path;
use std::time::Duration;

use kconnect_test_kit::{Quickstart, append_lines, consume_values};

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");

const CHAIN: &str = "
transforms=hoist,insert,rename,meta,mask,header,route,drop
transforms.hoist.type=org.apache.kafka.connect.transforms.HoistField$Value
transforms.hoist.field=line
transforms.insert.type=org.apache.kafka.connect.transforms.InsertField$Value
transforms.insert.topic.field=topic
transforms.insert.static.field=origin
transforms.insert.static.value=file
transforms.insert.predicate=isConnect
transforms.rename.type=ReplaceField$Value
transforms.rename.renames=line:text
transforms.meta.type=SetSchemaMetadata$Value
transforms.meta.schema.name=com.example.Line
transforms.meta.schema.version=2
transforms.mask.type=MaskField$Value
transforms.mask.fields=text
transforms.mask.predicate=isConnect
transforms.mask.negate=true
transforms.header.type=InsertHeader
transforms.header.header=pipeline
transforms.header.value.literal=quickstart
transforms.route.type=org.apache.kafka.connect.transforms.RegexRouter
transforms.route.regex=connect-(.*)
transforms.route.replacement=lines-$1
transforms.drop.type=Filter
transforms.drop.predicate=isOther
predicates=isConnect,isOther
predicates.isConnect.type=org.apache.kafka.connect.transforms.predicates.TopicNameMatches
predicates.isConnect.pattern=connect-.*
predicates.isOther.type=TopicNameMatches
predicates.isOther.pattern=other-.*
";

#[tokio::test(flavor = "multi_thread")]
async fn a_chain_of_transformations_shapes_what_lands_in_kafka() {
    let quickstart = Quickstart::of_repository(Path::new(BIN), 1_000);
    let source = quickstart.path("connect-file-source.properties");
    let text = format!("{}{CHAIN}", std::fs::read_to_string(&source).unwrap());
    std::fs::write(&source, text).unwrap();
    append_lines(
        &quickstart.input(),
        ["alpha".to_string(), "beta".to_string(), "gamma".to_string()],
    );
    let worker = quickstart.start_with(&[source]);
    quickstart.wait_for_rest(&worker);

    let bootstrap = format!("127.0.0.1:{}", quickstart.broker_port);
    let values = consume_values(&bootstrap, "lines-test", 3, Duration::from_secs(60)).await;
    let expected: Vec<String> = ["alpha", "beta", "gamma"]
        .iter()
        .map(|line| {
            format!(
                concat!(
                    r#"{{"schema":{{"type":"struct","fields":[{{"type":"string","optional":false,"field":"text"}},"#,
                    r#"{{"type":"string","optional":true,"field":"topic"}},{{"type":"string","optional":true,"field":"origin"}}],"#,
                    r#""optional":false,"name":"com.example.Line","version":2}},"#,
                    r#""payload":{{"text":"{}","topic":"connect-test","origin":"file"}}}}"#
                ),
                line
            )
        })
        .collect();
    assert_eq!(values, expected, "worker log:\n{}", worker.log());
}

#[test]
fn a_broken_chain_is_rejected_with_its_keys_named() {
    let quickstart = Quickstart::of_repository(Path::new(BIN), 1_000);
    let source = quickstart.path("connect-file-source.properties");
    let broken = "transforms=a,b\ntransforms.a.type=HoistField$Value\ntransforms.b.type=Nope\n";
    let text = format!("{}{broken}", std::fs::read_to_string(&source).unwrap());
    std::fs::write(&source, text).unwrap();
    let output = std::process::Command::new(BIN)
        .arg("standalone")
        .arg(quickstart.path("connect-standalone.properties"))
        .arg(&source)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("transforms.a.field: "), "{stderr}");
    assert!(stderr.contains("transforms.b.type: Invalid value Nope"), "{stderr}");
}
