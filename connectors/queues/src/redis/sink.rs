//! `com.redis.kafka.connect.RedisSinkConnector`: writes each batch as one pipeline (in MULTI/EXEC
//! with `redis.multiexec`), done once Redis answered every command (and, with
//! `redis.wait.replicas`, once that many replicas have it). A command Redis refuses for its
//! record (a key of another type) sends that record to `errors.*`; a command Redis does not know
//! (a module not loaded) fails the task naming `redis.command`.

use async_trait::async_trait;
use kconnect_api::{ConnectError, Result, SinkRecord};
use redis::aio::MultiplexedConnection;
use redis::{Cmd, RedisError, RedisResult};

use super::client::{connect, lost};
use super::commands::Commands;
use super::config::{COMMAND, SinkConfig};
use crate::queue_sink::{Publishable, QueueSink, Refusals};

/// A connection writing records.
pub(crate) struct RedisSink {
    connection: MultiplexedConnection,
    commands: Commands,
    config: SinkConfig,
}

#[async_trait]
impl QueueSink for RedisSink {
    type Config = SinkConfig;
    type Message = Cmd;

    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    fn message(&self, record: &SinkRecord) -> Result<Cmd> {
        self.commands.command(record)
    }

    async fn connect(config: &SinkConfig) -> Result<Self> {
        Ok(Self {
            connection: connect(&config.connection).await?,
            commands: Commands::new(config.clone())?,
            config: config.clone(),
        })
    }

    async fn publish(&mut self, messages: &[Publishable<'_, Cmd>]) -> Result<Refusals> {
        let mut pipeline = redis::pipe();
        if self.config.multiexec {
            pipeline.atomic();
        }
        for Publishable { message, .. } in messages {
            pipeline.add_command(message.clone());
        }
        let answers: Vec<RedisResult<redis::Value>> = pipeline
            .ignore_errors()
            .query_async(&mut self.connection)
            .await
            .map_err(lost)?;
        let mut refusals = Refusals::new();
        for (index, answer) in answers.into_iter().enumerate() {
            if let Err(error) = answer {
                refusals.push((index, refusal(&messages[index].message, error)?));
            }
        }
        self.wait_for_replicas().await?;
        Ok(refusals)
    }

    async fn close(self) -> Result<()> {
        Ok(())
    }
}

impl RedisSink {
    /// With `redis.wait.replicas`, waits until that many replicas have every write so far.
    async fn wait_for_replicas(&mut self) -> Result<()> {
        let wanted = self.config.wait_replicas;
        if wanted == 0 {
            return Ok(());
        }
        let reached: i64 = redis::cmd("WAIT")
            .arg(wanted)
            .arg(self.config.wait_timeout.as_millis() as u64)
            .query_async(&mut self.connection)
            .await
            .map_err(lost)?;
        if reached < wanted {
            return Err(ConnectError::Retriable(format!(
                "only {reached} of the {wanted} replicas redis.wait.replicas asks for have the batch"
            )));
        }
        Ok(())
    }
}

/// What Redis's refusal of `command` means: a data error for its record, or (a command Redis does
/// not know, a lost connection) an error for the whole task.
fn refusal(command: &Cmd, error: RedisError) -> Result<ConnectError> {
    if error.is_io_error() || error.is_timeout() || error.is_connection_dropped() {
        return Err(lost(error));
    }
    let name = command
        .args_iter()
        .next()
        .and_then(|arg| match arg {
            redis::Arg::Simple(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
            _ => None,
        })
        .unwrap_or_default();
    if error.to_string().contains("unknown command") {
        return Err(ConnectError::config(
            COMMAND,
            format!("this Redis does not know {name} (is its module loaded?): {error}"),
        ));
    }
    Ok(ConnectError::data(format!("Redis refused {name}: {error}")))
}
