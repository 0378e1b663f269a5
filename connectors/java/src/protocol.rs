//! The connection to one JVM: requests and their answers, the JVM's own calls and events.
//!
//! Every frame is a 4-byte big-endian length and a body. The worker sends requests:
//! `id: i64, op: u8, payload`; the JVM answers each with `id, kind, payload` where kind 0 carries
//! the result and kind 1 the plugin's exception (`error: string, trace: string, retriable:
//! bool`). The JVM also calls the worker (kind 2: `op: u8, handle: i64, payload`, answered by a
//! request of op [`op::CALL_REPLY`] with the call's id) and tells it things (kind 3, same shape,
//! unanswered): what a connector's or task's context asks of the runtime. Requests run on the
//! JVM side on the thread of the connector or task they name, so a blocking `poll` holds only
//! its task. Handles are the worker's numbers for the connectors and tasks a JVM runs.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStderr, ChildStdin, ChildStdout};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use kconnect_api::ConfigMap;
use tokio::sync::oneshot;

use crate::error::JavaError;
use crate::wire::{Reader, Writer};

/// The requests the worker sends (`Host.java` names them the same).
pub mod op {
    /// Scan plugin.path: the plugin paths, the discovery mode; answers the plugins found, as JSON.
    pub const DISCOVER: u8 = 1;
    /// Validate a connector configuration: class, config; answers ConfigInfo JSON.
    pub const VALIDATE: u8 = 2;
    /// Create and start a connector: handle, class, config.
    pub const CONNECTOR_START: u8 = 3;
    /// A started connector's task configs: handle, max tasks; answers the task class, then the
    /// configs.
    pub const TASK_CONFIGS: u8 = 4;
    /// Stop a connector: handle.
    pub const CONNECTOR_STOP: u8 = 5;
    /// Create and start a source task: handle, connector class, config.
    pub const SOURCE_START: u8 = 6;
    /// Poll: handle, the records acknowledged since the last request; answers records.
    pub const SOURCE_POLL: u8 = 7;
    /// Commit: handle, acknowledged records.
    pub const SOURCE_COMMIT: u8 = 8;
    /// Stop a task of either direction: handle.
    pub const TASK_STOP: u8 = 9;
    /// Create and start a sink task: handle, connector class, config.
    pub const SINK_START: u8 = 10;
    /// Partitions assigned: handle, partitions.
    pub const SINK_OPEN: u8 = 11;
    /// Partitions revoked: handle, partitions.
    pub const SINK_CLOSE: u8 = 12;
    /// Records to write: handle, records.
    pub const SINK_PUT: u8 = 13;
    /// Offsets to commit: handle, offsets; answers the offsets safe to commit.
    pub const SINK_PRE_COMMIT: u8 = 14;
    /// Create and configure a transformation or predicate: handle, class, config.
    pub const CHAIN_START: u8 = 15;
    /// Apply a transformation: handle, record; answers whether a record follows, and its core.
    pub const TRANSFORM: u8 = 16;
    /// Test a predicate: handle, record; answers a boolean.
    pub const TEST: u8 = 17;
    /// Close a transformation or predicate: handle.
    pub const CHAIN_CLOSE: u8 = 18;
    /// Are you there? Answered by the JVM's reader thread, whatever its plugins are doing.
    pub const PING: u8 = 19;
    /// The answer to a call of the JVM.
    pub const CALL_REPLY: u8 = 127;
}

const OK: u8 = 0;
const ERROR: u8 = 1;
const CALL: u8 = 2;
const EVENT: u8 = 3;
/// How many lines of the JVM's standard error are kept to explain its death.
const LAST_WORDS: usize = 40;

