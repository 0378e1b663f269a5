//! The kconnect worker runtime.
//!
//! It owns everything plugins must not know about: Kafka clients, offsets, statuses and scheduling.
//! A [`Worker`] holds the shared state; the [`StandaloneHerder`] runs connectors and their tasks;
//! each task runs its own loop ([`source_task`], [`sink_task`]) with bounded in-flight records so a
//! slow side slows the other instead of filling memory.

pub mod active_topics;
pub mod client_overrides;
pub mod config_providers;
pub mod connector_config;
pub mod connector_offsets;
pub mod convert;
pub mod dead_letters;
pub mod error;
pub mod error_handling;
pub mod herder;
pub mod kafka;
pub mod kafka_clients;
pub mod metrics;
pub mod offsets_api;
pub mod panics;
pub mod plugins;
pub mod properties;
mod ready_batch;
pub mod reconfiguration;
pub mod runner;
pub mod sink_task;
pub mod source_task;
pub mod source_transactions;
pub mod status;
pub mod submitted;
pub mod target_state;
pub mod task_context;
pub mod task_logs;
pub mod topics;
pub mod transaction_boundaries;
pub mod transform_chain;
pub mod worker;
pub mod worker_config;

pub use error::RuntimeError;
pub use herder::{ConnectorInfo, GroupView, Herder, RestartRequest, StandaloneHerder, TaskInfo, TaskRestart};
pub use kconnect_api::ConfigMap;
pub use plugins::PluginRegistry;
pub use target_state::TargetState;
pub use worker::Worker;
pub use worker_config::WorkerConfig;
