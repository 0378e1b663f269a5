//! The keys every connector has (`name`, `connector.class`, `tasks.max`, converters, sink topics)
//! and validation of a whole connector configuration into Apache's `ConfigInfos`.

use kconnect_api::config::{ConfigInfo, ConfigKey, ConfigType, ConfigValue, Importance, Validator};
use kconnect_api::{ConfigDef, ConfigInfos, ConfigMap, ConnectorKind, ExactlyOnceSupport, SourceConnector};

use crate::client_overrides::OverridePolicy;
use crate::error::RuntimeError;
use crate::plugins::{CONVERTER_KEYS, PluginRegistry};
use crate::worker_config::WorkerConfig;

/// `name`.
pub const NAME: &str = "name";
/// `connector.class`.
pub const CONNECTOR_CLASS: &str = "connector.class";
/// `tasks.max`.
pub const TASKS_MAX: &str = "tasks.max";
/// `topics` (sinks).
pub const TOPICS: &str = "topics";
/// `topics.regex` (sinks).
pub const TOPICS_REGEX: &str = "topics.regex";
const COMMON_GROUP: &str = "Common";

/// The keys shared by every connector, in Apache's `ConnectorConfig` order.
pub fn common_config_def() -> ConfigDef {
    let converter = |name: &str, order: i32, doc: &str| {
        ConfigKey::new(name, ConfigType::Class)
            .default_value(ConfigValue::Null)
            .importance(Importance::Low)
            .doc(doc)
            .group(COMMON_GROUP, order)
    };
    ConfigDef::new()
        .define(
            ConfigKey::new(NAME, ConfigType::String)
                .validator(Validator::NonEmptyString)
                .importance(Importance::High)
                .doc("Globally unique name to use for this connector.")
                .group(COMMON_GROUP, 1)
                .display_name("Connector name"),
        )
        .define(
            ConfigKey::new(CONNECTOR_CLASS, ConfigType::String)
                .importance(Importance::High)
                .doc("Name or alias of the class for this connector. Must be a subclass of org.apache.kafka.connect.connector.Connector.")
                .group(COMMON_GROUP, 2)
                .display_name("Connector class"),
        )
        .define(
            ConfigKey::new(TASKS_MAX, ConfigType::Int)
                .default_value(ConfigValue::Int(1))
                .validator(Validator::AtLeast(1.0))
                .importance(Importance::High)
                .doc("Maximum number of tasks to use for this connector.")
                .group(COMMON_GROUP, 3)
                .display_name("Tasks max"),
        )
        .define(converter("key.converter", 5, "Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. Defaults to the worker's."))
        .define(converter("value.converter", 6, "Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. Defaults to the worker's."))
        .define(converter("header.converter", 7, "HeaderConverter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. Defaults to the worker's."))
}

/// The topics a sink lists in `topics`.
pub fn listed_topics(config: &ConfigMap) -> Vec<String> {
    kconnect_api::config::parse_list(config.get(TOPICS).map_or("", String::as_str))
}

/// The keys sinks add: `topics` and `topics.regex`.
pub fn sink_config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(TOPICS, ConfigType::List)
                .default_value(ConfigValue::String(String::new()))
                .importance(Importance::High)
                .doc("List of topics to consume, separated by commas")
                .group(COMMON_GROUP, 4)
                .display_name("Topics"),
        )
        .define(
            ConfigKey::new(TOPICS_REGEX, ConfigType::String)
                .default_value(ConfigValue::String(String::new()))
                .importance(Importance::High)
                .doc("Regular expression giving topics to consume. Under the hood, the regex is compiled to a java.util.regex.Pattern. Only one of topics or topics.regex should be specified.")
                .group(COMMON_GROUP, 4)
                .display_name("Topics regex"),
        )
}

const EXACTLY_ONCE_GROUP: &str = "Exactly Once Support";
const EXACTLY_ONCE_SUPPORT: &str = "exactly.once.support";
const TRANSACTION_BOUNDARY: &str = "transaction.boundary";

