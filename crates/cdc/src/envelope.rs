//! Debezium's change events: a table's key, row and envelope schemas (`before`, `after`, `source`,
//! `transaction`, `op`, `ts_ms`, `ts_us`, `ts_ns`) and the fields every connector's `source` block
//! starts with.

use kconnect_api::schema::{Schema, SchemaBuilder, SchemaRef, SchemaType};
use kconnect_api::{Result, Struct, Value};

/// The values `source.snapshot` may take.
const SNAPSHOT_VALUES: &str = "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental";

/// What a change was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `r`: a row read by the snapshot.
    Read,
    /// `c`: inserted.
    Create,
    /// `u`: updated.
    Update,
    /// `d`: deleted.
    Delete,
}

impl Op {
    /// The envelope's `op` code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Read => "r",
            Self::Create => "c",
            Self::Update => "u",
            Self::Delete => "d",
        }
    }
}

/// A `source` block schema named `name` (`io.debezium.connector.<connector>.Source`) with the
/// fields every connector's starts with (`version`, `connector`, `name`, `ts_ms`, `snapshot`, `db`,
/// `sequence`, `ts_us`, `ts_ns`); the connector adds its own after them.
pub fn source_schema_builder(name: &str) -> SchemaBuilder {
    SchemaBuilder::struct_()
        .name(name)
        .field("version", Schema::string())
        .field("connector", Schema::string())
        .field("name", Schema::string())
        .field("ts_ms", Schema::int64())
        .field(
            "snapshot",
            SchemaBuilder::new(SchemaType::String)
                .optional()
                .name("io.debezium.data.Enum")
                .version(1)
                .parameter("allowed", SNAPSHOT_VALUES)
                .default_value(Value::String("false".into()))
                .build(),
        )
        .field("db", Schema::string())
        .field("sequence", Schema::optional_string())
        .field("ts_us", Schema::optional_int64())
        .field("ts_ns", Schema::optional_int64())
}

/// The facts behind the common fields of a `source` block.
#[derive(Debug, Clone, Copy)]
pub struct CommonSource<'a> {
    /// `postgresql`, `mysql`, `mariadb`.
    pub connector: &'a str,
    /// The logical server name (`topic.prefix`).
    pub server: &'a str,
    /// When the change was committed (or the snapshot read), in microseconds since the epoch.
    pub ts_us: i64,
    /// `true`, `last` … for snapshot records, `false` for streamed ones.
    pub snapshot: &'a str,
    /// The database.
    pub db: &'a str,
    /// The connector's `sequence`, when it has one.
    pub sequence: Option<&'a str>,
}

impl CommonSource<'_> {
    /// The common fields' values, in [`source_schema_builder`]'s order; the connector's own follow.
    pub fn values(&self) -> Vec<Value> {
        vec![
            Value::String(env!("CARGO_PKG_VERSION").to_string()),
            Value::String(self.connector.to_string()),
            Value::String(self.server.to_string()),
            Value::Int64(self.ts_us / 1_000),
            Value::String(self.snapshot.to_string()),
            Value::String(self.db.to_string()),
            self.sequence.map_or(Value::Null, |s| Value::String(s.to_string())),
            Value::Int64(self.ts_us),
            Value::Int64(self.ts_us * 1_000),
        ]
    }
}

fn transaction_schema() -> SchemaRef {
    SchemaBuilder::struct_()
        .optional()
        .name("event.block")
        .version(1)
        .field("id", Schema::string())
        .field("total_order", Schema::int64())
        .field("data_collection_order", Schema::int64())
        .build()
}

/// The schemas of one table's events, on `<topic.prefix>.<namespace>.<table>`.
#[derive(Debug, Clone)]
pub struct TableSchemas {
    /// The topic, which also names the schemas.
    pub topic: String,
    key: Option<SchemaRef>,
    row: SchemaRef,
    envelope: SchemaRef,
}

