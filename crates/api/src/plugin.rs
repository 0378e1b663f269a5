//! The plugin table: every connector, converter, header converter, transformation, predicate and
//! config provider a binary offers, each under its Java class name, with the factory that makes a
//! new instance.
//!
//! Each plugin crate exports its own table (`kconnect_file::plugins()`); the binary merges the
//! tables of the families it was built with and hands the result to the runtime, which knows no
//! plugin crate. A plugin is found by its class name, by its simple name (the part after the last
//! `.`) and, as Apache accepts, by the simple name without its type's suffix
//! (`org.apache.kafka.connect.file.FileStreamSourceConnector`, `FileStreamSourceConnector`,
//! `FileStreamSource`; `org.apache.kafka.connect.transforms.InsertField$Value`, `InsertField$Value`).

use std::borrow::Cow;
use std::sync::Arc;

use serde::Serialize;

use crate::config_provider::ConfigProvider;
use crate::connector::ConnectorKind;
use crate::converter::{Converter, HeaderConverter};
use crate::record::{ConnectRecord, SinkRecord, SourceRecord};
use crate::sink::SinkConnector;
use crate::source::SourceConnector;
use crate::transform::{Predicate, Transformation};

/// The kinds of plugin, named (and serialised) as the REST API names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PluginType {
    /// A source connector.
    Source,
    /// A sink connector.
    Sink,
    /// A key/value converter.
    Converter,
    /// A header converter.
    HeaderConverter,
    /// A single message transformation.
    Transformation,
    /// A predicate.
    Predicate,
}

impl PluginType {
    /// The type as the REST API names it (`source`, `header_converter`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::Source => "source",
            Self::Sink => "sink",
            Self::Converter => "converter",
            Self::HeaderConverter => "header_converter",
            Self::Transformation => "transformation",
            Self::Predicate => "predicate",
        }
    }
}

impl Serialize for PluginType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// Makes a new, unconfigured value: a function of a built-in family, or a closure over what a
/// plugin loaded at run time needs.
type Make<T> = Arc<dyn Fn() -> T + Send + Sync>;

/// Makes a new, unstarted connector of either direction (for a plugin loaded at run time, a
/// closure over the JVM that hosts a Java connector).
#[derive(Clone)]
pub enum ConnectorFactory {
    /// Makes a source connector.
    Source(Make<Box<dyn SourceConnector>>),
    /// Makes a sink connector.
    Sink(Make<Box<dyn SinkConnector>>),
}

/// Makes a new, unconfigured converter.
type ConverterFactory = fn() -> Box<dyn Converter>;
/// Makes a new, unconfigured header converter.
type HeaderConverterFactory = fn() -> Box<dyn HeaderConverter>;
/// Makes a new, unconfigured config provider.
type ConfigProviderFactory = fn() -> Box<dyn ConfigProvider>;

/// Makes a new transformation for source records and one for sink records.
#[derive(Clone)]
pub struct TransformationFactory {
    source: Make<Box<dyn Transformation<SourceRecord>>>,
    sink: Make<Box<dyn Transformation<SinkRecord>>>,
}

impl TransformationFactory {
    /// The factory of a transformation made by `source` for source records and `sink` for sink
    /// records.
    pub fn new(
        source: impl Fn() -> Box<dyn Transformation<SourceRecord>> + Send + Sync + 'static,
        sink: impl Fn() -> Box<dyn Transformation<SinkRecord>> + Send + Sync + 'static,
    ) -> Self {
        Self {
            source: Arc::new(source),
            sink: Arc::new(sink),
        }
    }
}

/// Makes a new predicate for source records and one for sink records.
#[derive(Clone)]
pub struct PredicateFactory {
    source: Make<Box<dyn Predicate<SourceRecord>>>,
    sink: Make<Box<dyn Predicate<SinkRecord>>>,
}

impl PredicateFactory {
    /// The factory of a predicate made by `source` for source records and `sink` for sink records.
    pub fn new(
        source: impl Fn() -> Box<dyn Predicate<SourceRecord>> + Send + Sync + 'static,
        sink: impl Fn() -> Box<dyn Predicate<SinkRecord>> + Send + Sync + 'static,
    ) -> Self {
        Self {
            source: Arc::new(source),
            sink: Arc::new(sink),
        }
    }
}

