//! The REST listener over HTTPS and behind basic authentication, called with curl as scripts do.

use std::path::Path;
use std::process::Command;

use kconnect_test_kit::Quickstart;

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");

fn quickstart_with(extra: &str) -> Quickstart {
    let quickstart = Quickstart::of_repository(Path::new(BIN), 1_000);
    let worker_file = quickstart.path("connect-standalone.properties");
    let text = format!("{}{extra}", std::fs::read_to_string(&worker_file).unwrap());
    std::fs::write(worker_file, text).unwrap();
    quickstart
}

/// `curl` with `args`; returns the status code and the body.
fn curl(args: &[&str]) -> (String, String) {
    let output = Command::new("curl")
        .args(["-s", "-w", "\n%{http_code}"])
        .args(args)
        .output()
        .expect("curl");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", "000"));
    (code.to_string(), body.to_string())
}

#[test]
fn https_listener_serves_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = kconnect_test_kit::test_certificates(dir.path());
    let keystore = dir.path().join("keystore.pem");
    let pem = format!(
        "{}{}",
        std::fs::read_to_string(&cert).unwrap(),
        std::fs::read_to_string(&key).unwrap()
    );
    std::fs::write(&keystore, pem).unwrap();

    let port = kconnect_test_kit::free_port();
    let quickstart = quickstart_with(&format!(
        "listeners=https://127.0.0.1:{port}\nlisteners.https.ssl.keystore.type=PEM\nlisteners.https.ssl.keystore.location={}\n",
        keystore.display()
    ));
    let worker = quickstart.start_with(&[]);
    let up = kconnect_test_kit::wait_until(std::time::Duration::from_secs(60), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    assert!(up, "{}", worker.log());
    let url = format!("https://localhost:{port}/connectors");
    // A client that connects and never starts its handshake holds up no other client.
    let _silent = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let asked = std::time::Instant::now();
    assert_eq!(
        curl(&["--max-time", "5", "--cacert", ca.to_str().unwrap(), &url]),
        ("200".to_string(), "[]".to_string())
    );
    assert!(
        asked.elapsed() < std::time::Duration::from_secs(2),
        "took {:?}",
        asked.elapsed()
    );
    assert_ne!(
        curl(&[&format!("http://127.0.0.1:{port}/connectors")]).0,
        "200",
        "plain HTTP is refused"
    );
    // The web UI and its scripts come over the same HTTPS.
    let script = format!("https://localhost:{port}/ui/app.js");
    let (code, body) = curl(&["--cacert", ca.to_str().unwrap(), &script]);
    assert_eq!(code, "200");
    assert!(body.contains("import "), "{body}");
    assert!(
        worker
            .log()
            .contains(&format!("REST API listening on https://127.0.0.1:{port}"))
    );
}

/// Waits until something listens on each of `ports`.
fn wait_for_ports(ports: &[u16], worker: &kconnect_test_kit::WorkerProcess) {
    for port in ports {
        let up = kconnect_test_kit::wait_until(std::time::Duration::from_secs(60), || {
            std::net::TcpStream::connect(("127.0.0.1", *port)).is_ok()
        });
        assert!(up, "nothing listens on {port}\n{}", worker.log());
    }
}

