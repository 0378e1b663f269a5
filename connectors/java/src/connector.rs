//! A Java connector of plugin.path, as the runtime sees any connector: validated, started and
//! split into tasks in the JVM.

use std::marker::PhantomData;
use std::sync::Arc;

use async_trait::async_trait;
use kconnect_api::config::{ConfigInfo, ConfigKeyInfo, Width};
use kconnect_api::{
    ConfigDef, ConfigInfos, ConfigKey, ConfigMap, ConfigType, ConfigValue, Connector, ConnectorContext, Importance,
    Result, SinkConnector, SinkTask, SourceConnector, SourceTask,
};

use crate::error::JavaError;
use crate::pool::{JvmPool, Scope};
use crate::protocol::{Handler, Jvm, op};
use crate::sink::JavaSinkTask;
use crate::source::JavaSourceTask;
use crate::wire::{Reader, Writer};

/// What a plugin is known by: the pool of its JVM, its class, version and keys.
#[derive(Clone)]
pub struct JavaPlugin {
    /// Where its JVM comes from.
    pub pool: Arc<JvmPool>,
    /// The class name.
    pub class: String,
    /// The plugin's own version.
    pub version: String,
    /// Its configuration keys, as discovery described them.
    pub config_def: Arc<ConfigDef>,
}

impl JavaPlugin {
    /// The plugin's keys.
    pub fn config_def(&self) -> ConfigDef {
        (*self.config_def).clone()
    }
}

/// The ConfigDef of the keys discovery describes in the REST API's shape.
pub fn config_def(keys: &[ConfigKeyInfo]) -> ConfigDef {
    keys.iter()
        .fold(ConfigDef::new(), |def, key| def.define(config_key(key)))
}

/// The direction of a [`JavaConnector`].
pub trait Direction: Send + Sync + 'static {}

/// A source connector.
pub struct Source;
/// A sink connector.
pub struct Sink;
impl Direction for Source {}
impl Direction for Sink {}

/// A connector that runs in the JVM.
pub struct JavaConnector<D: Direction> {
    plugin: JavaPlugin,
    scope: Scope,
    running: Option<(Arc<Jvm>, u64)>,
    direction: PhantomData<D>,
}

impl<D: Direction> JavaConnector<D> {
    /// An unstarted connector of `plugin`.
    pub fn new(plugin: JavaPlugin) -> Self {
        Self {
            plugin,
            scope: Scope::default(),
            running: None,
            direction: PhantomData,
        }
    }

    fn running(&self) -> Result<&(Arc<Jvm>, u64), JavaError> {
        self.running
            .as_ref()
            .ok_or_else(|| JavaError::Protocol(format!("{} is not started", self.plugin.class)))
    }
}

/// Answers a connector's context calls: reconfiguration and raised errors.
struct ConnectorEvents {
    context: Arc<dyn ConnectorContext>,
}

/// Apache's key of the task class in a task configuration, which `taskClass()` names.
const TASK_CLASS: &str = "task.class";

/// The events `Contexts.java` sends about connectors.
const RECONFIGURE: u8 = 1;
const RAISE_ERROR: u8 = 2;

impl Handler for ConnectorEvents {
    fn event(&self, event: u8, payload: &mut Reader<'_>) -> Result<(), JavaError> {
        match event {
            RECONFIGURE => self.context.request_task_reconfiguration(),
            RAISE_ERROR => self.context.raise_error(payload.string()?),
            other => return Err(JavaError::Protocol(format!("unknown connector event {other}"))),
        }
        Ok(())
    }

    /// A source connector's own offset reader is not offered yet: every offset reads as none.
    fn call(&self, _call: u8, _payload: &mut Reader<'_>) -> Result<Writer, JavaError> {
        let mut none = Writer::new();
        none.u8(0);
        Ok(none)
    }
}

