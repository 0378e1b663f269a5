//! The task every CDC connector runs: it starts its capture from where it left off, polls what
//! the capture hands over, starts a failed capture again, and tells the connector what Kafka has
//! committed. What differs between connectors is a [`Capturing`].

use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use kconnect_api::{OffsetMap, Result, SourceRecord, SourceTask, SourceTaskContext};

use crate::config::CommonConfig;
use crate::pump::{Outbox, Pump};

/// What a connector's task runs: its configuration and its capture.
#[async_trait]
pub trait Capturing: Send + Sync + 'static {
    /// The task's configuration.
    type Config: Clone + Send + Sync + 'static;
    /// The capture's future.
    type Capture: Future<Output = Result<()>> + Send + 'static;

    /// Reads the task's configuration (and what else it needs of `context`).
    fn configure(&mut self, context: &Arc<dyn SourceTaskContext>) -> Result<Self::Config>;

    /// The keys every connector shares.
    fn common(config: &Self::Config) -> &CommonConfig;

    /// The capture of `config`, resuming after `resume`, handing records to `outbox`.
    fn capture(&self, config: Self::Config, resume: Option<OffsetMap>, outbox: Outbox) -> Self::Capture;

    /// The task's committed offset, at its start and after each commit.
    fn committed(&self, _offset: Option<OffsetMap>) {}

    /// What to do when the task stops (its capture already ended).
    async fn stopped(&self, _config: &Self::Config) -> Result<()> {
        Ok(())
    }
}

/// A CDC task of `C`.
pub struct CdcTask<C: Capturing> {
    capturing: C,
    config: Option<C::Config>,
    pump: Pump,
}

impl<C: Capturing> CdcTask<C> {
    /// The task running `capturing`.
    pub fn new(capturing: C) -> Self {
        Self {
            capturing,
            config: None,
            pump: Pump::default(),
        }
    }

    /// Starts a capture from where the task left off.
    fn start_capture(&mut self, config: &C::Config) {
        let resume = self.pump.resume_point();
        let queue = C::common(config).max_queue_size;
        let capturing = &self.capturing;
        self.pump
            .start(queue, |outbox| capturing.capture(config.clone(), resume, outbox));
    }
}

#[async_trait]
impl<C: Capturing> SourceTask for CdcTask<C> {
    async fn start(&mut self, context: Arc<dyn SourceTaskContext>) -> Result<()> {
        let config = self.capturing.configure(&context)?;
        self.pump.attach(context, &C::common(&config).topic_prefix);
        self.capturing.committed(self.pump.committed());
        self.start_capture(&config);
        self.config = Some(config);
        Ok(())
    }

    /// Up to `max.batch.size` records, waiting at most `poll.interval.ms` for the first.
    async fn poll(&mut self) -> Result<Vec<SourceRecord>> {
        let Some(config) = self.config.clone() else {
            return Ok(Vec::new());
        };
        if self.pump.due_for_restart().await {
            self.start_capture(&config);
        }
        let common = C::common(&config);
        self.pump.poll(common.poll_interval, common.max_batch_size).await
    }

    async fn commit(&mut self) -> Result<()> {
        self.capturing.committed(self.pump.committed());
        Ok(())
    }

    async fn stop(&mut self) -> Result<()> {
        self.pump.stop().await;
        match &self.config {
            Some(config) => self.capturing.stopped(config).await,
            None => Ok(()),
        }
    }
}
