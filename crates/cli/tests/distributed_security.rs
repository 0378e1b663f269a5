//! Distributed workers on secured brokers. Against a broker that lets clients in only after SASL,
//! the worker's group connection authenticates with SCRAM-SHA-256 (from the same `sasl.*` keys its
//! librdkafka clients read), joins the group and runs a pipeline; without SASL, or with a wrong
//! password, the broker refuses the group protocol. Against a broker behind TLS, the group
//! connection verifies the broker's certificate against `ssl.ca.location` and runs a pipeline.
//! Behind basic authentication, two workers still share work: writes forwarded to the leader carry
//! the caller's credentials, and task configurations go between workers as signed internal
//! requests, as in Apache.

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use kafka_protocol::messages::alter_user_scram_credentials_request::ScramCredentialUpsertion;
use kafka_protocol::messages::{AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse};
use kafka_protocol::protocol::StrBytes;
use kconnect_distributed::connection::Dialer;
use kconnect_distributed::group::{GroupError, GroupMember, GroupTimings};
use kconnect_distributed::group_security::GroupSecurity;
use kconnect_distributed::scram::ScramHash;
use kconnect_test_kit::{
    BrokerProcess, RestApi, WorkerProcess, append_lines, consume_values, free_port, numbered_lines, read_lines,
    start_broker, start_sasl_broker, start_tls_broker, wait_until, worker_file,
};
use reqwest::Method;
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");
/// One test at a time: each starts brokers on ports picked by `free_port`, which two tests at once
/// could both pick.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
const TIMINGS: GroupTimings = GroupTimings {
    session: Duration::from_secs(10),
    rebalance: Duration::from_secs(10),
    heartbeat: Duration::from_secs(3),
};
const USER: &str = "connect";
const PASSWORD: &str = "connect-secret";

/// Stores SCRAM-SHA-256 credentials in the broker at `bootstrap`, as `kafka-configs.sh` would.
async fn add_scram_user(bootstrap: &str) {
    let salt = b"kconnect-test-salt";
    let upsertion = ScramCredentialUpsertion::default()
        .with_name(StrBytes::from_static_str(USER))
        .with_mechanism(1)
        .with_iterations(4096)
        .with_salt(Bytes::from_static(salt))
        .with_salted_password(Bytes::from(ScramHash::Sha256.salted_password(
            PASSWORD.as_bytes(),
            salt,
            4096,
        )));
    let request = AlterUserScramCredentialsRequest::default().with_upsertions(vec![upsertion]);
    let mut connection = Dialer::new("test", GroupSecurity::default())
        .open(bootstrap)
        .await
        .unwrap();
    let response: AlterUserScramCredentialsResponse =
        connection.call(&request, 0, Duration::from_secs(10)).await.unwrap();
    assert!(response.results.iter().all(|r| r.error_code == 0), "{response:?}");
}