/// The keys sources add (KIP-618): `exactly.once.support`, `transaction.boundary` and its
/// interval.
pub fn source_config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(EXACTLY_ONCE_SUPPORT, ConfigType::String)
                .default_value(ConfigValue::String("requested".into()))
                .validator(Validator::one_of(&["requested", "required"]))
                .importance(Importance::Medium)
                .doc("Permitted values are requested, required. If set to \"required\", forces a preflight check for the connector to ensure that it can provide exactly-once semantics with the given configuration. Some connectors may be capable of providing exactly-once semantics but not signal to Connect that they support this; in that case, documentation for the connector should be consulted carefully before creating it, and the value for this property should be set to \"requested\". Additionally, if the value is set to \"required\" but the worker that performs preflight validation does not have exactly-once support enabled for source connectors, requests to create or validate the connector will fail.")
                .group(EXACTLY_ONCE_GROUP, 1),
        )
        .define(
            ConfigKey::new(TRANSACTION_BOUNDARY, ConfigType::String)
                .default_value(ConfigValue::String("poll".into()))
                .validator(Validator::one_of(&["poll", "interval", "connector"]))
                .importance(Importance::Medium)
                .doc("Permitted values are: poll, interval, connector. If set to 'poll', a new producer transaction will be started and committed for every batch of records that each task from this connector provides to Connect. If set to 'connector', relies on connector-defined transaction boundaries; note that not all connectors are capable of defining their own transaction boundaries, and in that case, attempts to instantiate a connector with this value will fail. Finally, if set to 'interval', commits transactions only after a user-defined time interval has passed.")
                .group(EXACTLY_ONCE_GROUP, 2),
        )
        .define(
            ConfigKey::new("transaction.boundary.interval.ms", ConfigType::Long)
                .default_value(ConfigValue::Null)
                .validator(Validator::AtLeast(0.0))
                .importance(Importance::Low)
                .doc("With transaction.boundary=interval, how long a transaction lasts (defaults to the worker's offset.flush.interval.ms).")
                .group(EXACTLY_ONCE_GROUP, 3),
        )
}

fn add_error(configs: &mut [ConfigInfo], key: &str, message: String) {
    if let Some(info) = configs.iter_mut().find(|c| c.value.name == key) {
        info.value.errors.push(message);
    }
}

/// Validates a connector configuration: the common keys, the sink keys for sinks, converter names,
/// client overrides against the worker's `policy`, and the connector's own keys. The result lists
/// every key with its errors, as Apache's `PUT /connector-plugins/{plugin}/config/validate` does.
pub fn validate_connector_config(
    registry: &PluginRegistry,
    config: &ConfigMap,
    worker: impl Into<WorkerSupport>,
) -> ConfigInfos {
    let WorkerSupport { policy, exactly_once } = worker.into();
    let class = config.get(CONNECTOR_CLASS).map(String::as_str).unwrap_or_default();
    let connector = registry.connector(class).ok();
    let mut def = common_config_def();
    if matches!(connector, Some(ConnectorKind::Sink(_))) {
        def = def.merge(&sink_config_def());
    }
    let mut configs = def.validate(config);
    if !class.is_empty() && connector.is_none() {
        add_error(
            &mut configs,
            CONNECTOR_CLASS,
            format!("Failed to find any class that implements Connector and which name matches {class}"),
        );
    }
    for key in CONVERTER_KEYS {
        if let Some(message) = config
            .get(key)
            .filter(|n| !n.is_empty())
            .and_then(|name| registry.converter_error(key, name))
        {
            add_error(&mut configs, key, message);
        }
    }
    if matches!(connector, Some(ConnectorKind::Sink(_))) {
        let has = |key: &str| config.get(key).is_some_and(|v| !v.trim().is_empty());
        match (has(TOPICS), has(TOPICS_REGEX)) {
            (true, true) => {
                let message = "topics and topics.regex are mutually exclusive options, but both are set.".to_string();
                add_error(&mut configs, TOPICS, message.clone());
                add_error(&mut configs, TOPICS_REGEX, message);
            }
            (false, false) => add_error(
                &mut configs,
                TOPICS,
                "Must configure one of topics or topics.regex".to_string(),
            ),
            _ => {}
        }
        if let Some(regex) = config.get(TOPICS_REGEX).filter(|r| !r.is_empty())
            && let Err(err) = regex::Regex::new(regex)
        {
            add_error(
                &mut configs,
                TOPICS_REGEX,
                format!("Invalid value {regex} for configuration topics.regex: {err}"),
            );
        }
    }
    let name = connector
        .as_ref()
        .and_then(|_| registry.connector_class(class))
        .unwrap_or(class)
        .to_string();
    for (key, message) in policy.violations(config) {
        if !configs.iter().any(|c| c.value.name == key) {
            let definition = ConfigKey::new(&key, ConfigType::String)
                .default_value(ConfigValue::Null)
                .importance(Importance::Low)
                .doc("A setting of the connector's own Kafka clients.");
            configs.extend(ConfigDef::new().define(definition).validate(config));
        }
        add_error(&mut configs, &key, message);
    }
    configs.extend(crate::transform_chain::validate_chain(registry, config));
    configs.extend(crate::error_handling::error_keys(config));
    if let Some(ConnectorKind::Source(source)) = &connector {
        configs.extend(source_config_def().validate(config));
        exactly_once_preflight(&mut configs, source.as_ref(), config, exactly_once);
    }
    if let Some(connector) = &connector {
        configs.extend(connector.connector().validate(config).configs);
    }
    ConfigInfos::new(name, configs)
}

