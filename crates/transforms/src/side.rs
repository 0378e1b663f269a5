//! Which part of a record a `$Key` / `$Value` transformation works on.

use kconnect_api::{RecordCore, SchemaAndValue};

/// The key or the value of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Side {
    /// The `$Key` variant.
    Key,
    /// The `$Value` variant.
    #[default]
    Value,
}

impl Side {
    /// The key or value of `record`.
    pub fn data(self, record: &RecordCore) -> &SchemaAndValue {
        match self {
            Self::Key => &record.key,
            Self::Value => &record.value,
        }
    }

    /// The key or value of `record`, to replace.
    pub fn data_mut(self, record: &mut RecordCore) -> &mut SchemaAndValue {
        match self {
            Self::Key => &mut record.key,
            Self::Value => &mut record.value,
        }
    }

    /// `key` or `value`, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Key => "key",
            Self::Value => "value",
        }
    }
}
