//! The registry's errors, each with Confluent's error code and HTTP status.

/// What a registry call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// No such subject (40401).
    #[error("Subject '{0}' not found.")]
    SubjectNotFound(String),
    /// No such version of the subject (40402).
    #[error("Version {0} not found.")]
    VersionNotFound(i32),
    /// No such schema (40403).
    #[error("Schema not found")]
    SchemaNotFound,
    /// A soft delete of a subject already soft-deleted (40404).
    #[error("Subject '{0}' was soft deleted.Set permanent=true to delete permanently")]
    SubjectSoftDeleted(String),
    /// A permanent delete of a subject that was not soft-deleted first (40405).
    #[error("Subject '{0}' was not deleted first before being permanently deleted")]
    SubjectNotSoftDeleted(String),
    /// A soft delete of a version already soft-deleted (40406).
    #[error("Subject '{0}' Version {1} was soft deleted.Set permanent=true to delete permanently")]
    VersionSoftDeleted(String, i32),
    /// A permanent delete of a version that was not soft-deleted first (40407).
    #[error("Subject '{0}' Version {1} was not deleted first before being permanently deleted")]
    VersionNotSoftDeleted(String, i32),
    /// The subject has no compatibility level of its own (40408).
    #[error("Subject '{0}' does not have subject-level compatibility configured")]
    SubjectCompatibilityNotConfigured(String),
    /// A schema that does not parse (42201).
    #[error("Invalid schema {0}")]
    InvalidSchema(String),
    /// A version that is not a number from 1, -1 or `latest` (42202).
    #[error(
        "The specified version '{0}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\""
    )]
    InvalidVersion(String),
    /// A schema the subject's compatibility level refuses (409).
    #[error("Schema being registered is incompatible with an earlier schema for subject \"{0}\", details: {1:?}")]
    Incompatible(String, Vec<String>),
    /// A request body that is not what the call takes (422).
    #[error("Unprocessable entity: {0}")]
    Unprocessable(String),
    /// An unknown compatibility level (42203).
    #[error(
        "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive"
    )]
    InvalidCompatibilityLevel,
    /// The store (the `_schemas` topic) failed (50001).
    #[error("Error while storing the change: {0}")]
    Store(String),
    /// A write could not be forwarded to the leader (50003).
    #[error("Error while forwarding the request to the leader: {0}")]
    Forwarding(String),
    /// No leader is known to forward a write to (50004).
    #[error("Leader not known.")]
    UnknownLeader,
}

impl RegistryError {
    /// Confluent's error code.
    pub fn code(&self) -> u32 {
        match self {
            Self::SubjectNotFound(_) => 40401,
            Self::VersionNotFound(_) => 40402,
            Self::SchemaNotFound => 40403,
            Self::SubjectSoftDeleted(_) => 40404,
            Self::SubjectNotSoftDeleted(_) => 40405,
            Self::VersionSoftDeleted(..) => 40406,
            Self::VersionNotSoftDeleted(..) => 40407,
            Self::SubjectCompatibilityNotConfigured(_) => 40408,
            Self::InvalidSchema(_) => 42201,
            Self::InvalidVersion(_) => 42202,
            Self::InvalidCompatibilityLevel => 42203,
            Self::Unprocessable(_) => 422,
            Self::Incompatible(..) => 409,
            Self::Store(_) => 50001,
            Self::Forwarding(_) => 50003,
            Self::UnknownLeader => 50004,
        }
    }

    /// The HTTP status: the code's first three digits (the code itself when it has three).
    pub fn status(&self) -> u16 {
        match self.code() {
            code if code < 1000 => code as u16,
            code => (code / 100) as u16,
        }
    }
}
