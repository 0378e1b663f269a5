//! The REST API's write side over real HTTP: create, update, patch, delete, pause, resume, stop,
//! restart, validate; every error path with Apache's status code and error body.

use std::path::Path;
use std::time::Duration;

use kconnect_test_kit::{Quickstart, RestApi as Api, append_lines, numbered_lines, wait_until};
use reqwest::Method;
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");

fn quickstart() -> Quickstart {
    Quickstart::of_repository(Path::new(BIN), 1_000)
}

#[tokio::test(flavor = "multi_thread")]
async fn connectors_are_managed_over_rest() {
    let quickstart = quickstart();
    let worker = quickstart.start_with(&[]);
    quickstart.wait_for_rest(&worker);
    let api = Api::new(quickstart.rest_port);
    let input = quickstart.input().display().to_string();
    let output = quickstart.path("test.sink.txt").display().to_string();
    let source = json!({"connector.class": "FileStreamSource", "file": input, "topic": "connect-test"});

    let (status, body, location) = api
        .json(Method::POST, "/connectors", json!({"name": "src", "config": source}))
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(location.as_deref(), Some("/connectors/src"));
    assert_eq!(body["name"], "src");
    assert_eq!(body["config"]["name"], "src");
    assert_eq!(body["type"], "source");
    assert_eq!(body["tasks"], json!([{"connector": "src", "task": 0}]));

    let (status, body, _) = api
        .json(Method::POST, "/connectors", json!({"name": "src", "config": source}))
        .await;
    assert_eq!(
        (status, body),
        (
            409,
            json!({"error_code": 409, "message": "Connector src already exists"})
        )
    );
    let mismatched = json!({"name": "other", "config": {"name": "src", "connector.class": "FileStreamSource"}});
    let (status, body, _) = api.json(Method::POST, "/connectors", mismatched).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "Connector name configuration (src) doesn't match connector name in the URL (other)"
    );
    let invalid =
        json!({"name": "bad", "config": {"connector.class": "FileStreamSource", "topic": "t", "tasks.max": "x"}});
    let (status, body, _) = api.json(Method::POST, "/connectors", invalid).await;
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap().contains("tasks.max: Invalid value x"),
        "{body}"
    );
    let (status, body, _) = api.call(Method::POST, "/connectors", Some("{not json")).await;
    assert_eq!(status, 500);
    assert_eq!(body["error_code"], 500);

    let sink = json!({"connector.class": "FileStreamSink", "file": output, "topics": "connect-test"});
    let (status, body, location) = api.json(Method::PUT, "/connectors/sink/config", sink.clone()).await;
    assert_eq!((status, location.as_deref()), (201, Some("/connectors/sink")), "{body}");
    // Let the first sink task finish joining its consumer group before the update restarts it: a
    // task stopped in the middle of the join leaves a member the embedded broker never expires,
    // and the next task then waits for it (a known issue, see the session notes).
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut changed = sink.clone();
    changed["tasks.max"] = json!("1");
    let (status, body, _) = api.json(Method::PUT, "/connectors/sink/config", changed).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["config"]["tasks.max"], "1");

    append_lines(&quickstart.input(), numbered_lines(0, 100));
    assert!(
        wait_until(kconnect_test_kit::ARRIVAL_TIMEOUT, || quickstart.output().len() == 100),
        "lines flow: {} of 100; log:\n{}",
        quickstart.output().len(),
        worker.log()
    );

    let (status, _, _) = api.call(Method::PUT, "/connectors/src/pause", None).await;
    assert_eq!(status, 202);
    assert_eq!(api.state("src").await["connector"]["state"], "PAUSED");
    assert_eq!(api.state("src").await["tasks"][0]["state"], "PAUSED");
    append_lines(&quickstart.input(), numbered_lines(100, 50));
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(quickstart.output().len(), 100, "a paused source reads nothing");
    let (status, _, _) = api.call(Method::PUT, "/connectors/src/resume", None).await;
    assert_eq!(status, 202);
    assert!(
        wait_until(Duration::from_secs(60), || quickstart.output().len() == 150),
        "resumed source reads on"
    );
    assert_eq!(api.state("src").await["connector"]["state"], "RUNNING");

    let (status, body, _) = api
        .json(
            Method::PATCH,
            "/connectors/sink/config",
            json!({"tasks.max": null, "x.extra": "1"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["config"].get("tasks.max").is_none());
    assert_eq!(body["config"]["x.extra"], "1");
    let (status, _, _) = api
        .json(Method::PATCH, "/connectors/nope/config", json!({"a": "b"}))
        .await;
    assert_eq!(status, 404);

    let (status, _, _) = api.call(Method::PUT, "/connectors/src/stop", None).await;
    assert_eq!(status, 204);
    assert_eq!(
        api.state("src").await,
        json!({"name": "src", "connector": {"state": "STOPPED", "worker_id": format!("127.0.0.1:{}", quickstart.rest_port)}, "tasks": [], "type": "source"})
    );
    assert_eq!(api.get("/connectors/src/tasks").await, (200, json!([])));
    let (status, _, _) = api.call(Method::PUT, "/connectors/src/resume", None).await;
    assert_eq!(status, 202);
    assert_eq!(api.state("src").await["tasks"][0]["state"], "RUNNING");

    let (status, _, _) = api.call(Method::POST, "/connectors/src/restart", None).await;
    assert_eq!(status, 204);
    let (status, body, _) = api
        .call(Method::POST, "/connectors/src/restart?includeTasks=true", None)
        .await;
    assert_eq!(status, 202);
    assert_eq!(body["connector"]["state"], "RESTARTING");
    assert_eq!(body["tasks"][0]["state"], "RESTARTING");
    let (status, body, _) = api
        .call(
            Method::POST,
            "/connectors/src/restart?includeTasks=true&onlyFailed=true",
            None,
        )
        .await;
    assert_eq!(status, 202);
    assert_eq!(body["tasks"][0]["state"], "RUNNING", "nothing failed, nothing restarts");
    let (status, _, _) = api.call(Method::POST, "/connectors/src/tasks/0/restart", None).await;
    assert_eq!(status, 204);
    let (status, _, _) = api.call(Method::POST, "/connectors/src/tasks/9/restart", None).await;
    assert_eq!(status, 404);
    append_lines(&quickstart.input(), numbered_lines(150, 50));
    assert!(
        wait_until(Duration::from_secs(60), || quickstart.output().len() == 200),
        "restarts lose nothing and repeat nothing"
    );
    let expected: Vec<String> = numbered_lines(0, 200).collect();
    assert_eq!(quickstart.output(), expected);

    for path in [
        "/connectors/nope/pause",
        "/connectors/nope/resume",
        "/connectors/nope/stop",
    ] {
        let (status, body, _) = api.call(Method::PUT, path, None).await;
        assert_eq!(
            (status, body["message"].as_str()),
            (404, Some("Connector nope not found")),
            "{path}"
        );
    }
    let (status, _, _) = api.call(Method::DELETE, "/connectors/sink", None).await;
    assert_eq!(status, 204);
    assert_eq!(api.get("/connectors/sink").await.0, 404);
    assert_eq!(api.get("/connectors").await, (200, json!(["src"])));
    assert_eq!(api.call(Method::DELETE, "/connectors/sink", None).await.0, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn validate_reports_each_bad_key_by_name() {
    let quickstart = quickstart();
    let worker = quickstart.start_with(&[]);
    quickstart.wait_for_rest(&worker);
    let api = Api::new(quickstart.rest_port);

    let broken = json!({"connector.class": "FileStreamSource", "name": "v", "tasks.max": "many", "key.converter": "com.example.Nope", "batch.size": "0x"});
    let (status, body, _) = api
        .json(
            Method::PUT,
            "/connector-plugins/FileStreamSource/config/validate",
            broken,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["name"], "org.apache.kafka.connect.file.FileStreamSourceConnector");
    assert_eq!(body["error_count"], 4, "{body}");
    let errors = |key: &str| -> Vec<String> {
        body["configs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["value"]["name"] == key)
            .flat_map(|c| {
                c["value"]["errors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e.as_str().unwrap().to_string())
            })
            .collect()
    };
    assert_eq!(
        errors("topic"),
        ["Missing required configuration \"topic\" which has no default value."]
    );
    assert_eq!(
        errors("tasks.max"),
        ["Invalid value many for configuration tasks.max: Not a number of type INT"]
    );
    assert!(errors("key.converter")[0].contains("com.example.Nope"));
    assert!(errors("batch.size")[0].contains("batch.size"));
    let topic = body["configs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["definition"]["name"] == "topic")
        .unwrap();
    assert_eq!(topic["definition"]["type"], "STRING");
    assert_eq!(topic["definition"]["required"], true);

    let (status, body, _) = api
        .json(
            Method::PUT,
            "/connector-plugins/FileStreamSink/config/validate",
            json!({"connector.class": "FileStreamSource"}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, body, _) = api
        .json(
            Method::PUT,
            "/connector-plugins/FileStreamSinkConnector/config/validate",
            json!({"name": "s", "topics": "a", "topics.regex": "b"}),
        )
        .await;
    assert_eq!((status, body["error_count"].as_u64()), (200, Some(2)));

    let (status, keys) = api
        .get("/connector-plugins/org.apache.kafka.connect.file.FileStreamSourceConnector/config")
        .await;
    assert_eq!(status, 200);
    let names: Vec<&str> = keys
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["file", "topic", "batch.size"]);
    let (status, keys) = api.get("/connector-plugins/JsonConverter/config").await;
    assert_eq!(status, 200);
    assert!(keys.as_array().unwrap().iter().any(|k| k["name"] == "schemas.enable"));
    assert_eq!(api.get("/connector-plugins/Nope/config").await.0, 404);
    assert_eq!(
        api.get("/health").await,
        (
            200,
            json!({"status": "healthy", "message": "Worker has completed startup and is ready to handle requests."})
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_connector_stays_stopped_after_a_worker_restart() {
    let quickstart = quickstart();
    let mut worker = quickstart.start();
    quickstart.wait_for_rest(&worker);
    let api = Api::new(quickstart.rest_port);
    for _ in 0..300 {
        if api.state("local-file-source").await["connector"]["state"] == "RUNNING" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        api.call(Method::PUT, "/connectors/local-file-source/stop", None)
            .await
            .0,
        204
    );
    assert_eq!(
        api.call(Method::PUT, "/connectors/local-file-sink/pause", None).await.0,
        202
    );
    worker.signal("TERM");
    assert!(worker.wait(Duration::from_secs(30)).is_some_and(|s| s.success()));

    let worker = quickstart.start();
    quickstart.wait_for_rest(&worker);
    // The REST API answers before the worker has created the connectors of its files: wait until
    // each has a state, then it must be the one it had.
    let known = |status: &serde_json::Value| !status["connector"]["state"].is_null();
    let source = api
        .wait_for_status("local-file-source", Duration::from_secs(30), known)
        .await;
    assert_eq!(source["connector"]["state"], "STOPPED");
    let sink = api
        .wait_for_status("local-file-sink", Duration::from_secs(30), known)
        .await;
    assert_eq!(sink["connector"]["state"], "PAUSED");
}
