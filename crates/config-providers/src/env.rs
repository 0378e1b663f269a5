//! `org.apache.kafka.common.config.provider.EnvVarConfigProvider`: `${env:VAR}` is the worker's
//! environment variable `VAR`, if `allowlist.pattern` (KIP-887) lets it be read.

use kconnect_api::{ConfigMap, ConfigProvider, ConnectError, Result};
use regex::Regex;

/// The parameter: a regular expression every variable read must match whole.
const ALLOWLIST_PATTERN: &str = "allowlist.pattern";

/// Reads environment variables.
#[derive(Debug, Default)]
pub struct EnvVarConfigProvider {
    allowlist: Option<Regex>,
}

impl ConfigProvider for EnvVarConfigProvider {
    fn configure(&mut self, params: &ConfigMap) -> Result<()> {
        self.allowlist = params
            .get(ALLOWLIST_PATTERN)
            .map(|pattern| {
                Regex::new(&format!("^(?:{pattern})$"))
                    .map_err(|err| ConnectError::config(ALLOWLIST_PATTERN, err.to_string()))
            })
            .transpose()?;
        Ok(())
    }

    fn get(&self, _path: &str, key: &str) -> Result<String> {
        if self.allowlist.as_ref().is_some_and(|allow| !allow.is_match(key)) {
            return Err(ConnectError::config(
                key,
                format!("environment variable {key} does not match {ALLOWLIST_PATTERN}"),
            ));
        }
        std::env::var(key).map_err(|_| ConnectError::config(key, format!("environment variable {key} is not set")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_variables_the_allowlist_lets_through() {
        let mut provider = EnvVarConfigProvider::default();
        assert_eq!(provider.get("", "HOME").unwrap(), std::env::var("HOME").unwrap());
        assert!(
            provider
                .get("", "KCONNECT_SURELY_UNSET")
                .unwrap_err()
                .to_string()
                .contains("is not set")
        );
        provider
            .configure(&[(ALLOWLIST_PATTERN.to_string(), "PA.*".to_string())].into())
            .unwrap();
        assert!(provider.get("", "PATH").is_ok());
        assert!(
            provider
                .get("", "HOME")
                .unwrap_err()
                .to_string()
                .contains("does not match")
        );
    }
}
