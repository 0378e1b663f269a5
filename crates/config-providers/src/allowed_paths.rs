//! `allowed.paths` (KIP-993): the directories a file-reading provider may read under; every path
//! when unset.

use std::path::{Component, Path, PathBuf};

use kconnect_api::config::parse_list;
use kconnect_api::{ConfigMap, ConnectError, Result};

/// The parameter naming the allowed directories.
const ALLOWED_PATHS: &str = "allowed.paths";

/// The directories a provider may read under.
#[derive(Debug, Clone, Default)]
pub(crate) struct AllowedPaths(Option<Vec<PathBuf>>);

impl AllowedPaths {
    /// From the provider's parameters: each listed path must be absolute.
    pub fn from_params(params: &ConfigMap) -> Result<Self> {
        let Some(list) = params.get(ALLOWED_PATHS) else {
            return Ok(Self(None));
        };
        let paths = parse_list(list)
            .into_iter()
            .map(|path| {
                let path = PathBuf::from(path);
                match path.is_absolute() {
                    true => Ok(normalised(&path)),
                    false => Err(ConnectError::config(
                        ALLOWED_PATHS,
                        format!("Path {} is not absolute", path.display()),
                    )),
                }
            })
            .collect::<Result<_>>()?;
        Ok(Self(Some(paths)))
    }

    /// `path` when it lies under an allowed directory, else an error saying it may not be read.
    pub fn check<'p>(&self, path: &'p Path) -> Result<&'p Path> {
        let Some(allowed) = &self.0 else {
            return Ok(path);
        };
        let wanted = normalised(path);
        match allowed.iter().any(|dir| wanted.starts_with(dir)) {
            true => Ok(path),
            false => Err(ConnectError::config(
                ALLOWED_PATHS,
                format!("The path {} is not allowed to be accessed", path.display()),
            )),
        }
    }
}

/// `path` with `.` and `..` resolved lexically, so `..` cannot climb out of an allowed directory.
fn normalised(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(list: &str) -> AllowedPaths {
        AllowedPaths::from_params(&[(ALLOWED_PATHS.to_string(), list.to_string())].into()).unwrap()
    }

    #[test]
    fn paths_under_an_allowed_directory_pass_and_others_do_not() {
        let allowed = allowed("/etc/secrets, /run/keys");
        assert!(allowed.check(Path::new("/etc/secrets/db.properties")).is_ok());
        assert!(allowed.check(Path::new("/run/keys/./token")).is_ok());
        assert!(allowed.check(Path::new("/etc/secrets/../passwd")).is_err());
        assert!(allowed.check(Path::new("/home/x")).is_err());
        assert!(AllowedPaths::default().check(Path::new("/anything")).is_ok());
    }

    #[test]
    fn a_relative_allowed_path_is_refused() {
        let params = [(ALLOWED_PATHS.to_string(), "secrets".to_string())].into();
        let err = AllowedPaths::from_params(&params).unwrap_err().to_string();
        assert!(err.contains("allowed.paths") && err.contains("not absolute"), "{err}");
    }
}
