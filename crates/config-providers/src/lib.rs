//! Apache Kafka's config providers, with their class names and parameters:
//! `FileConfigProvider` (a key of a properties file), `EnvVarConfigProvider` (an environment
//! variable) and `DirectoryConfigProvider` (the contents of a file in a directory).

mod allowed_paths;
mod directory;
mod env;
mod file;

pub use directory::DirectoryConfigProvider;
pub use env::EnvVarConfigProvider;
pub use file::FileConfigProvider;

/// The three providers, under Apache's class names.
pub fn plugins() -> kconnect_api::PluginTable {
    kconnect_api::PluginTable::new()
        .config_provider("org.apache.kafka.common.config.provider.FileConfigProvider", || {
            Box::new(FileConfigProvider::default())
        })
        .config_provider("org.apache.kafka.common.config.provider.EnvVarConfigProvider", || {
            Box::new(EnvVarConfigProvider::default())
        })
        .config_provider(
            "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
            || Box::new(DirectoryConfigProvider::default()),
        )
}
