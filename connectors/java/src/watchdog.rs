//! Kills a JVM that stops answering (a stop-the-world garbage collection that never ends, a
//! process stopped by a signal, a host wedged on its own output), so that its connectors' tasks
//! fail with why, and the runtime's restarts bring them back on a new JVM, instead of waiting
//! forever. The ping is answered by the JVM's reader thread, so a plugin that is merely busy or
//! blocked in `poll` does not count as the JVM not answering.

use std::sync::Weak;
use std::time::{Duration, Instant};

use tokio::sync::oneshot::error::TryRecvError;

use crate::protocol::{Shared, op};
use crate::wire::Writer;

/// The longest pause between two pings.
const MOST_BETWEEN_PINGS: Duration = Duration::from_secs(5);
/// How often an unanswered ping is looked at.
const LOOK: Duration = Duration::from_millis(50);

/// Pings the JVM of `shared` until it is gone, and kills it when a ping is not answered within
/// `timeout`.
pub(crate) fn watch(shared: &Weak<Shared>, timeout: Duration) {
    let between = (timeout / 3).min(MOST_BETWEEN_PINGS);
    loop {
        std::thread::sleep(between);
        let Some(jvm) = shared.upgrade() else { return };
        if jvm.is_gone() {
            return;
        }
        let Ok(mut answer) = jvm.send(op::PING, Writer::new()) else {
            return;
        };
        let deadline = Instant::now() + timeout;
        loop {
            match answer.try_recv() {
                Err(TryRecvError::Empty) if Instant::now() < deadline => std::thread::sleep(LOOK),
                Err(TryRecvError::Empty) => {
                    jvm.kill(format!(
                        "the JVM hosting Java plugins did not answer for {} ms (kconnect.java.answer.timeout.ms): killed",
                        timeout.as_millis()
                    ));
                    return;
                }
                Ok(_) | Err(TryRecvError::Closed) => break,
            }
        }
    }
}