fn security(password: &str) -> GroupSecurity {
    let keys = [
        ("security.protocol", "SASL_PLAINTEXT"),
        ("sasl.mechanism", "SCRAM-SHA-256"),
        ("sasl.username", USER),
        ("sasl.password", password),
    ];
    GroupSecurity::from_worker(&keys.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_authenticates_its_group_connection_with_sasl() {
    let _one = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("broker");
    // The user is stored by the same broker, on the same data, before it requires SASL.
    let open = BrokerProcess::start(Path::new(BIN), free_port(), &data, "sqlite");
    add_scram_user(&open.bootstrap).await;
    open.terminate();
    let broker = start_sasl_broker(&data).await;
    let bootstrap = broker.bootstrap_servers();

    let plain = Dialer::new("unauthenticated", GroupSecurity::default());
    let refused = GroupMember::connect(&bootstrap, "kconnect-cluster", plain, TIMINGS).await;
    assert!(refused.is_err(), "the broker must refuse clients that skip SASL");
    let wrong = Dialer::new("wrong-password", security("not-the-password"));
    let refused = GroupMember::connect(&bootstrap, "kconnect-cluster", wrong, TIMINGS).await;
    assert!(
        matches!(refused, Err(GroupError::Authentication(_))),
        "a wrong password is refused: {:?}",
        refused.err()
    );
    let right = Dialer::new("right-password", security(PASSWORD));
    let joined = GroupMember::connect(&bootstrap, "kconnect-cluster", right, TIMINGS).await;
    assert!(joined.is_ok(), "SCRAM with the right password: {:?}", joined.err());
    drop(joined);

    let sasl = format!(
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-256\nsasl.username={USER}\n\
         sasl.password={PASSWORD}\n"
    );
    runs_a_pipeline(dir.path(), &bootstrap, &sasl).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_speaks_tls_to_its_group_coordinator() {
    let _one = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let broker = start_tls_broker(dir.path()).await;
    let ca = broker.ca.display().to_string();
    let keys = [("security.protocol", "SSL"), ("ssl.ca.location", ca.as_str())];
    let tls = GroupSecurity::from_worker(&keys.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()).unwrap();
    let joined = GroupMember::connect(&broker.bootstrap, "kconnect-cluster", Dialer::new("tls", tls), TIMINGS).await;
    assert!(joined.is_ok(), "TLS to the coordinator: {:?}", joined.err());
    let plain = Dialer::new("plain", GroupSecurity::default());
    let refused = GroupMember::connect(&broker.bootstrap, "kconnect-cluster", plain, TIMINGS).await;
    assert!(refused.is_err(), "plain TCP to a TLS listener fails");
    drop(joined);
    runs_a_pipeline(
        dir.path(),
        &broker.bootstrap,
        &format!("security.protocol=SSL\nssl.ca.location={ca}\n"),
    )
    .await;
}

/// Starts a distributed worker on `bootstrap` with the `security` lines in its worker file, and
/// checks that a file source → topic → file sink pipeline moves 100 lines.
async fn runs_a_pipeline(dir: &Path, bootstrap: &str, security: &str) {
    let port = free_port();
    let config = worker_file(dir, "worker", bootstrap, port, true, security);
    let log = dir.join("worker.log");
    let _worker = WorkerProcess::distributed(Path::new(BIN), &config, &log);
    let shown_log = || std::fs::read_to_string(&log).unwrap_or_default();
    let listening = wait_until(Duration::from_secs(60), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    assert!(listening, "REST did not start\n{}", shown_log());

    let (input, output) = (dir.join("in.txt"), dir.join("out.txt"));
    append_lines(&input, numbered_lines(0, 100));
    let api = RestApi::new(port);
    let connectors = [
        (
            "source",
            json!({
                "connector.class": "FileStreamSource",
                "topic": "lines",
                "file": input.display().to_string(),
                "topic.creation.default.partitions": "1",
                "topic.creation.default.replication.factor": "1",
            }),
        ),
        (
            "sink",
            json!({"connector.class": "FileStreamSink", "topics": "lines", "file": output.display().to_string()}),
        ),
    ];
    for (name, config) in connectors {
        let path = format!("/connectors/{name}/config");
        let (status, answer) = api
            .json_through_conflicts(Method::PUT, &path, config, Duration::from_secs(60))
            .await;
        assert_eq!(status, 201, "{answer}\n{}", shown_log());
    }
    let expected: Vec<String> = numbered_lines(0, 100).collect();
    let arrived = wait_until(Duration::from_secs(60), || read_lines(&output) == expected);
    assert!(arrived, "{} lines arrived\n{}", read_lines(&output).len(), shown_log());
}

/// Starts two distributed workers on one broker, each with its REST port and `extra` keys, and
/// creates a file source through each (one of them forwards to the leader). The assignor gives
/// each worker a connector, so the follower's connector sends its task configurations to the
/// leader. Asserts every line arrives and each worker runs one; returns the running cluster.
async fn two_workers_share_work(
    dir: &Path,
    extra: &dyn Fn(usize) -> String,
    apis: &[RestApi],
    ports: [u16; 2],
) -> SharingCluster {
    let broker = start_broker(&dir.join("broker")).await;
    let bootstrap = broker.bootstrap_servers();
    let workers: Vec<WorkerProcess> = ports
        .iter()
        .enumerate()
        .map(|(index, port)| {
            let name = format!("worker-{index}");
            let config = worker_file(dir, &name, &bootstrap, *port, true, &extra(index));
            WorkerProcess::distributed(Path::new(BIN), &config, &dir.join(format!("{name}.log")))
        })
        .collect();
    let logs = || {
        workers
            .iter()
            .map(WorkerProcess::log)
            .collect::<Vec<_>>()
            .join("\n---\n")
    };
    for api in apis {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while !api.is_up().await {
            assert!(
                std::time::Instant::now() < deadline,
                "a worker never answered\n{}",
                logs()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    for (index, api) in apis.iter().enumerate() {
        let input = dir.join(format!("in-{index}.txt"));
        append_lines(&input, numbered_lines(0, 10));
        let config = json!({
            "connector.class": "FileStreamSource", "topic": format!("lines-{index}"), "file": input.display().to_string(),
            "topic.creation.default.partitions": "1", "topic.creation.default.replication.factor": "1",
        });
        let path = format!("/connectors/source-{index}/config");
        let (status, answer) = api
            .json_through_conflicts(Method::PUT, &path, config, Duration::from_secs(60))
            .await;
        assert_eq!(status, 201, "{answer}\n{}", logs());
    }
    for index in 0..2 {
        let lines = consume_values(&bootstrap, &format!("lines-{index}"), 10, Duration::from_secs(90)).await;
        assert_eq!(
            lines,
            numbered_lines(0, 10).collect::<Vec<_>>(),
            "source-{index}\n{}",
            logs()
        );
    }
    let mut owners = std::collections::BTreeSet::new();
    for index in 0..2 {
        let status = apis[0].state(&format!("source-{index}")).await;
        owners.insert(
            status["connector"]["worker_id"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
    }
    assert_eq!(owners.len(), 2, "each worker runs a connector: {owners:?}\n{}", logs());
    SharingCluster {
        _broker: broker,
        _workers: workers,
        owners,
    }
}

/// Two workers sharing work, and who runs the connectors.
struct SharingCluster {
    _broker: kconnect_broker::EmbeddedBroker,
    _workers: Vec<WorkerProcess>,
    /// The worker ids the connectors' statuses name.
    owners: std::collections::BTreeSet<String>,
}

#[tokio::test(flavor = "multi_thread")]
async fn two_workers_behind_basic_authentication_share_work() {
    let _one = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.properties");
    std::fs::write(&users, "admin: s3cret\n").unwrap();
    let jaas = dir.path().join("jaas.conf");
    let module = "org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule";
    std::fs::write(
        &jaas,
        format!(
            "KafkaConnect {{\n  {module} required\n  file=\"{}\";\n}};\n",
            users.display()
        ),
    )
    .unwrap();
    let auth = format!(
        "rest.extension.classes=org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension\nrest.basic.auth.jaas.file={}\n",
        jaas.display()
    );
    let ports = [free_port(), free_port()];
    let apis: Vec<RestApi> = ports
        .iter()
        .map(|port| RestApi::new(*port).with_basic_auth("admin", "s3cret"))
        .collect();
    let _cluster = two_workers_share_work(dir.path(), &|_| auth.clone(), &apis, ports).await;
    assert_eq!(
        RestApi::new(ports[0]).get("/connectors").await.0,
        401,
        "credentials are asked for"
    );
    // Each worker runs one task: asked of one worker, the other's task restart goes to its
    // worker with the caller's credentials.
    for index in 0..2 {
        let path = format!("/connectors/source-{index}/tasks/0/restart");
        let (status, answer, _) = apis[0].call(Method::POST, &path, None).await;
        assert_eq!(status, 204, "{path}: {answer}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_workers_calling_each_other_over_https_with_client_certificates_share_work() {
    let _one = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let stores = kconnect_test_kit::java_stores(dir.path());
    let password = kconnect_test_kit::STORE_PASSWORD;
    let ports = [free_port(), free_port()];
    let https = [free_port(), free_port()];
    // Each worker serves plain HTTP for the test and HTTPS for the other worker, which must show
    // a certificate its truststore trusts: forwarded writes and task configurations go over it.
    let extra = |index: usize| {
        format!(
            "listeners=http://127.0.0.1:{},https://127.0.0.1:{}\nrest.advertised.listener=https\n\
             listeners.https.ssl.keystore.location={}\nlisteners.https.ssl.keystore.password={password}\n\
             listeners.https.ssl.truststore.location={}\nlisteners.https.ssl.truststore.password={password}\n\
             listeners.https.ssl.client.auth=required\n",
            ports[index],
            https[index],
            stores.keystore_jks.display(),
            stores.truststore_p12.display()
        )
    };
    let apis: Vec<RestApi> = ports.iter().map(|port| RestApi::new(*port)).collect();
    let cluster = two_workers_share_work(dir.path(), &extra, &apis, ports).await;
    let advertised: std::collections::BTreeSet<String> = https.iter().map(|port| format!("127.0.0.1:{port}")).collect();
    assert_eq!(cluster.owners, advertised, "workers are known by their HTTPS listener");
}