impl TableSchemas {
    /// The schemas of a table on `topic` whose rows carry `row_fields` and whose key carries
    /// `key_fields` (none: the table has no key, its events neither), with `source` as the
    /// connector's `source` block.
    pub fn new(
        topic: String,
        row_fields: &[(&str, SchemaRef)],
        key_fields: &[(&str, SchemaRef)],
        source: SchemaRef,
    ) -> Self {
        let key = (!key_fields.is_empty()).then(|| {
            key_fields
                .iter()
                .fold(
                    SchemaBuilder::struct_().name(format!("{topic}.Key")),
                    |builder, (name, schema)| builder.field(*name, schema.clone()),
                )
                .build()
        });
        let row = row_fields
            .iter()
            .fold(
                SchemaBuilder::struct_().optional().name(format!("{topic}.Value")),
                |builder, (name, schema)| builder.field(*name, schema.clone()),
            )
            .build();
        let envelope = SchemaBuilder::struct_()
            .name(format!("{topic}.Envelope"))
            .version(2)
            .field("before", row.clone())
            .field("after", row.clone())
            .field("source", source)
            .field("transaction", transaction_schema())
            .field("op", Schema::string())
            .field("ts_ms", Schema::optional_int64())
            .field("ts_us", Schema::optional_int64())
            .field("ts_ns", Schema::optional_int64())
            .build();
        Self {
            topic,
            key,
            row,
            envelope,
        }
    }

    /// The key schema; `None` for a table without a key.
    pub fn key_schema(&self) -> Option<SchemaRef> {
        self.key.clone()
    }

    /// The envelope schema.
    pub fn envelope_schema(&self) -> SchemaRef {
        self.envelope.clone()
    }

    /// The row struct of `values`, in the row fields' order.
    pub fn row(&self, values: Vec<Value>) -> Result<Value> {
        Ok(Value::Struct(Struct::with_values(self.row.clone(), values)?))
    }

    /// The key struct of `values`, in the key fields' order; null for a table without a key.
    pub fn key(&self, values: Vec<Value>) -> Result<Value> {
        match &self.key {
            Some(schema) => Ok(Value::Struct(Struct::with_values(schema.clone(), values)?)),
            None => Ok(Value::Null),
        }
    }

    /// The envelope of one change processed at `now_us`.
    pub fn envelope(&self, before: Value, after: Value, source: Value, op: Op, now_us: i64) -> Result<Value> {
        let values = vec![
            before,
            after,
            source,
            Value::Null,
            Value::String(op.code().to_string()),
            Value::Int64(now_us / 1_000),
            Value::Int64(now_us),
            Value::Int64(now_us * 1_000),
        ];
        Ok(Value::Struct(Struct::with_values(self.envelope.clone(), values)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_carry_debeziums_fields_and_names() {
        let source = source_schema_builder("io.debezium.connector.mysql.Source")
            .field("file", Schema::string())
            .build();
        let id = [("id", Schema::int32())];
        let schemas = TableSchemas::new(
            "shop.inventory.orders".into(),
            &[("id", Schema::int32()), ("note", Schema::optional_string())],
            &id,
            source.clone(),
        );
        assert_eq!(
            schemas.key_schema().unwrap().name.as_deref(),
            Some("shop.inventory.orders.Key")
        );
        let envelope = schemas.envelope_schema();
        assert_eq!(envelope.name.as_deref(), Some("shop.inventory.orders.Envelope"));
        let names: Vec<&str> = envelope.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "before",
                "after",
                "source",
                "transaction",
                "op",
                "ts_ms",
                "ts_us",
                "ts_ns"
            ]
        );
        let common = CommonSource {
            connector: "mysql",
            server: "shop",
            ts_us: 1_500,
            snapshot: "false",
            db: "inventory",
            sequence: None,
        };
        let mut values = common.values();
        values.push(Value::String("mysql-bin.000001".into()));
        let block = Value::Struct(Struct::with_values(source, values).unwrap());
        let row = schemas.row(vec![Value::Int32(7), Value::Null]).unwrap();
        assert!(schemas.envelope(Value::Null, row, block, Op::Create, 2_000).is_ok());
        let keyless = TableSchemas::new("t".into(), &[("a", Schema::string())], &[], Schema::string());
        assert_eq!(keyless.key(vec![]).unwrap(), Value::Null);
    }
}
