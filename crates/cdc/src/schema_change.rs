//! Debezium's schema change events (`include.schema.changes`): on the `<topic.prefix>` topic, keyed
//! by database, a DDL statement and the shapes of the tables it changed (`tableChanges`), with the
//! schemas Debezium's `SchemaFactory` gives them. The table changes come as the JSON documents of
//! the schema history, which are the same fields.

use kconnect_api::schema::{Schema, SchemaBuilder, SchemaRef, SchemaType};
use kconnect_api::{ConnectError, OffsetMap, Result, SourceRecord, Struct, Value};
use serde_json::Value as Json;

use crate::RecordTarget;

/// One table change's schema, `io.debezium.connector.schema.Change`.
fn change_schema() -> SchemaRef {
    let strings = || SchemaBuilder::array(Schema::string()).optional().build();
    let column = SchemaBuilder::struct_()
        .name("io.debezium.connector.schema.Column")
        .version(1)
        .field("name", Schema::string())
        .field("jdbcType", Schema::int32())
        .field("nativeType", Schema::optional_int32())
        .field("typeName", Schema::string())
        .field("typeExpression", Schema::optional_string())
        .field("charsetName", Schema::optional_string())
        .field("length", Schema::optional_int32())
        .field("scale", Schema::optional_int32())
        .field("position", Schema::int32())
        .field("optional", Schema::optional_boolean())
        .field("autoIncremented", Schema::optional_boolean())
        .field("generated", Schema::optional_boolean())
        .field("comment", Schema::optional_string())
        .field("defaultValueExpression", Schema::optional_string())
        .field("enumValues", strings())
        .build();
    let table = SchemaBuilder::struct_()
        .name("io.debezium.connector.schema.Table")
        .version(1)
        .field("defaultCharsetName", Schema::optional_string())
        .field("primaryKeyColumnNames", strings())
        .field("columns", SchemaBuilder::array(column).build())
        .field("comment", Schema::optional_string())
        .optional()
        .build();
    SchemaBuilder::struct_()
        .name("io.debezium.connector.schema.Change")
        .version(1)
        .field("type", Schema::string())
        .field("id", Schema::string())
        .field("table", table)
        .build()
}

/// A JSON document as a value of `schema`: struct fields by name, absent or null fields null.
fn from_json(schema: &SchemaRef, json: &Json) -> Result<Value> {
    let bad = || ConnectError::data(format!("a table change's {json} does not fit {}", schema.schema_type));
    Ok(match (schema.schema_type, json) {
        (_, Json::Null) => Value::Null,
        (SchemaType::Struct, Json::Object(fields)) => {
            let values = schema
                .fields
                .iter()
                .map(|field| match fields.get(&field.name) {
                    // The history lists no labels as `[]`; the event leaves them null.
                    Some(Json::Array(labels)) if labels.is_empty() && field.name == "enumValues" => Ok(Value::Null),
                    Some(json) => from_json(&field.schema, json),
                    None => Ok(Value::Null),
                })
                .collect::<Result<_>>()?;
            Value::Struct(Struct::with_values(schema.clone(), values)?)
        }
        (SchemaType::Array, Json::Array(items)) => {
            let element = schema.element_schema()?;
            Value::Array(
                items
                    .iter()
                    .map(|item| from_json(element, item))
                    .collect::<Result<_>>()?,
            )
        }
        (SchemaType::String, Json::String(text)) => Value::String(text.clone()),
        (SchemaType::Int32, Json::Number(n)) => {
            Value::Int32(n.as_i64().and_then(|n| i32::try_from(n).ok()).ok_or_else(bad)?)
        }
        (SchemaType::Boolean, Json::Bool(flag)) => Value::Boolean(*flag),
        _ => return Err(bad()),
    })
}

/// Builds a connector's schema change events.
pub struct SchemaChanges {
    target: RecordTarget,
    key_schema: SchemaRef,
    value_schema: SchemaRef,
    change_schema: SchemaRef,
}

