//! Java transformations and predicates of plugin.path in kconnect's transformation chains,
//! beside the built-in ones: each record goes to the JVM and back, as Connect data.

use std::marker::PhantomData;
use std::sync::Arc;

use kconnect_api::{ConfigDef, ConfigMap, ConnectRecord, Predicate, Result, Transformation};

use crate::codec::{ChainWire, read_core};
use crate::connector::JavaPlugin;
use crate::error::JavaError;
use crate::protocol::{Jvm, op};
use crate::wire::{Reader, Writer};

/// A configured transformation or predicate in the JVM; closed there when dropped.
struct Configured {
    jvm: Arc<Jvm>,
    handle: u64,
}

impl Configured {
    fn start(plugin: &JavaPlugin, config: &ConfigMap) -> Result<Self, JavaError> {
        let jvm = plugin.pool.shared()?;
        let handle = jvm.next_handle();
        let mut request = Writer::new();
        request
            .i64(handle as i64)
            .string(&plugin.class)
            .string_map(config.iter());
        jvm.request_blocking(op::CHAIN_START, request)?;
        Ok(Self { jvm, handle })
    }

    /// Sends `record` with request `op` and waits for the answer.
    fn ask(&self, op: u8, record: &impl ChainWire) -> Result<Vec<u8>, JavaError> {
        let mut request = Writer::new();
        request.i64(self.handle as i64);
        record.write_chain(&mut request);
        self.jvm.request_blocking(op, request)
    }
}

impl Drop for Configured {
    fn drop(&mut self) {
        let mut request = Writer::new();
        request.i64(self.handle as i64);
        // Nothing waits for the answer: a JVM already gone has nothing left to close.
        let _ = self.jvm.send(op::CHAIN_CLOSE, request);
    }
}

fn not_configured(plugin: &JavaPlugin) -> JavaError {
    JavaError::Protocol(format!("{} is not configured", plugin.class))
}

/// A Java transformation for records of type `R`.
pub struct JavaTransformation<R> {
    plugin: JavaPlugin,
    configured: Option<Configured>,
    records: PhantomData<fn(R) -> R>,
}

impl<R> JavaTransformation<R> {
    /// An unconfigured transformation of `plugin`.
    pub fn new(plugin: JavaPlugin) -> Self {
        Self {
            plugin,
            configured: None,
            records: PhantomData,
        }
    }
}

impl<R: ConnectRecord + ChainWire> Transformation<R> for JavaTransformation<R> {
    fn config_def(&self) -> ConfigDef {
        self.plugin.config_def()
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        self.configured = Some(Configured::start(&self.plugin, config)?);
        Ok(())
    }

    /// The record as the Java transformation returns it: its topic, partition, key, value,
    /// timestamp and headers; what a transformation cannot change (offsets) stays.
    fn apply(&self, mut record: R) -> Result<Option<R>> {
        let configured = self.configured.as_ref().ok_or_else(|| not_configured(&self.plugin))?;
        let answer = configured.ask(op::TRANSFORM, &record)?;
        let mut input = Reader::new(&answer);
        if !input.bool()? {
            return Ok(None);
        }
        *record.core_mut() = read_core(&mut input)?;
        Ok(Some(record))
    }
}

/// A Java predicate for records of type `R`.
pub struct JavaPredicate<R> {
    plugin: JavaPlugin,
    configured: Option<Configured>,
    records: PhantomData<fn(&R)>,
}

impl<R> JavaPredicate<R> {
    /// An unconfigured predicate of `plugin`.
    pub fn new(plugin: JavaPlugin) -> Self {
        Self {
            plugin,
            configured: None,
            records: PhantomData,
        }
    }
}

impl<R: ConnectRecord + ChainWire> Predicate<R> for JavaPredicate<R> {
    fn config_def(&self) -> ConfigDef {
        self.plugin.config_def()
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        self.configured = Some(Configured::start(&self.plugin, config)?);
        Ok(())
    }

    /// The Java predicate's answer. The API leaves a predicate no way to fail but to panic,
    /// which fails the task with the Java exception, as an exception in Apache's `test` does.
    fn test(&self, record: &R) -> bool {
        let answer = self
            .configured
            .as_ref()
            .ok_or_else(|| not_configured(&self.plugin))
            .and_then(|configured| configured.ask(op::TEST, record))
            .and_then(|answer| Reader::new(&answer).bool());
        match answer {
            Ok(matches) => matches,
            Err(err) => panic!("the Java predicate {} failed: {err}", self.plugin.class),
        }
    }
}