/// What answers the JVM's calls and events about one connector or task.
pub trait Handler: Send + Sync {
    /// An event (see `Contexts.java`): nothing is answered.
    fn event(&self, event: u8, payload: &mut Reader<'_>) -> Result<(), JavaError>;
    /// A call: the answer's payload.
    fn call(&self, call: u8, payload: &mut Reader<'_>) -> Result<Writer, JavaError>;
}

type Pending = oneshot::Sender<Result<Vec<u8>, JavaError>>;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) struct Shared {
    child: Mutex<Child>,
    stdin: Mutex<ChildStdin>,
    pending: Mutex<HashMap<u64, Pending>>,
    handlers: Mutex<HashMap<u64, Arc<dyn Handler>>>,
    next_id: AtomicU64,
    next_handle: AtomicU64,
    /// Why the JVM is gone, once it is.
    gone: Mutex<Option<String>>,
    /// The last lines the JVM wrote to standard error.
    last_words: Mutex<VecDeque<String>>,
    /// Why the worker killed the JVM, if it did.
    killed_because: Mutex<Option<String>>,
}

impl Shared {
    fn write_frame(&self, id: u64, op: u8, payload: &[u8]) -> Result<(), JavaError> {
        let length = u32::try_from(payload.len() + 9).map_err(|_| JavaError::Protocol("a frame over 4 GiB".into()))?;
        let mut frame = Vec::with_capacity(payload.len() + 13);
        frame.extend_from_slice(&length.to_be_bytes());
        frame.extend_from_slice(&id.to_be_bytes());
        frame.push(op);
        frame.extend_from_slice(payload);
        let mut stdin = lock(&self.stdin);
        stdin
            .write_all(&frame)
            .and_then(|()| stdin.flush())
            .map_err(|err| self.gone_error(&err.to_string()))
    }