#[test]
fn every_listener_is_served_and_https_checks_client_certificates_from_java_stores() {
    let dir = tempfile::tempdir().unwrap();
    let stores = kconnect_test_kit::java_stores(dir.path());
    let (http, https, admin) = (
        kconnect_test_kit::free_port(),
        kconnect_test_kit::free_port(),
        kconnect_test_kit::free_port(),
    );
    let password = kconnect_test_kit::STORE_PASSWORD;
    let quickstart = quickstart_with(&format!(
        "listeners=http://127.0.0.1:{http},https://127.0.0.1:{https}\n\
         admin.listeners=http://127.0.0.1:{admin}\n\
         listeners.https.ssl.keystore.type=PKCS12\nlisteners.https.ssl.keystore.location={}\n\
         listeners.https.ssl.keystore.password={password}\n\
         listeners.https.ssl.truststore.type=JKS\nlisteners.https.ssl.truststore.location={}\n\
         listeners.https.ssl.truststore.password={password}\nlisteners.https.ssl.client.auth=required\n",
        stores.keystore_p12.display(),
        stores.truststore_jks.display()
    ));
    let worker = quickstart.start_with(&[]);
    wait_for_ports(&[http, https, admin], &worker);
    let (ca, cert, key) = (
        stores.ca.to_str().unwrap(),
        stores.cert.to_str().unwrap(),
        stores.key.to_str().unwrap(),
    );
    let secure = |path: &str| format!("https://localhost:{https}{path}");
    let with_certificate = ["--max-time", "5", "--cacert", ca, "--cert", cert, "--key", key];
    let ok = ("200".to_string(), "[]".to_string());
    assert_eq!(curl(&[&with_certificate[..], &[&secure("/connectors")]].concat()), ok);
    assert_eq!(
        curl(&["--max-time", "5", "--cacert", ca, &secure("/connectors")]).0,
        "000",
        "a client without a certificate is refused"
    );
    assert_eq!(curl(&[&format!("http://127.0.0.1:{http}/connectors")]), ok);
    assert_eq!(
        curl(&[&format!("http://127.0.0.1:{http}/admin/loggers")]).0,
        "404",
        "/admin is served only on admin.listeners"
    );
    assert_eq!(
        curl(&[&with_certificate[..], &[&secure("/admin/loggers")]].concat()).0,
        "404"
    );
    assert_eq!(curl(&[&format!("http://127.0.0.1:{admin}/admin/loggers")]).0, "200");
    assert_eq!(curl(&[&format!("http://127.0.0.1:{admin}/connectors")]).0, "404");
}

#[test]
fn a_jks_keystore_serves_https_and_an_empty_admin_listeners_disables_admin() {
    let dir = tempfile::tempdir().unwrap();
    let stores = kconnect_test_kit::java_stores(dir.path());
    let port = kconnect_test_kit::free_port();
    let password = kconnect_test_kit::STORE_PASSWORD;
    // Neither store names its type: each is read off the file, as Apache's JKS default would.
    let quickstart = quickstart_with(&format!(
        "listeners=https://127.0.0.1:{port}\nadmin.listeners=\n\
         ssl.keystore.location={}\nssl.keystore.password={password}\n\
         ssl.truststore.location={}\nssl.truststore.password={password}\nssl.client.auth=requested\n",
        stores.keystore_jks.display(),
        stores.truststore_p12.display()
    ));
    let worker = quickstart.start_with(&[]);
    wait_for_ports(&[port], &worker);
    let ca = stores.ca.to_str().unwrap();
    let url = |path: &str| format!("https://localhost:{port}{path}");
    assert_eq!(
        curl(&["--max-time", "5", "--cacert", ca, &url("/connectors")]),
        ("200".to_string(), "[]".to_string()),
        "with ssl.client.auth=requested a client may show no certificate"
    );
    assert_eq!(
        curl(&["--max-time", "5", "--cacert", ca, &url("/admin/loggers")]).0,
        "404"
    );
}

#[test]
fn basic_authentication_guards_every_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.properties");
    std::fs::write(&users, "admin: s3cret\n").unwrap();
    let jaas = dir.path().join("jaas.conf");
    std::fs::write(
        &jaas,
        format!(
            "KafkaConnect {{\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file=\"{}\";\n}};\n",
            users.display()
        ),
    )
    .unwrap();
    let quickstart = quickstart_with(&format!(
        "rest.extension.classes=org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension\nrest.basic.auth.jaas.file={}\n",
        jaas.display()
    ));
    let worker = quickstart.start_with(&[]);
    quickstart.wait_for_rest(&worker);
    let url = format!("http://127.0.0.1:{}/connectors", quickstart.rest_port);
    // Ask until the worker answers at all: twice, under the full suite, the first request right
    // after the port opened got no HTTP answer (curl's 000); the log is printed if it persists.
    let (mut code, mut body) = (String::new(), String::new());
    kconnect_test_kit::wait_until(std::time::Duration::from_secs(30), || {
        (code, body) = curl(&[&url]);
        code != "000"
    });
    assert_eq!(code, "401", "{body}\nworker log:\n{}", worker.log());
    assert_eq!(
        body,
        r#"{"error_code":401,"message":"Credentials are missing or invalid"}"#
    );
    assert_eq!(curl(&["-u", "admin:wrong", &url]).0, "401");
    // The web UI is behind the same authentication: the browser asks for it.
    let ui = format!("http://127.0.0.1:{}/ui/", quickstart.rest_port);
    assert_eq!(curl(&[&ui]).0, "401");
    let (code, page) = curl(&["-u", "admin:s3cret", &ui]);
    assert_eq!(code, "200");
    assert!(page.contains("<script type=\"module\" src=\"/ui/app.js\">"), "{page}");
    assert_eq!(
        curl(&["-u", "admin:s3cret", &url]),
        ("200".to_string(), "[]".to_string())
    );
    assert_eq!(
        curl(&[
            "-u",
            "admin:s3cret",
            "-X",
            "POST",
            "-H",
            "Content-Type: application/json",
            "-d",
            "{}",
            &url
        ])
        .0,
        "400"
    );
}

