//! `org.apache.kafka.common.config.provider.FileConfigProvider`: `${file:/path/x.properties:key}`
//! is the value of `key` in that properties file.

use std::path::Path;

use kconnect_api::config::parse_properties;
use kconnect_api::{ConfigMap, ConfigProvider, ConnectError, Result};

use crate::allowed_paths::AllowedPaths;

/// Reads keys of properties files.
#[derive(Debug, Default)]
pub struct FileConfigProvider {
    allowed: AllowedPaths,
}

impl ConfigProvider for FileConfigProvider {
    fn configure(&mut self, params: &ConfigMap) -> Result<()> {
        self.allowed = AllowedPaths::from_params(params)?;
        Ok(())
    }

    fn get(&self, path: &str, key: &str) -> Result<String> {
        let path = self.allowed.check(Path::new(path))?;
        let text = std::fs::read_to_string(path)
            .map_err(|err| ConnectError::config(key, format!("cannot read {}: {err}", path.display())))?;
        parse_properties(&text)
            .remove(key)
            .ok_or_else(|| ConnectError::config(key, format!("{} has no key {key}", path.display())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_key_of_a_properties_file_in_an_allowed_directory() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = dir.path().join("secrets.properties");
        std::fs::write(&secrets, "db.password=hunter2\n").unwrap();
        let mut provider = FileConfigProvider::default();
        let params = [("allowed.paths".to_string(), dir.path().display().to_string())].into();
        provider.configure(&params).unwrap();
        let path = secrets.display().to_string();
        assert_eq!(provider.get(&path, "db.password").unwrap(), "hunter2");
        assert!(
            provider
                .get(&path, "other")
                .unwrap_err()
                .to_string()
                .contains("has no key other")
        );
        assert!(
            provider
                .get("/etc/hostname", "x")
                .unwrap_err()
                .to_string()
                .contains("not allowed")
        );
    }
}
