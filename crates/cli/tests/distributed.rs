//! Distributed mode end to end: a `kconnect broker` process and three `kconnect distributed`
//! workers in one group. Work spreads evenly, adding a connector moves nothing already running, a
//! SIGKILLed worker's work moves to the others after the scheduled delay with every record
//! delivered, a gracefully stopped worker hands its work over at once, and a worker paused past its
//! session stops its work before it could run twice.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kconnect_test_kit::{
    BrokerProcess, RestApi, WorkerProcess, append_lines, consume_records, consume_values, create_topic, free_port,
    metric_labels, metric_value, numbered_lines, read_lines, wait_until, worker_file,
};
use reqwest::Method;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");

/// The clusters of these tests run one at a time: five workers and two brokers at once would
/// measure this 2-core machine, not the group protocol.
static ONE_CLUSTER_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
const MAX_DELAY_MS: u64 = 8_000;
const SESSION_TIMEOUT_MS: u64 = 6_000;

struct Cluster {
    dir: tempfile::TempDir,
    broker: BrokerProcess,
    workers: Vec<Option<WorkerProcess>>,
    ports: Vec<u16>,
    /// Worker settings beyond the timings, the same for every worker.
    settings: String,
}

impl Cluster {
    fn start(size: usize) -> Self {
        Self::start_with(size, "")
    }

    fn start_with(size: usize, settings: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let broker = BrokerProcess::start(Path::new(BIN), free_port(), &dir.path().join("broker"), "memory");
        let mut cluster = Self {
            dir,
            broker,
            workers: Vec::new(),
            ports: Vec::new(),
            settings: settings.to_string(),
        };
        for index in 0..size {
            let port = free_port();
            cluster.ports.push(port);
            cluster.workers.push(Some(cluster.worker(index, port)));
        }
        for (index, port) in cluster.ports.clone().into_iter().enumerate() {
            let up = wait_until(Duration::from_secs(60), || {
                std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
            });
            assert!(up, "worker {index} REST did not start:\n{}", cluster.log(index));
        }
        cluster
    }