/// The records a transformation chain runs on: source and sink records, each taking its own
/// factory from a table entry.
pub trait ChainRecord: ConnectRecord + private::Sealed {
    /// A new transformation of this record type from `factory`.
    fn transformation(factory: &TransformationFactory) -> Box<dyn Transformation<Self>>;
    /// A new predicate of this record type from `factory`.
    fn predicate(factory: &PredicateFactory) -> Box<dyn Predicate<Self>>;
}

mod private {
    pub trait Sealed {}
    impl Sealed for super::SourceRecord {}
    impl Sealed for super::SinkRecord {}
}

impl ChainRecord for SourceRecord {
    fn transformation(factory: &TransformationFactory) -> Box<dyn Transformation<Self>> {
        (factory.source)()
    }

    fn predicate(factory: &PredicateFactory) -> Box<dyn Predicate<Self>> {
        (factory.source)()
    }
}

impl ChainRecord for SinkRecord {
    fn transformation(factory: &TransformationFactory) -> Box<dyn Transformation<Self>> {
        (factory.sink)()
    }

    fn predicate(factory: &PredicateFactory) -> Box<dyn Predicate<Self>> {
        (factory.sink)()
    }
}

/// A plugin's class name, type and version, as `GET /connector-plugins` lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PluginClass<'a> {
    /// The class name.
    pub class: &'a str,
    /// The plugin type.
    pub plugin_type: PluginType,
    /// The plugin's own version, for a plugin loaded at run time; `None` for a built-in one,
    /// whose version is the binary's.
    pub version: Option<&'a str>,
    /// The type's suffix, which the shortest alias leaves out.
    suffix: &'static str,
}

impl<'a> PluginClass<'a> {
    /// The other names the plugin is found by, as Apache's aliases: the simple class name, and
    /// that less the type's suffix (`FileStreamSource` for `FileStreamSourceConnector`).
    pub fn aliases(&self) -> Vec<&'a str> {
        let (simple, short) = short_names(self.class, self.suffix);
        let mut aliases = vec![simple];
        if short != simple {
            aliases.push(short);
        }
        aliases.retain(|alias| *alias != self.class);
        aliases
    }
}

/// The simple name of `class` and that less `suffix` (unless nothing would be left).
fn short_names<'a>(class: &'a str, suffix: &str) -> (&'a str, &'a str) {
    let simple = class.rsplit('.').next().unwrap_or(class);
    let short = simple.strip_suffix(suffix).filter(|s| !s.is_empty()).unwrap_or(simple);
    (simple, short)
}

/// One plugin: its class name (also found by its simple name, and that less the type's
/// `suffix`), its version when it has its own, and its factory.
#[derive(Clone)]
struct Entry<F> {
    class: Cow<'static, str>,
    suffix: &'static str,
    version: Option<Arc<str>>,
    create: F,
}

impl<F> Entry<F> {
    /// A built-in entry found by `class`, its simple name, and its simple name less `suffix`.
    fn new(class: &'static str, suffix: &'static str, create: F) -> Self {
        Self {
            class: Cow::Borrowed(class),
            suffix,
            version: None,
            create,
        }
    }

    /// An entry found at run time, with its own version.
    fn loaded(class: String, suffix: &'static str, version: String, create: F) -> Self {
        Self {
            class: Cow::Owned(class),
            suffix,
            version: Some(version.into()),
            create,
        }
    }

    fn matches(&self, name: &str) -> bool {
        let class: &str = &self.class;
        let (simple, short) = short_names(class, self.suffix);
        name == class || name == simple || name == short
    }
}

fn find<'a, F>(entries: &'a [Entry<F>], name: &str) -> Option<&'a Entry<F>> {
    let name = name.trim();
    entries.iter().find(|entry| entry.matches(name))
}

/// Adds `entries` to `into`, leaving out a class `into` already has (the first registration wins).
fn merge<F>(into: &mut Vec<Entry<F>>, entries: Vec<Entry<F>>) {
    for entry in entries {
        if !into.iter().any(|e| e.class == entry.class) {
            into.push(entry);
        }
    }
}

/// Every plugin of a binary, by type, in the order they were added.
#[derive(Clone, Default)]
pub struct PluginTable {
    connectors: Vec<Entry<ConnectorFactory>>,
    converters: Vec<Entry<ConverterFactory>>,
    header_converters: Vec<Entry<HeaderConverterFactory>>,
    transformations: Vec<Entry<TransformationFactory>>,
    predicates: Vec<Entry<PredicateFactory>>,
    config_providers: Vec<Entry<ConfigProviderFactory>>,
}

