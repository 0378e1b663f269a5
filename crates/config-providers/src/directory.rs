//! `org.apache.kafka.common.config.provider.DirectoryConfigProvider`: `${directory:/run/keys:token}`
//! is the contents of the file `token` in that directory (a Kubernetes secret volume, say).

use std::path::Path;

use kconnect_api::{ConfigMap, ConfigProvider, ConnectError, Result};

use crate::allowed_paths::AllowedPaths;

/// Reads whole files of a directory.
#[derive(Debug, Default)]
pub struct DirectoryConfigProvider {
    allowed: AllowedPaths,
}

impl ConfigProvider for DirectoryConfigProvider {
    fn configure(&mut self, params: &ConfigMap) -> Result<()> {
        self.allowed = AllowedPaths::from_params(params)?;
        Ok(())
    }

    fn get(&self, path: &str, key: &str) -> Result<String> {
        let file = Path::new(path).join(key);
        let file = self.allowed.check(&file)?;
        std::fs::read_to_string(file)
            .map_err(|err| ConnectError::config(key, format!("cannot read {key} in {path}: {err}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_file_of_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("token"), "t0k3n").unwrap();
        let provider = DirectoryConfigProvider::default();
        let path = dir.path().display().to_string();
        assert_eq!(provider.get(&path, "token").unwrap(), "t0k3n");
        assert!(provider.get(&path, "missing").is_err());
    }
}