impl SchemaChanges {
    /// The events of `connector` (`mysql`, `mariadb`: the word in Debezium's schema names) for
    /// server `server`, whose `source` blocks have `source_schema`.
    pub fn new(connector: &str, server: &str, source_schema: SchemaRef) -> Self {
        let change_schema = change_schema();
        Self {
            target: RecordTarget::new(server, server),
            key_schema: SchemaBuilder::struct_()
                .name(format!("io.debezium.connector.{connector}.SchemaChangeKey"))
                .version(1)
                .field("databaseName", Schema::string())
                .build(),
            value_schema: SchemaBuilder::struct_()
                .name(format!("io.debezium.connector.{connector}.SchemaChangeValue"))
                .version(1)
                .field("source", source_schema)
                .field("ts_ms", Schema::int64())
                .field("databaseName", Schema::optional_string())
                .field("schemaName", Schema::optional_string())
                .field("ddl", Schema::optional_string())
                .field("tableChanges", SchemaBuilder::array(change_schema.clone()).build())
                .build(),
            change_schema,
        }
    }

    /// The event of `ddl` run in `database`, which changed tables as `changes` (the history's
    /// `tableChanges` documents) say, read at `source`, resuming after it at `offset`.
    pub fn record(
        &self,
        database: &str,
        ddl: &str,
        changes: &[Json],
        source: Value,
        offset: OffsetMap,
        now_ms: i64,
    ) -> Result<SourceRecord> {
        let changes = changes
            .iter()
            .map(|change| from_json(&self.change_schema, change))
            .collect::<Result<_>>()?;
        let key = Struct::with_values(self.key_schema.clone(), vec![Value::String(database.to_string())])?;
        let value = Struct::with_values(
            self.value_schema.clone(),
            vec![
                source,
                Value::Int64(now_ms),
                Value::String(database.to_string()),
                Value::Null,
                Value::String(ddl.to_string()),
                Value::Array(changes),
            ],
        )?;
        Ok(self.target.record(key, value, offset, Some(now_ms)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn table_changes_become_debeziums_structs() {
        let source = SchemaBuilder::struct_().field("db", Schema::string()).build();
        let changes = SchemaChanges::new("mysql", "shop", source.clone());
        let change = json!({"type": "CREATE", "id": "\"shop\".\"orders\"", "table": {
            "defaultCharsetName": "utf8mb4", "primaryKeyColumnNames": ["id"], "attributes": [],
            "columns": [{"name": "id", "jdbcType": 4, "typeName": "INT", "typeExpression": "INT",
                "charsetName": null, "length": 11, "position": 1, "optional": false,
                "autoIncremented": false, "generated": false, "comment": null, "hasDefaultValue": false}]},
            "comment": null});
        let source = Value::Struct(Struct::with_values(source, vec![Value::String("shop".into())]).unwrap());
        let record = changes
            .record(
                "shop",
                "CREATE TABLE orders (id INT PRIMARY KEY)",
                &[change],
                source,
                OffsetMap::new(),
                5,
            )
            .unwrap();
        assert_eq!(record.core.topic, "shop");
        let value = record.core.value.value.as_struct().unwrap();
        let Some(Value::Array(tables)) = value.get("tableChanges") else {
            panic!("no table changes: {value:?}");
        };
        let table = tables[0]
            .as_struct()
            .unwrap()
            .get("table")
            .unwrap()
            .as_struct()
            .unwrap();
        let Some(Value::Array(columns)) = table.get("columns") else {
            panic!("no columns");
        };
        let column = columns[0].as_struct().unwrap();
        assert_eq!(column.get("length"), Some(&Value::Int32(11)));
        assert_eq!(column.get("enumValues"), Some(&Value::Null));
        assert_eq!(
            record.core.key.value.as_struct().unwrap().get("databaseName"),
            Some(&Value::String("shop".into()))
        );
    }
}