/// A ConfigDef key from the REST shape discovery gives.
fn config_key(info: &ConfigKeyInfo) -> ConfigKey {
    let config_type = match info.config_type.as_str() {
        "BOOLEAN" => ConfigType::Boolean,
        "INT" => ConfigType::Int,
        "SHORT" => ConfigType::Short,
        "LONG" => ConfigType::Long,
        "DOUBLE" => ConfigType::Double,
        "LIST" => ConfigType::List,
        "CLASS" => ConfigType::Class,
        "PASSWORD" => ConfigType::Password,
        _ => ConfigType::String,
    };
    let importance = match info.importance.as_str() {
        "HIGH" => Importance::High,
        "MEDIUM" => Importance::Medium,
        _ => Importance::Low,
    };
    let width = match info.width.as_str() {
        "SHORT" => Width::Short,
        "MEDIUM" => Width::Medium,
        "LONG" => Width::Long,
        _ => Width::None,
    };
    let mut key = ConfigKey::new(&info.name, config_type)
        .importance(importance)
        .doc(&info.documentation)
        .width(width)
        .display_name(&info.display_name);
    if !info.required {
        key = key.default_value(
            info.default_value
                .clone()
                .map_or(ConfigValue::Null, ConfigValue::String),
        );
    }
    if let Some(group) = &info.group {
        key = key.group(group, info.order);
    }
    key.dependents = info.dependents.clone();
    key
}

#[async_trait]
impl<D: Direction> Connector for JavaConnector<D> {
    fn version(&self) -> String {
        self.plugin.version.clone()
    }

    fn config_def(&self) -> ConfigDef {
        self.plugin.config_def()
    }

    /// The plugin's own `validate`, run in the JVM.
    fn validate(&self, config: &ConfigMap) -> ConfigInfos {
        let validated = self.plugin.pool.shared().and_then(|jvm| {
            let mut request = Writer::new();
            request.string(&self.plugin.class).string_map(config.iter());
            let answer = jvm.request_blocking(op::VALIDATE, request)?;
            let json = Reader::new(&answer).string()?;
            serde_json::from_str::<Vec<ConfigInfo>>(&json).map_err(|err| JavaError::Protocol(err.to_string()))
        });
        match validated {
            Ok(configs) => ConfigInfos::new(self.plugin.class.clone(), configs),
            Err(err) => {
                // The JVM cannot validate: every key of the connector carries why.
                let mut infos = self.config_def().validate(config);
                for info in &mut infos {
                    info.value.errors.push(err.to_string());
                }
                ConfigInfos::new(self.plugin.class.clone(), infos)
            }
        }
    }

    async fn start(&mut self, context: Arc<dyn ConnectorContext>, config: ConfigMap) -> Result<()> {
        self.scope = Scope::of_connector(&config);
        let jvm = self.plugin.pool.jvm(&self.scope)?;
        let events = Arc::new(ConnectorEvents { context });
        let handle = jvm
            .start(op::CONNECTOR_START, events, &self.plugin.class, &config)
            .await?;
        self.running = Some((jvm, handle));
        Ok(())
    }

    fn task_configs(&self, max_tasks: usize) -> Result<Vec<ConfigMap>> {
        let (jvm, handle) = self.running()?;
        let mut request = Writer::new();
        request.i64(*handle as i64).count(max_tasks);
        let answer = jvm.request_blocking(op::TASK_CONFIGS, request)?;
        let mut input = Reader::new(&answer);
        let task_class = input.string()?;
        let mut configs = (0..input.count()?)
            .map(|_| input.string_map())
            .collect::<Result<Vec<_>, JavaError>>()?;
        for config in &mut configs {
            config.insert(TASK_CLASS.into(), task_class.clone());
            self.scope.mark_task(config);
        }
        Ok(configs)
    }

    async fn stop(&mut self) -> Result<()> {
        let Some((jvm, handle)) = self.running.take() else {
            return Ok(());
        };
        let stopped = jvm.stop(op::CONNECTOR_STOP, handle).await;
        self.plugin.pool.release(&self.scope);
        Ok(stopped?)
    }
}

impl SourceConnector for JavaConnector<Source> {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(JavaSourceTask::new(self.plugin.clone()))
    }
}

impl SinkConnector for JavaConnector<Sink> {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::new(JavaSinkTask::new(self.plugin.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovered_keys_become_a_config_def_of_the_same_shape() {
        let info = ConfigKeyInfo {
            name: "file".into(),
            config_type: "PASSWORD".into(),
            required: false,
            default_value: Some("x".into()),
            importance: "HIGH".into(),
            documentation: "the file".into(),
            group: Some("Files".into()),
            width: "LONG".into(),
            display_name: "File".into(),
            dependents: vec!["topic".into()],
            order: 2,
        };
        let key = config_key(&info);
        assert_eq!(ConfigKeyInfo::from(&key), info);
    }
}
