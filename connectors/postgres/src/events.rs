//! Turns PostgreSQL changes into Debezium's records, through the change records every CDC
//! connector shares: the tuples become rows and keys, the `source` block says where they were read.

use kconnect_api::schema::SchemaRef;
use kconnect_api::{OffsetMap, Result, SourceRecord};
use kconnect_cdc::changes::{ChangeRecords, RowChange};
use kconnect_cdc::now_micros;

pub use kconnect_cdc::envelope::Op;

use crate::config::PostgresCdcConfig;
use crate::envelope::{SourceInfo, TableShape, source_schema};
use crate::pgoutput::Datum;

/// Builds the records of a connector's changes.
pub struct Events {
    server: String,
    db: String,
    placeholder: String,
    source_schema: SchemaRef,
    changes: ChangeRecords,
}

/// One change of a row.
pub struct Change<'a> {
    /// The table.
    pub shape: &'a TableShape,
    /// What happened.
    pub op: Op,
    /// The old key or row, when the server sent it.
    pub before: Option<&'a [Datum]>,
    /// The new row (none for a delete).
    pub after: Option<&'a [Datum]>,
    /// The `source` block's facts.
    pub info: SourceInfo,
    /// The offset to resume after this change.
    pub offset: OffsetMap,
}

impl Events {
    /// The builder of `config`'s records.
    pub fn new(config: &PostgresCdcConfig) -> Self {
        Self {
            server: config.common.topic_prefix.clone(),
            db: config.connection.dbname.clone(),
            placeholder: config.unavailable_placeholder.clone(),
            source_schema: source_schema(),
            changes: ChangeRecords::of(&config.common),
        }
    }

    /// The `source` block's schema, which every table's envelope embeds.
    pub fn source_schema(&self) -> SchemaRef {
        self.source_schema.clone()
    }

    /// The records of one change: usually one; a delete adds its tombstone, and a primary key
    /// change is a delete (and tombstone) of the old key and a create of the new.
    pub fn records(&self, change: Change<'_>) -> Result<Vec<SourceRecord>> {
        let Change {
            shape,
            op,
            before,
            after,
            info,
            offset,
        } = change;
        // Each image as its row and its key (a key-only old image leaves the other columns null).
        let image = |tuple: Option<&[Datum]>| {
            tuple
                .map(|t| Ok::<_, kconnect_api::ConnectError>((shape.row(t, &self.placeholder)?, shape.key(t)?)))
                .transpose()
        };
        let change = RowChange::new(op, image(before)?, image(after)?);
        let source = shape.source(&self.source_schema, &self.server, &self.db, &info)?;
        self.changes
            .records(shape.schemas(), change, source, offset, now_micros())
    }
}