    /// Sends request `op` and returns where its answer will arrive.
    pub(crate) fn send(
        &self,
        op: u8,
        payload: Writer,
    ) -> Result<oneshot::Receiver<Result<Vec<u8>, JavaError>>, JavaError> {
        if let Some(why) = lock(&self.gone).clone() {
            return Err(JavaError::Gone(why));
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (sender, receiver) = oneshot::channel();
        lock(&self.pending).insert(id, sender);
        if let Err(err) = self.write_frame(id, op, &payload.into_bytes()) {
            lock(&self.pending).remove(&id);
            return Err(err);
        }
        Ok(receiver)
    }

    /// Whether the JVM is gone.
    pub(crate) fn is_gone(&self) -> bool {
        lock(&self.gone).is_some()
    }

    /// Kills the JVM, `why` being what its connectors' tasks will say.
    pub(crate) fn kill(&self, why: String) {
        tracing::warn!("{why}");
        *lock(&self.killed_because) = Some(why);
        let _ = lock(&self.child).kill();
    }

    fn gone_error(&self, fallback: &str) -> JavaError {
        let why = lock(&self.gone).clone().unwrap_or_else(|| fallback.to_string());
        JavaError::Gone(why)
    }

    fn last_words(&self) -> String {
        lock(&self.last_words).iter().cloned().collect::<Vec<_>>().join("\n")
    }

    /// Marks the JVM gone and fails every request waiting on it.
    fn die(&self, why: String) {
        let why = lock(&self.killed_because).take().unwrap_or(why);
        let words = self.last_words();
        let why = if words.is_empty() {
            why
        } else {
            format!("{why}; its last words:\n{words}")
        };
        tracing::warn!("{why}");
        *lock(&self.gone) = Some(why.clone());
        for (_, pending) in lock(&self.pending).drain() {
            let _ = pending.send(Err(JavaError::Gone(why.clone())));
        }
    }

    fn handler(&self, handle: u64) -> Option<Arc<dyn Handler>> {
        lock(&self.handlers).get(&handle).cloned()
    }

    /// Handles one frame from the JVM.
    fn receive(&self, body: &[u8]) -> Result<(), JavaError> {
        let mut input = Reader::new(body);
        let id = input.i64()? as u64;
        match input.u8()? {
            OK => {
                if let Some(pending) = lock(&self.pending).remove(&id) {
                    let _ = pending.send(Ok(input.rest().to_vec()));
                }
            }
            ERROR => {
                let error = JavaError::Plugin {
                    error: input.string()?,
                    trace: input.string()?,
                    retriable: input.bool()?,
                };
                if let Some(pending) = lock(&self.pending).remove(&id) {
                    let _ = pending.send(Err(error));
                }
            }
            CALL => {
                let call = input.u8()?;
                let handle = input.i64()? as u64;
                let answer = match self.handler(handle) {
                    Some(handler) => handler.call(call, &mut input)?,
                    None => return Err(JavaError::Protocol(format!("a call about unknown handle {handle}"))),
                };
                self.write_frame(id, op::CALL_REPLY, &answer.into_bytes())?;
            }
            EVENT => {
                let event = input.u8()?;
                let handle = input.i64()? as u64;
                if let Some(handler) = self.handler(handle) {
                    handler.event(event, &mut input)?;
                }
            }
            kind => return Err(JavaError::Protocol(format!("a frame of unknown kind {kind}"))),
        }
        Ok(())
    }
}

/// A running JVM hosting Java plugins. Dropping it ends the JVM.
pub struct Jvm {
    shared: Arc<Shared>,
}

impl Jvm {
    /// Takes over `child`, a JVM running `kconnect.host.Host` with piped standard streams, and
    /// kills it when it does not answer a ping within `answer_timeout`.
    pub fn attach(mut child: Child, answer_timeout: Duration) -> Result<Self, JavaError> {
        let missing = || JavaError::Start("the JVM's standard streams are not piped".into());
        let stdin = child.stdin.take().ok_or_else(missing)?;
        let stdout = child.stdout.take().ok_or_else(missing)?;
        let stderr = child.stderr.take().ok_or_else(missing)?;
        let pid = child.id();
        let shared = Arc::new(Shared {
            child: Mutex::new(child),
            stdin: Mutex::new(stdin),
            pending: Mutex::new(HashMap::new()),
            handlers: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            next_handle: AtomicU64::new(1),
            gone: Mutex::new(None),
            last_words: Mutex::new(VecDeque::new()),
            killed_because: Mutex::new(None),
        });
        let errors = shared.clone();
        spawn_thread("kconnect-jvm-stderr", move || forward_stderr(stderr, &errors))?;
        let frames = shared.clone();
        spawn_thread("kconnect-jvm-reader", move || read_frames(stdout, &frames, pid))?;
        let watched = Arc::downgrade(&shared);
        spawn_thread("kconnect-jvm-watchdog", move || {
            crate::watchdog::watch(&watched, answer_timeout)
        })?;
        Ok(Self { shared })
    }

    /// Why the JVM is gone, if it is.
    pub fn gone(&self) -> Option<String> {
        lock(&self.shared.gone).clone()
    }

    /// The JVM's process id.
    pub fn pid(&self) -> u32 {
        lock(&self.shared.child).id()
    }

    /// A new handle, for a plugin that asks nothing of the runtime.
    pub fn next_handle(&self) -> u64 {
        self.shared.next_handle.fetch_add(1, Ordering::Relaxed)
    }

    /// A new handle whose calls and events `handler` answers.
    pub fn register(&self, handler: Arc<dyn Handler>) -> u64 {
        let handle = self.next_handle();
        lock(&self.shared.handlers).insert(handle, handler);
        handle
    }

    /// Forgets `handle`.
    pub fn unregister(&self, handle: u64) {
        lock(&self.shared.handlers).remove(&handle);
    }

    /// Sends request `op` and returns where its answer will arrive.
    pub fn send(&self, op: u8, payload: Writer) -> Result<oneshot::Receiver<Result<Vec<u8>, JavaError>>, JavaError> {
        self.shared.send(op, payload)
    }

