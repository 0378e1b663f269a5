//! Connect data every codec test carries: one row of every type.

use kconnect_api::logical::{Decimal, date_schema, decimal_schema, time_schema, timestamp_schema};
use kconnect_api::{Schema, SchemaBuilder, SchemaRef, SchemaType, Struct, Value};

/// A struct schema with a field of every Connect type and logical type (a nested struct, an
/// optional field left null, a field with a default), named, versioned, documented and with a
/// parameter, and a value of it: what a codec must carry whole.
pub fn every_type_row() -> (SchemaRef, Value) {
    let inner = SchemaBuilder::struct_()
        .name("Inner")
        .field("n", Schema::optional_int32())
        .build();
    let schema = SchemaBuilder::struct_()
        .name("com.example.Row")
        .version(3)
        .doc("a row")
        .parameter("origin", "test")
        .field("i8", Schema::int8())
        .field("i16", Schema::int16())
        .field("i32", Schema::int32())
        .field("i64", Schema::optional_int64())
        .field("f32", Schema::float32())
        .field("f64", Schema::float64())
        .field("flag", Schema::boolean())
        .field(
            "text",
            SchemaBuilder::new(SchemaType::String)
                .optional()
                .default_value("none".into())
                .build(),
        )
        .field("blob", Schema::bytes())
        .field("list", SchemaBuilder::array(Schema::string()).build())
        .field("map", SchemaBuilder::map(Schema::string(), Schema::int64()).build())
        .field("inner", inner.clone())
        .field("price", decimal_schema(2).build())
        .field("day", date_schema().build())
        .field("time", time_schema().build())
        .field("at", timestamp_schema().build())
        .build();
    let values = vec![
        Value::Int8(-8),
        Value::Int16(-300),
        Value::Int32(70_000),
        Value::Null,
        Value::Float32(1.5),
        Value::Float64(-0.25),
        Value::Boolean(true),
        Value::String("héllo, wörld".into()),
        Value::Bytes(vec![0, 1, 254, 255]),
        Value::Array(vec![Value::String("a".into()), Value::String("b".into())]),
        Value::Map(vec![(Value::String("k".into()), Value::Int64(i64::MIN))]),
        Value::Struct(Struct::with_values(inner, vec![Value::Int32(7)]).unwrap()),
        Value::Decimal(Decimal::new(-123_456_789, 2)),
        Value::Date(19_782),
        Value::Time(45_296_789),
        Value::Timestamp(1_709_210_096_789),
    ];
    let value = Value::Struct(Struct::with_values(schema.clone(), values).unwrap());
    (schema, value)
}
