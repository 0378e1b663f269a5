//! [`ConfigProvider`] (KIP-297): where the values of `${provider:[path:]key}` variables in a
//! connector's configuration come from, so that secrets stay out of the configuration itself.

use crate::config::ConfigMap;
use crate::error::Result;

/// A source of configuration values, as Apache's `org.apache.kafka.common.config.provider.ConfigProvider`.
///
/// Lifecycle: the worker makes one instance per name in `config.providers`, calls
/// [`ConfigProvider::configure`] once with that name's `config.providers.<name>.param.*` keys
/// (prefix removed), then [`ConfigProvider::get`] whenever a connector or task starts with a
/// variable naming it. The instance lives as long as the worker.
pub trait ConfigProvider: Send + Sync {
    /// Takes the provider's own parameters; none are needed by default.
    fn configure(&mut self, _params: &ConfigMap) -> Result<()> {
        Ok(())
    }

    /// The value of `key` under `path` (empty for a variable without a path), or an error saying
    /// why there is none.
    fn get(&self, path: &str, key: &str) -> Result<String>;
}