    fn worker(&self, index: usize, port: u16) -> WorkerProcess {
        let timings = format!(
            "scheduled.rebalance.max.delay.ms={MAX_DELAY_MS}\nsession.timeout.ms={SESSION_TIMEOUT_MS}\n\
             heartbeat.interval.ms=1000\n{}",
            self.settings
        );
        let name = format!("worker-{index}");
        let config = worker_file(self.dir.path(), &name, &self.broker.bootstrap, port, true, &timings);
        WorkerProcess::distributed(Path::new(BIN), &config, &self.path(&format!("{name}.log")))
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn log(&self, index: usize) -> String {
        std::fs::read_to_string(self.path(&format!("worker-{index}.log"))).unwrap_or_default()
    }

    fn logs(&self) -> String {
        (0..self.ports.len())
            .map(|i| format!("--- worker {i} ---\n{}", self.log(i)))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn api(&self, index: usize) -> RestApi {
        RestApi::new(self.ports[index])
    }

    fn live(&self) -> Vec<usize> {
        (0..self.workers.len()).filter(|i| self.workers[*i].is_some()).collect()
    }

    fn worker_id(&self, index: usize) -> String {
        format!("127.0.0.1:{}", self.ports[index])
    }

    /// Creates a connector through a worker that is not (necessarily) the leader.
    async fn create(&self, through: usize, name: &str, config: Value) {
        let mut body = json!({"name": name, "config": config});
        body["config"]["name"] = json!(name);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (status, answer, _) = self.api(through).json(Method::POST, "/connectors", body.clone()).await;
            if status == 201 {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "create {name}: {status} {answer}\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// Waits until `name` runs its connector and `tasks` tasks on live workers only; returns the
    /// worker of the connector and of each task.
    async fn running(&self, name: &str, tasks: usize, timeout: Duration) -> (String, Vec<String>) {
        let live: BTreeSet<String> = self.live().into_iter().map(|i| self.worker_id(i)).collect();
        let deadline = Instant::now() + timeout;
        let mut last = Value::Null;
        while Instant::now() < deadline {
            for index in self.live() {
                last = self.api(index).state(name).await;
                let running =
                    |s: &Value| s["state"] == "RUNNING" && live.contains(s["worker_id"].as_str().unwrap_or(""));
                let task_states = last["tasks"].as_array().cloned().unwrap_or_default();
                if running(&last["connector"]) && task_states.len() == tasks && task_states.iter().all(running) {
                    let worker = |s: &Value| s["worker_id"].as_str().unwrap().to_string();
                    return (worker(&last["connector"]), task_states.iter().map(worker).collect());
                }
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        panic!(
            "{name} not running with {tasks} tasks on {live:?}: {last}\n{}",
            self.logs()
        );
    }

    /// Pauses worker `paused` of a two-worker cluster (SIGSTOP) and waits until the other one runs
    /// task 0 of `name`, which ran on the paused one.
    async fn pause_until_moved(&self, paused: usize, name: &str) {
        let other = 1 - paused;
        self.workers[paused].as_ref().unwrap().signal("STOP");
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let status = self.api(other).state(name).await;
            let task = &status["tasks"][0];
            if task["state"] == "RUNNING" && task["worker_id"] == self.worker_id(other) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the task never moved: {status}\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// Waits until the source and sink-1 run where they ran 3 s earlier (the group has stopped
    /// moving work around), and returns their placements.
    async fn settled(&self, timeout: Duration) -> ((String, Vec<String>), (String, Vec<String>)) {
        let deadline = Instant::now() + timeout;
        let mut last = (
            self.running("source", 1, timeout).await,
            self.running("sink-1", 4, timeout).await,
        );
        loop {
            tokio::time::sleep(Duration::from_secs(3)).await;
            let now = (
                self.running("source", 1, timeout).await,
                self.running("sink-1", 4, timeout).await,
            );
            if now == last {
                return now;
            }
            assert!(Instant::now() < deadline, "work kept moving\n{}", self.logs());
            last = now;
        }
    }

    /// Waits until every live worker answers `GET /connectors/{name}/topics` with `topics`.
    async fn topics_everywhere(&self, name: &str, topics: Value) {
        let deadline = Instant::now() + Duration::from_secs(30);
        for index in self.live() {
            loop {
                let (_, answer) = self.api(index).get(&format!("/connectors/{name}/topics")).await;
                if answer[name]["topics"] == topics {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "worker {index} says {answer}, not {topics}\n{}",
                    self.logs()
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }

    /// How often each task was started, from every worker's log.
    fn starts(&self, task: &str) -> usize {
        let field = format!("task={task}");
        (0..self.ports.len())
            .map(|i| {
                self.log(i)
                    .lines()
                    .filter(|l| l.contains("task started") && l.split_whitespace().any(|w| w == field))
                    .count()
            })
            .sum()
    }
}

fn load(placements: &[(String, Vec<String>)]) -> BTreeMap<String, (usize, usize)> {
    let mut load: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (connector, tasks) in placements {
        load.entry(connector.clone()).or_default().0 += 1;
        for task in tasks {
            load.entry(task.clone()).or_default().1 += 1;
        }
    }
    load
}

fn sink(file: &Path, tasks: usize) -> Value {
    json!({
        "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
        "tasks.max": tasks.to_string(),
        "topics": "lines",
        "file": file.display().to_string(),
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn three_workers_share_work_survive_a_kill_and_hand_over_on_stop() {
    let _one = ONE_CLUSTER_AT_A_TIME.lock().await;
    let mut cluster = Cluster::start(3);
    create_topic(&cluster.broker.bootstrap, "lines").await;
    let input = cluster.path("input.txt");
    append_lines(&input, numbered_lines(0, 2_000));
    cluster
        .create(
            1,
            "source",
            json!({
                "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
                "tasks.max": "1",
                "topic": "lines",
                "file": input.display().to_string(),
            }),
        )
        .await;
    let out1 = cluster.path("out-1.txt");
    cluster.create(2, "sink-1", sink(&out1, 4)).await;
    let timeout = Duration::from_secs(90);
    let (source, sink1) = cluster.settled(timeout).await;
    let started: Vec<(&str, usize)> = ["source-0", "sink-1-0", "sink-1-1", "sink-1-2", "sink-1-3"]
        .into_iter()
        .map(|task| (task, cluster.starts(task)))
        .collect();

    // A third connector lands on the least loaded workers and moves nothing that runs.
    let out2 = cluster.path("out-2.txt");
    cluster.create(0, "sink-2", sink(&out2, 4)).await;
    let sink2 = cluster.running("sink-2", 4, timeout).await;
    let logs = cluster.logs();
    assert_eq!(
        cluster.running("source", 1, timeout).await.1,
        source.1,
        "source task moved\n{logs}"
    );
    assert_eq!(
        cluster.running("sink-1", 4, timeout).await.1,
        sink1.1,
        "sink-1 tasks moved\n{logs}"
    );
    for (task, starts) in started {
        assert_eq!(
            cluster.starts(task),
            starts,
            "{task} restarted when sink-2 was added\n{}",
            cluster.logs()
        );
    }
    let placements = vec![
        (source.0.clone(), source.1.clone()),
        (sink1.0.clone(), sink1.1.clone()),
        (sink2.0.clone(), sink2.1.clone()),
    ];
    let spread = load(&placements);
    assert_eq!(spread.len(), 3, "every worker runs something: {spread:?}");
    assert!(
        spread.values().all(|l| *l == (1, 3)),
        "3 connectors and 9 tasks spread evenly: {spread:?}"
    );
    let all_lines: Vec<String> = numbered_lines(0, 2_000).collect();
    let arrived = wait_until(timeout, || read_lines(&out1).len() >= all_lines.len());
    assert!(
        arrived,
        "sink-1 got {} lines\n{}",
        read_lines(&out1).len(),
        cluster.logs()
    );

    // SIGKILL the source's worker; its work resumes elsewhere after the delay, nothing is lost.
    let victim = cluster
        .ports
        .iter()
        .position(|p| source.1[0].ends_with(&format!(":{p}")))
        .unwrap();
    cluster.workers[victim].as_ref().unwrap().signal("KILL");
    cluster.workers[victim] = None;
    let killed_at = Instant::now();
    append_lines(&input, numbered_lines(2_000, 3_000));
    let failover = Duration::from_millis(MAX_DELAY_MS + SESSION_TIMEOUT_MS) + timeout;
    let moved = cluster.running("source", 1, failover).await;
    cluster.running("sink-1", 4, failover).await;
    cluster.running("sink-2", 4, failover).await;
    let took = killed_at.elapsed();
    assert_ne!(moved.1[0], source.1[0]);
    let expected: BTreeSet<String> = numbered_lines(0, 5_000).collect();
    let complete = wait_until(timeout, || {
        read_lines(&out1).into_iter().collect::<BTreeSet<_>>() == expected
            && read_lines(&out2).into_iter().collect::<BTreeSet<_>>() == expected
    });
    let delivered = read_lines(&out1);
    assert!(
        complete,
        "lines lost after the kill: {} delivered\n{}",
        delivered.len(),
        cluster.logs()
    );
    eprintln!(
        "failover after SIGKILL took {took:?}; sink-1 got {} lines for 5000 inputs ({} delivered twice)",
        delivered.len(),
        delivered.len() - expected.len()
    );

    // A graceful stop hands the work over at once, well before the scheduled delay.
    let survivors = cluster.live();
    let leaving = survivors[0];
    let stopping = cluster.workers[leaving].take().unwrap();
    let stopped_at = Instant::now();
    stopping.signal("TERM");
    let mut stopping = stopping;
    assert!(
        stopping.wait(Duration::from_secs(30)).is_some(),
        "worker did not stop on SIGTERM"
    );
    cluster.running("source", 1, timeout).await;
    cluster.running("sink-1", 4, timeout).await;
    cluster.running("sink-2", 4, timeout).await;
    let handover = stopped_at.elapsed();
    assert!(
        handover < Duration::from_millis(MAX_DELAY_MS),
        "graceful handover took {handover:?}, as long as the delay for a lost worker"
    );
    eprintln!("graceful handover took {handover:?}");
    append_lines(&input, numbered_lines(5_000, 1_000));
    let expected: BTreeSet<String> = numbered_lines(0, 6_000).collect();
    let complete = wait_until(timeout, || {
        read_lines(&out1).into_iter().collect::<BTreeSet<_>>() == expected
    });
    assert!(complete, "lines lost after the handover\n{}", cluster.logs());
}

#[tokio::test(flavor = "multi_thread")]
async fn writes_on_a_follower_reach_the_leader_and_reads_work_everywhere() {
    let _one = ONE_CLUSTER_AT_A_TIME.lock().await;
    let cluster = Cluster::start(2);
    create_topic(&cluster.broker.bootstrap, "lines").await;
    let out = cluster.path("out.txt");
    for worker in 0..2 {
        let name = format!("sink-{worker}");
        cluster.create(worker, &name, sink(&out, 2)).await;
        cluster.running(&name, 2, Duration::from_secs(90)).await;
    }
    for worker in 0..2 {
        let api = cluster.api(worker);
        let (status, names) = api.get("/connectors").await;
        assert_eq!((status, names), (200, json!(["sink-0", "sink-1"])));
        let (status, tasks) = api.get("/connectors/sink-0/tasks").await;
        assert_eq!(status, 200);
        assert_eq!(tasks.as_array().unwrap().len(), 2);
        assert_eq!(
            tasks[0]["config"]["task.class"],
            "org.apache.kafka.connect.file.FileStreamSinkTask"
        );
    }
    // The topics a connector uses are shared through the status topic, and so is their reset.
    cluster.topics_everywhere("sink-0", json!(["lines"])).await;
    let api = cluster.api(1);
    let (status, _, _) = api.call(Method::PUT, "/connectors/sink-0/topics/reset", None).await;
    assert_eq!(status, 202);
    cluster.topics_everywhere("sink-0", json!([])).await;
    let (status, _, _) = api.call(Method::PUT, "/connectors/sink-0/pause", None).await;
    assert_eq!(status, 202);
    let paused = wait_until(Duration::from_secs(30), || {
        let state =
            tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(cluster.api(0).state("sink-0")));
        state["connector"]["state"] == "PAUSED"
            && state["tasks"]
                .as_array()
                .is_some_and(|t| t.iter().all(|t| t["state"] == "PAUSED"))
    });
    assert!(paused, "pause through a follower\n{}", cluster.logs());
    // Both workers report the group they are in: the protocol, one leader, completed rebalances.
    let mut leaders = BTreeSet::new();
    for worker in 0..2 {
        let text = cluster.api(worker).metrics().await;
        let family = "kafka_connect_connect_worker_rebalance_metrics_";
        assert_eq!(
            metric_labels(&text, &format!("{family}connect_protocol")),
            Some("protocol=\"sessioned\""),
            "{text}"
        );
        let completed = metric_value(&text, &format!("{family}completed_rebalances_total"));
        assert!(completed.is_some_and(|n| n >= 1.0), "{text}");
        assert!(
            metric_value(&text, &format!("{family}epoch")).is_some_and(|n| n >= 1.0),
            "{text}"
        );
        leaders.insert(metric_labels(&text, &format!("{family}leader_name")).map(str::to_string));
    }
    assert_eq!(leaders.len(), 1, "one leader: {leaders:?}");
    // The web UI's cluster page: both workers in one group and generation, one of them leading,
    // each running its share of the tasks.
    let mut views = Vec::new();
    for worker in 0..2 {
        let (status, view) = cluster.api(worker).get("/ui/api/cluster").await;
        assert_eq!(status, 200, "{view}");
        assert_eq!(view["mode"], "distributed");
        views.push(view);
    }
    assert_eq!(views[0]["group_id"], views[1]["group_id"]);
    assert_eq!(views[0]["leader_url"], views[1]["leader_url"]);
    assert!(views[0]["generation"].as_i64().is_some_and(|g| g >= 1), "{}", views[0]);
    assert_eq!(views.iter().filter(|v| v["is_leader"] == true).count(), 1, "{views:?}");
    let tasks: usize = views[0]["workers"]
        .as_array()
        .expect("workers")
        .iter()
        .map(|w| w["tasks"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(tasks, 4, "{}", views[0]);
    // Each worker in the list said what it is, the other one asked over HTTP.
    for worker in views[0]["workers"].as_array().expect("workers") {
        assert_eq!(worker["version"], views[0]["version"], "{}", views[0]);
        assert!(worker["uptime_ms"].as_u64().is_some(), "{}", views[0]);
    }
    let (status, _, _) = api.call(Method::DELETE, "/connectors/sink-1", None).await;
    assert_eq!(status, 204);
    let deadline = Instant::now() + Duration::from_secs(10);
    while cluster.api(0).get("/connectors/sink-1").await.0 != 404 {
        assert!(Instant::now() < deadline, "the deletion never reached worker 0");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, body, _) = api
        .call(Method::POST, "/connectors/sink-0/tasks?forward=false", Some("[]"))
        .await;
    assert!(
        matches!(status, 400 | 409),
        "an unsigned internal request is refused: {status} {body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_source_with_its_own_offsets_topic_keeps_its_offsets_there() {
    let _one = ONE_CLUSTER_AT_A_TIME.lock().await;
    let cluster = Cluster::start(1);
    create_topic(&cluster.broker.bootstrap, "lines").await;
    let input = cluster.path("input.txt");
    append_lines(&input, numbered_lines(0, 100));
    let size = std::fs::metadata(&input).unwrap().len();
    let config = json!({
        "connector.class": "FileStreamSource",
        "topic": "lines",
        "file": input.display().to_string(),
        "offsets.storage.topic": "own-offsets",
    });
    cluster.create(0, "own", config).await;
    let api = cluster.api(0);
    let position = |offsets: &Value| offsets["offsets"][0]["offset"]["position"].as_u64();
    let deadline = Instant::now() + Duration::from_secs(60);
    while position(&api.get("/connectors/own/offsets").await.1) != Some(size) {
        assert!(Instant::now() < deadline, "offsets never committed\n{}", cluster.logs());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let own = consume_values(&cluster.broker.bootstrap, "own-offsets", 1, Duration::from_secs(30)).await;
    assert!(own.iter().any(|v| v.contains("position")), "own topic: {own:?}");
    let copied = consume_values(&cluster.broker.bootstrap, "connect-offsets", 1, Duration::from_secs(30)).await;
    assert!(
        copied.iter().any(|v| v.contains("position")),
        "worker's topic: {copied:?}"
    );

    // A reset clears both topics: the restarted source reads the file again from the start.
    assert_eq!(api.call(Method::PUT, "/connectors/own/stop", None).await.0, 204);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, answer, _) = api.call(Method::DELETE, "/connectors/own/offsets", None).await;
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "reset refused: {status} {answer}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(api.get("/connectors/own/offsets").await.1, json!({"offsets": []}));
    assert_eq!(api.call(Method::PUT, "/connectors/own/resume", None).await.0, 202);
    // Wait for the second reading however long the restart takes under load, then check that
    // nothing more arrives.
    let lines = consume_values(&cluster.broker.bootstrap, "lines", 200, Duration::from_secs(90)).await;
    assert_eq!(
        lines.len(),
        200,
        "the file read twice, once before and once after the reset\n{}",
        cluster.logs()
    );
    assert_eq!(lines[..100], lines[100..], "the second reading is the file again");
    let settled = consume_values(&cluster.broker.bootstrap, "lines", 201, Duration::from_secs(10)).await;
    assert!(settled.len() <= 200, "read more than twice: {}", settled.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_cut_off_from_its_group_stops_its_work_before_running_it_twice() {
    let _one = ONE_CLUSTER_AT_A_TIME.lock().await;
    let cluster = Cluster::start(2);
    create_topic(&cluster.broker.bootstrap, "zombie-lines").await;
    let input = cluster.path("zombie.txt");
    append_lines(&input, numbered_lines(0, 50));
    let config =
        json!({"connector.class": "FileStreamSource", "topic": "zombie-lines", "file": input.display().to_string()});
    cluster.create(0, "zombie-src", config).await;
    let (_, tasks) = cluster.running("zombie-src", 1, Duration::from_secs(60)).await;
    let paused = (0..2).find(|i| cluster.worker_id(*i) == tasks[0]).unwrap();
    let other = 1 - paused;
    let size = std::fs::metadata(&input).unwrap().len();
    let committed = |offsets: &Value| offsets["offsets"][0]["offset"]["position"].as_u64() == Some(size);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !committed(&cluster.api(other).get("/connectors/zombie-src/offsets").await.1) {
        assert!(Instant::now() < deadline, "offsets never committed\n{}", cluster.logs());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Paused past the session timeout and the rebalance delay, the worker is out of the group,
    // and the other one takes its task over.
    cluster.pause_until_moved(paused, "zombie-src").await;
    cluster.workers[paused].as_ref().unwrap().signal("CONT");
    let fenced = wait_until(Duration::from_secs(10), || {
        cluster.log(paused).contains("no word from the group coordinator")
    });
    assert!(fenced, "the resumed worker kept its work\n{}", cluster.logs());

    append_lines(&input, numbered_lines(50, 50));
    let lines = consume_values(&cluster.broker.bootstrap, "zombie-lines", 101, Duration::from_secs(30)).await;
    let distinct: BTreeSet<&String> = lines.iter().collect();
    assert_eq!(distinct.len(), 100, "every line arrived\n{}", cluster.logs());
    assert_eq!(
        lines.len(),
        100,
        "no line twice: the task never ran on both workers at once"
    );
    cluster.running("zombie-src", 1, Duration::from_secs(60)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_exactly_once_task_cut_off_from_its_group_is_fenced_out_and_every_line_is_read_once() {
    let _one = ONE_CLUSTER_AT_A_TIME.lock().await;
    let cluster = Cluster::start_with(2, "exactly.once.source.support=enabled\n");
    create_topic(&cluster.broker.bootstrap, "eos-lines").await;
    let input = cluster.path("eos.txt");
    std::fs::write(&input, "").unwrap();
    let config = json!({"connector.class": "FileStreamSource", "topic": "eos-lines",
                        "file": input.display().to_string(), "exactly.once.support": "required"});
    cluster.create(0, "eos-src", config).await;
    let (_, tasks) = cluster.running("eos-src", 1, Duration::from_secs(60)).await;
    // Before the task started, the leader fenced the connector's earlier tasks (there were none)
    // and wrote Apache's record of it.
    let configs = consume_records(
        &cluster.broker.bootstrap,
        "connect-configs",
        usize::MAX,
        Duration::from_secs(3),
    )
    .await;
    let fencing = configs
        .iter()
        .find(|r| r.key.as_deref() == Some("tasks-fencing-eos-src"));
    assert_eq!(
        fencing.map(|r| r.value.as_str()),
        Some(r#"{"task-count":1}"#),
        "{configs:?}"
    );

    // Lines stream in while the task's worker is paused past its session (mid-transaction), the
    // other worker takes the task over, and the paused one comes back.
    let writing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let writer = std::thread::spawn({
        let (input, writing) = (input.clone(), writing.clone());
        move || {
            let mut written = 0;
            while writing.load(std::sync::atomic::Ordering::Relaxed) {
                append_lines(&input, numbered_lines(written, 20));
                written += 20;
                std::thread::sleep(Duration::from_millis(200));
            }
            written
        }
    });
    tokio::time::sleep(Duration::from_secs(3)).await;
    let paused = (0..2).find(|i| cluster.worker_id(*i) == tasks[0]).unwrap();
    cluster.pause_until_moved(paused, "eos-src").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    cluster.workers[paused].as_ref().unwrap().signal("CONT");
    tokio::time::sleep(Duration::from_secs(5)).await;
    writing.store(false, std::sync::atomic::Ordering::Relaxed);
    let written = writer.join().unwrap();

    consume_values(&cluster.broker.bootstrap, "eos-lines", written, Duration::from_secs(60)).await;
    let lines = consume_values(
        &cluster.broker.bootstrap,
        "eos-lines",
        written + 1,
        Duration::from_secs(5),
    )
    .await;
    let expected: Vec<String> = numbered_lines(0, written).collect();
    assert_eq!(lines.len(), written, "every line committed once\n{}", cluster.logs());
    assert!(lines == expected, "lines out of order or repeated\n{}", cluster.logs());
    cluster.running("eos-src", 1, Duration::from_secs(60)).await;
}
