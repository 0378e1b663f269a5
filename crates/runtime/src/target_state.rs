//! What a connector is asked to be: started, paused or stopped.

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// A connector's target state, named as Apache's `TargetState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "UPPERCASE")]
pub enum TargetState {
    /// Running (REST `initial_state` RUNNING).
    #[default]
    Started,
    /// Tasks alive but idle.
    Paused,
    /// Connector and tasks shut down; configuration kept.
    Stopped,
}

impl TargetState {
    /// The name stored and shown (`STARTED`, `PAUSED`, `STOPPED`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Started => "STARTED",
            Self::Paused => "PAUSED",
            Self::Stopped => "STOPPED",
        }
    }
}

impl FromStr for TargetState {
    type Err = String;

    /// Accepts the stored names and the REST `initial_state` values (`RUNNING` for started).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "STARTED" | "RUNNING" => Ok(Self::Started),
            "PAUSED" => Ok(Self::Paused),
            "STOPPED" => Ok(Self::Stopped),
            other => Err(format!(
                "Invalid initial state {other}: expected RUNNING, PAUSED or STOPPED"
            )),
        }
    }
}

/// Waits until the target state changes; if the herder is gone, until the task is told to stop.
pub async fn target_changed(target: &mut watch::Receiver<TargetState>, stop: &CancellationToken) {
    if target.changed().await.is_err() {
        stop.cancelled().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rest_and_stored_names() {
        assert_eq!("RUNNING".parse(), Ok(TargetState::Started));
        assert_eq!("paused".parse(), Ok(TargetState::Paused));
        assert_eq!(TargetState::Stopped.name().parse(), Ok(TargetState::Stopped));
        assert!("GONE".parse::<TargetState>().is_err());
    }
}