#[test]
fn the_override_policy_refuses_client_overrides_it_does_not_allow() {
    let quickstart = quickstart_with("connector.client.config.override.policy=Principal\n");
    let worker = quickstart.start_with(&[]);
    quickstart.wait_for_rest(&worker);
    let base = format!("http://127.0.0.1:{}", quickstart.rest_port);
    let config = |key: &str| {
        format!(r#"{{"name":"src","config":{{"connector.class":"FileStreamSource","topic":"t","{key}":"x"}}}}"#)
    };
    let post = |body: &str| {
        curl(&[
            "-X",
            "POST",
            "-H",
            "Content-Type: application/json",
            "-d",
            body,
            &format!("{base}/connectors"),
        ])
    };
    let (code, body) = post(&config("producer.override.linger.ms"));
    assert_eq!(code, "400", "{body}\nworker log:\n{}", worker.log());
    assert!(
        body.contains(
            "The 'Principal' policy does not allow 'linger.ms' to be overridden in the connector configuration."
        ),
        "{body}"
    );
    let (code, body) = post(&config("producer.override.security.protocol"));
    assert_eq!(code, "201", "the principal's settings may be overridden: {body}");
}

#[test]
fn secrets_read_back_hidden_and_a_config_sent_back_as_read_is_accepted() {
    let secret = "producer.override.ssl.key.password";
    let shows = |mask: &str| {
        let quickstart = quickstart_with(&format!("rest.secrets.mask={mask}\n"));
        let worker = quickstart.start_with(&[]);
        quickstart.wait_for_rest(&worker);
        let base = format!("http://127.0.0.1:{}", quickstart.rest_port);
        let body = format!(
            r#"{{"name":"src","config":{{"connector.class":"FileStreamSource","topic":"t","{secret}":"s3cret"}}}}"#
        );
        let json = ["-H", "Content-Type: application/json"];
        let (code, created) = curl(&[&json[..], &["-X", "POST", "-d", &body, &format!("{base}/connectors")]].concat());
        assert_eq!(code, "201", "{created}\n{}", worker.log());
        let reads = [
            created,
            curl(&[&format!("{base}/connectors/src")]).1,
            curl(&[&format!("{base}/connectors/src/config")]).1,
            curl(&[&format!("{base}/connectors?expand=info")]).1,
            curl(&[&format!("{base}/connectors/src/tasks")]).1,
        ];
        let config = curl(&[&format!("{base}/connectors/src/config")]).1;
        let (code, updated) = curl(
            &[
                &json[..],
                &[
                    "-X",
                    "PUT",
                    "-d",
                    &config.replace(r#""t""#, r#""u""#),
                    &format!("{base}/connectors/src/config"),
                ],
            ]
            .concat(),
        );
        assert_eq!(code, "200", "{updated}");
        assert!(updated.contains(r#""topic":"u""#), "{updated}");
        (reads, updated)
    };
    let (reads, updated) = shows("true");
    for read in reads.iter().chain([&updated]) {
        assert!(
            read.contains(r#""producer.override.ssl.key.password":"[hidden]""#),
            "{read}"
        );
        assert!(!read.contains("s3cret"), "{read}");
    }
    let (reads, _) = shows("false");
    assert!(reads.iter().all(|read| read.contains("s3cret")), "{reads:?}");
}