    /// Registers `handler` under a new handle and has the JVM create and start plugin `class`
    /// with `config` under it (`op` is [`op::CONNECTOR_START`], [`op::SOURCE_START`] or
    /// [`op::SINK_START`]); a handle whose start failed is forgotten again.
    pub async fn start(
        &self,
        op: u8,
        handler: Arc<dyn Handler>,
        class: &str,
        config: &ConfigMap,
    ) -> Result<u64, JavaError> {
        let handle = self.register(handler);
        let mut request = Writer::new();
        request.i64(handle as i64).string(class).string_map(config.iter());
        match self.request(op, request).await {
            Ok(_) => Ok(handle),
            Err(err) => {
                self.unregister(handle);
                Err(err)
            }
        }
    }

    /// Has the JVM stop the instance under `handle` (`op` is [`op::CONNECTOR_STOP`] or
    /// [`op::TASK_STOP`]), and forgets the handle whatever the answer.
    pub async fn stop(&self, op: u8, handle: u64) -> Result<(), JavaError> {
        let mut request = Writer::new();
        request.i64(handle as i64);
        let stopped = self.request(op, request).await;
        self.unregister(handle);
        stopped.map(drop)
    }

    /// Sends request `op` and waits for its answer.
    pub async fn request(&self, op: u8, payload: Writer) -> Result<Vec<u8>, JavaError> {
        let answer = self.send(op, payload)?;
        answered(answer.await, &self.shared)
    }

    /// Sends request `op` and blocks the calling thread until it is answered: for the plugin
    /// API's synchronous calls (`taskConfigs`, `validate`). The answer arrives on the JVM
    /// reader's own thread, so this never waits on the async runtime.
    pub fn request_blocking(&self, op: u8, payload: Writer) -> Result<Vec<u8>, JavaError> {
        let answer = self.send(op, payload)?;
        answered(futures::executor::block_on(answer), &self.shared)
    }
}

fn answered(
    answer: Result<Result<Vec<u8>, JavaError>, oneshot::error::RecvError>,
    shared: &Shared,
) -> Result<Vec<u8>, JavaError> {
    answer.unwrap_or_else(|_| Err(shared.gone_error("the JVM went away")))
}

impl Drop for Jvm {
    fn drop(&mut self) {
        let mut child = lock(&self.shared.child);
        let _ = child.kill();
        let _ = child.wait();
    }
}

fn spawn_thread(name: &str, run: impl FnOnce() + Send + 'static) -> Result<(), JavaError> {
    std::thread::Builder::new()
        .name(name.to_string())
        .spawn(run)
        .map(drop)
        .map_err(|err| JavaError::Start(format!("cannot start a thread: {err}")))
}

fn forward_stderr(stderr: ChildStderr, shared: &Shared) {
    for line in BufReader::new(stderr).lines() {
        let Ok(line) = line else { break };
        tracing::info!(target: "kconnect::jvm", "{line}");
        let mut words = lock(&shared.last_words);
        if words.len() == LAST_WORDS {
            words.pop_front();
        }
        words.push_back(line);
    }
}

fn read_frames(stdout: ChildStdout, shared: &Shared, pid: u32) {
    let mut stdout = BufReader::with_capacity(1 << 16, stdout);
    let why = loop {
        let mut length = [0u8; 4];
        if let Err(err) = stdout.read_exact(&mut length) {
            break format!("the JVM (pid {pid}) exited ({err})");
        }
        let mut body = vec![0u8; u32::from_be_bytes(length) as usize];
        if let Err(err) = stdout.read_exact(&mut body) {
            break format!("the JVM (pid {pid}) exited mid-frame ({err})");
        }
        if let Err(err) = shared.receive(&body) {
            break format!("the JVM (pid {pid}) is no longer understood: {err}");
        }
    };
    // Give the stderr thread a moment to collect the JVM's last lines.
    std::thread::sleep(std::time::Duration::from_millis(200));
    shared.die(why);
}