impl PluginTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a source connector under its class name.
    pub fn source_connector(mut self, class: &'static str, create: fn() -> Box<dyn SourceConnector>) -> Self {
        let entry = Entry::new(class, "Connector", ConnectorFactory::Source(Arc::new(create)));
        merge(&mut self.connectors, vec![entry]);
        self
    }

    /// Adds a sink connector under its class name.
    pub fn sink_connector(mut self, class: &'static str, create: fn() -> Box<dyn SinkConnector>) -> Self {
        let entry = Entry::new(class, "Connector", ConnectorFactory::Sink(Arc::new(create)));
        merge(&mut self.connectors, vec![entry]);
        self
    }

    /// Adds a connector found at run time (a Java plugin on `plugin.path`) under its class name,
    /// with its own version.
    pub fn loaded_connector(mut self, class: String, version: String, create: ConnectorFactory) -> Self {
        merge(
            &mut self.connectors,
            vec![Entry::loaded(class, "Connector", version, create)],
        );
        self
    }

    /// Adds a transformation found at run time under its class name, with its own version.
    pub fn loaded_transformation(mut self, class: String, version: String, create: TransformationFactory) -> Self {
        merge(
            &mut self.transformations,
            vec![Entry::loaded(class, "", version, create)],
        );
        self
    }

    /// Adds a predicate found at run time under its class name, with its own version.
    pub fn loaded_predicate(mut self, class: String, version: String, create: PredicateFactory) -> Self {
        merge(&mut self.predicates, vec![Entry::loaded(class, "", version, create)]);
        self
    }

    /// Adds a key/value converter under its class name.
    pub fn converter(mut self, class: &'static str, create: ConverterFactory) -> Self {
        merge(&mut self.converters, vec![Entry::new(class, "Converter", create)]);
        self
    }

    /// Adds a header converter under its class name.
    pub fn header_converter(mut self, class: &'static str, create: HeaderConverterFactory) -> Self {
        merge(
            &mut self.header_converters,
            vec![Entry::new(class, "Converter", create)],
        );
        self
    }

    /// Adds a transformation under its class name, with its factory for source records and for
    /// sink records (the same type, as a transformation is written once for both).
    pub fn transformation(
        mut self,
        class: &'static str,
        source: fn() -> Box<dyn Transformation<SourceRecord>>,
        sink: fn() -> Box<dyn Transformation<SinkRecord>>,
    ) -> Self {
        let entry = Entry::new(class, "", TransformationFactory::new(source, sink));
        merge(&mut self.transformations, vec![entry]);
        self
    }

    /// Adds a predicate under its class name, with its factory for source and for sink records.
    pub fn predicate(
        mut self,
        class: &'static str,
        source: fn() -> Box<dyn Predicate<SourceRecord>>,
        sink: fn() -> Box<dyn Predicate<SinkRecord>>,
    ) -> Self {
        let entry = Entry::new(class, "", PredicateFactory::new(source, sink));
        merge(&mut self.predicates, vec![entry]);
        self
    }

    /// Adds a config provider under its class name (found also without its `ConfigProvider` suffix).
    pub fn config_provider(mut self, class: &'static str, create: ConfigProviderFactory) -> Self {
        merge(
            &mut self.config_providers,
            vec![Entry::new(class, "ConfigProvider", create)],
        );
        self
    }

    /// This table with every plugin of `other` that it lacks added after its own.
    pub fn merge(mut self, other: PluginTable) -> Self {
        merge(&mut self.connectors, other.connectors);
        merge(&mut self.converters, other.converters);
        merge(&mut self.header_converters, other.header_converters);
        merge(&mut self.transformations, other.transformations);
        merge(&mut self.predicates, other.predicates);
        merge(&mut self.config_providers, other.config_providers);
        self
    }

    /// A new connector named `name` (any of its names).
    pub fn connector(&self, name: &str) -> Option<ConnectorKind> {
        find(&self.connectors, name).map(|entry| match &entry.create {
            ConnectorFactory::Source(create) => ConnectorKind::Source(create()),
            ConnectorFactory::Sink(create) => ConnectorKind::Sink(create()),
        })
    }

    /// The class name of connector `name`.
    pub fn connector_class(&self, name: &str) -> Option<&str> {
        find(&self.connectors, name).map(|entry| &*entry.class)
    }

    /// A new, unconfigured converter named `name`.
    pub fn new_converter(&self, name: &str) -> Option<Box<dyn Converter>> {
        find(&self.converters, name).map(|entry| (entry.create)())
    }

    /// A new, unconfigured header converter named `name`.
    pub fn new_header_converter(&self, name: &str) -> Option<Box<dyn HeaderConverter>> {
        find(&self.header_converters, name).map(|entry| (entry.create)())
    }

    /// A new, unconfigured transformation named `name`, for records of type `R`.
    pub fn new_transformation<R: ChainRecord>(&self, name: &str) -> Option<Box<dyn Transformation<R>>> {
        find(&self.transformations, name).map(|entry| R::transformation(&entry.create))
    }

    /// A new, unconfigured config provider named `name`.
    pub fn new_config_provider(&self, name: &str) -> Option<Box<dyn ConfigProvider>> {
        find(&self.config_providers, name).map(|entry| (entry.create)())
    }

    /// The class names of every config provider, which the REST API does not list.
    pub fn config_provider_classes(&self) -> Vec<&str> {
        self.config_providers.iter().map(|entry| &*entry.class).collect()
    }

    /// A new, unconfigured predicate named `name`, for records of type `R`.
    pub fn new_predicate<R: ChainRecord>(&self, name: &str) -> Option<Box<dyn Predicate<R>>> {
        find(&self.predicates, name).map(|entry| R::predicate(&entry.create))
    }

    /// Every plugin's class name, type and version: connectors, converters, header converters,
    /// transformations, then predicates, each in the order added.
    pub fn classes(&self) -> Vec<PluginClass<'_>> {
        fn listed<F>(entries: &[Entry<F>], kind: impl Fn(&F) -> PluginType) -> impl Iterator<Item = PluginClass<'_>> {
            entries.iter().map(move |e| PluginClass {
                class: &e.class,
                plugin_type: kind(&e.create),
                version: e.version.as_deref(),
                suffix: e.suffix,
            })
        }
        let connector_type = |factory: &ConnectorFactory| match factory {
            ConnectorFactory::Source(_) => PluginType::Source,
            ConnectorFactory::Sink(_) => PluginType::Sink,
        };
        listed(&self.connectors, connector_type)
            .chain(listed(&self.converters, |_| PluginType::Converter))
            .chain(listed(&self.header_converters, |_| PluginType::HeaderConverter))
            .chain(listed(&self.transformations, |_| PluginType::Transformation))
            .chain(listed(&self.predicates, |_| PluginType::Predicate))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Identity;

    impl<R: ConnectRecord> Transformation<R> for Identity {
        fn config_def(&self) -> crate::ConfigDef {
            crate::ConfigDef::new()
        }

        fn configure(&mut self, _config: &crate::ConfigMap) -> crate::Result<()> {
            Ok(())
        }

        fn apply(&self, record: R) -> crate::Result<Option<R>> {
            Ok(Some(record))
        }
    }

    fn table() -> PluginTable {
        PluginTable::new().transformation(
            "org.example.transforms.Identity$Value",
            || Box::new(Identity),
            || Box::new(Identity),
        )
    }

    #[test]
    fn a_plugin_is_found_by_class_and_simple_name() {
        let table = table();
        for name in [
            "org.example.transforms.Identity$Value",
            "Identity$Value",
            " Identity$Value ",
        ] {
            assert!(table.new_transformation::<SourceRecord>(name).is_some(), "{name}");
            assert!(table.new_transformation::<SinkRecord>(name).is_some(), "{name}");
        }
        assert!(table.new_transformation::<SourceRecord>("Value").is_none());
        assert!(table.new_predicate::<SourceRecord>("Identity$Value").is_none());
        assert_eq!(table.classes()[0].aliases(), ["Identity$Value"]);
        assert_eq!(table.classes()[0].plugin_type.name(), "transformation");
    }

    #[test]
    fn the_suffix_of_a_type_is_an_alias_too() {
        let entry = Entry::new("org.example.FooConnector", "Connector", ());
        assert!(entry.matches("FooConnector") && entry.matches("Foo") && !entry.matches("org.example.Foo"));
        let bare = Entry::new("org.example.Connector", "Connector", ());
        assert!(bare.matches("Connector") && !bare.matches(""));
    }

    #[test]
    fn merging_keeps_the_first_of_a_class_and_the_order() {
        let merged = table().merge(table()).merge(PluginTable::new().transformation(
            "org.example.Other",
            || Box::new(Identity),
            || Box::new(Identity),
        ));
        let classes: Vec<_> = merged.classes().into_iter().map(|c| c.class).collect();
        assert_eq!(classes, ["org.example.transforms.Identity$Value", "org.example.Other"]);
    }
}