/// KIP-618's preflight checks, with Apache's messages: `exactly.once.support=required` needs the
/// worker's exactly-once support and the connector's word that it delivers exactly once with
/// `config`; `transaction.boundary=connector` needs a connector that ends its own transactions.
fn exactly_once_preflight(configs: &mut [ConfigInfo], source: &dyn SourceConnector, config: &ConfigMap, worker: bool) {
    let has_errors = |configs: &[ConfigInfo], key: &str| {
        configs
            .iter()
            .any(|c| c.value.name == key && !c.value.errors.is_empty())
    };
    let value = |key: &str| config.get(key).map(|v| v.trim().to_ascii_lowercase());
    if !has_errors(configs, EXACTLY_ONCE_SUPPORT) && value(EXACTLY_ONCE_SUPPORT).as_deref() == Some("required") {
        if !worker {
            let message = "This worker does not have exactly-once source support enabled.";
            add_error(configs, EXACTLY_ONCE_SUPPORT, message.to_string());
        }
        match source.exactly_once_support(config) {
            Some(ExactlyOnceSupport::Supported) => {}
            Some(ExactlyOnceSupport::Unsupported) => add_error(
                configs,
                EXACTLY_ONCE_SUPPORT,
                "The connector does not support exactly-once semantics with the provided configuration.".to_string(),
            ),
            None => add_error(
                configs,
                EXACTLY_ONCE_SUPPORT,
                "The connector does not implement the API required for preflight validation of exactly-once source support. Please consult the documentation for the connector to determine whether it supports exactly-once semantics, and then consider reconfiguring the connector to use the value \"requested\" for this property (which will disable this preflight check and allow the connector to be created).".to_string(),
            ),
        }
    }
    if !has_errors(configs, TRANSACTION_BOUNDARY)
        && value(TRANSACTION_BOUNDARY).as_deref() == Some("connector")
        && !source.can_define_transaction_boundaries(config)
    {
        add_error(
            configs,
            TRANSACTION_BOUNDARY,
            "The connector does not support connector-defined transaction boundaries with the given configuration. Please reconfigure it to use a different transaction boundary definition.".to_string(),
        );
    }
}

/// What a worker allows the connectors it validates: client overrides (`connector.client.config.override.policy`)
/// and exactly-once source delivery.
#[derive(Debug, Clone, Copy)]
pub struct WorkerSupport {
    /// Which client settings a connector may override.
    pub policy: OverridePolicy,
    /// Whether source tasks deliver exactly once (`exactly.once.source.support=enabled`).
    pub exactly_once: bool,
}

impl From<OverridePolicy> for WorkerSupport {
    fn from(policy: OverridePolicy) -> Self {
        Self {
            policy,
            exactly_once: false,
        }
    }
}

impl From<&WorkerConfig> for WorkerSupport {
    fn from(worker: &WorkerConfig) -> Self {
        Self {
            policy: worker.override_policy(),
            exactly_once: worker.exactly_once_group().is_some(),
        }
    }
}

/// Validates `config` and fails with every error, each naming its key.
pub fn check_connector_config(
    registry: &PluginRegistry,
    config: &ConfigMap,
    worker: impl Into<WorkerSupport>,
) -> Result<(), RuntimeError> {
    let infos = validate_connector_config(registry, config, worker);
    if infos.error_count == 0 {
        return Ok(());
    }
    Err(RuntimeError::InvalidConfig {
        context: format!(
            "Connector configuration for {}",
            config.get(NAME).map_or("(unnamed)", String::as_str)
        ),
        errors: infos.error_messages(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> PluginRegistry {
        PluginRegistry::new(kconnect_test_plugins::with_core_plugins())
    }

    fn props(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_complete_source_config_is_valid() {
        let config = props(&[
            ("name", "scripted-source"),
            ("connector.class", "ScriptedSource"),
            ("tasks.max", "1"),
            ("topic", "connect-test"),
        ]);
        let infos = validate_connector_config(&registry(), &config, OverridePolicy::All);
        assert_eq!(infos.error_count, 0, "{:?}", infos.error_messages());
        assert_eq!(infos.name, kconnect_test_plugins::SCRIPTED_SOURCE);
        assert_eq!(
            infos.groups,
            [
                "Common",
                "Transforms",
                "Predicates",
                "Error Handling",
                "Exactly Once Support"
            ]
        );
    }

    #[test]
    fn each_kind_of_mistake_names_its_key() {
        let registry = registry();
        let unknown = check_connector_config(
            &registry,
            &props(&[("name", "x"), ("connector.class", "NoSuchConnector")]),
            OverridePolicy::All,
        )
        .unwrap_err()
        .to_string();
        assert!(
            unknown.contains("connector.class: Failed to find any class"),
            "{unknown}"
        );
        let missing_topic = check_connector_config(
            &registry,
            &props(&[("name", "x"), ("connector.class", "ScriptedSource")]),
            OverridePolicy::All,
        )
        .unwrap_err()
        .to_string();
        assert!(
            missing_topic.contains("topic: Missing required configuration \"topic\""),
            "{missing_topic}"
        );
        let bad_tasks = check_connector_config(
            &registry,
            &props(&[
                ("name", "x"),
                ("connector.class", "ScriptedSource"),
                ("topic", "t"),
                ("tasks.max", "x"),
            ]),
            OverridePolicy::All,
        )
        .unwrap_err()
        .to_string();
        assert!(
            bad_tasks.contains("tasks.max: Invalid value x for configuration tasks.max: Not a number of type INT"),
            "{bad_tasks}"
        );
    }

    #[test]
    fn exactly_once_preflight_checks_are_apaches() {
        let registry = registry();
        let mut config = props(&[("name", "s"), ("connector.class", "ScriptedSource"), ("topic", "t")]);
        config.insert("exactly.once.support".into(), "required".into());
        let errors = |config: &ConfigMap, exactly_once: bool| {
            let support = WorkerSupport {
                policy: OverridePolicy::All,
                exactly_once,
            };
            validate_connector_config(&registry, config, support)
                .error_messages()
                .join("; ")
        };
        let without = errors(&config, false);
        assert!(
            without.contains("exactly.once.support: This worker does not have exactly-once source support enabled."),
            "{without}"
        );
        // The scripted source does not say whether it delivers exactly once.
        let with = errors(&config, true);
        assert!(
            with.contains(
                "exactly.once.support: The connector does not implement the API required for preflight validation"
            ) && !with.contains("This worker"),
            "{with}"
        );
        config.insert("exactly.once.support".into(), "requested".into());
        config.insert("transaction.boundary".into(), "connector".into());
        let connector = errors(&config, true);
        assert!(
            connector.contains(
                "transaction.boundary: The connector does not support connector-defined transaction boundaries"
            ) && !connector.contains("exactly.once.support"),
            "{connector}"
        );
        config.insert("transaction.boundary".into(), "sometimes".into());
        assert!(errors(&config, true).contains("transaction.boundary"));
        config.insert("transaction.boundary".into(), "poll".into());
        assert_eq!(errors(&config, true), "");
    }

    #[test]
    fn sinks_need_exactly_one_of_topics_and_regex() {
        let registry = registry();
        let neither = validate_connector_config(
            &registry,
            &props(&[
                ("name", "s"),
                ("connector.class", "ScriptedSink"),
                ("output.file", "out.jsonl"),
            ]),
            OverridePolicy::All,
        );
        assert_eq!(
            neither.error_messages(),
            ["topics: Must configure one of topics or topics.regex"]
        );
        let both = validate_connector_config(
            &registry,
            &props(&[
                ("name", "s"),
                ("connector.class", "ScriptedSink"),
                ("output.file", "out.jsonl"),
                ("topics", "a"),
                ("topics.regex", "b.*"),
            ]),
            OverridePolicy::All,
        );
        assert_eq!(both.error_count, 2);
    }

    #[test]
    fn client_overrides_the_policy_refuses_are_errors_on_their_keys() {
        let config = props(&[
            ("name", "x"),
            ("connector.class", "ScriptedSource"),
            ("topic", "t"),
            ("producer.override.linger.ms", "50"),
        ]);
        assert_eq!(
            validate_connector_config(&registry(), &config, OverridePolicy::All).error_count,
            0
        );
        let refused = validate_connector_config(&registry(), &config, OverridePolicy::None);
        assert_eq!(
            refused.error_messages(),
            [
                "producer.override.linger.ms: The 'None' policy does not allow 'linger.ms' to be overridden in the connector configuration."
            ]
        );
    }
}
