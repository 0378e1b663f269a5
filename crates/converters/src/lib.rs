//! Converters byte-compatible with Apache Kafka Connect's.
//!
//! Each converter exists under Apache's class name: [`plugins`] is their table
//! (`org.apache.kafka.connect.json.JsonConverter`, `JsonConverter`, ...), for the binary to hand to
//! the runtime.

pub mod avro;
pub mod bytes;
pub mod confluent;
pub mod json;
pub mod json_schema;
pub mod number;
pub mod protobuf;
pub mod simple_header;
pub mod string;

pub use avro::AvroConverter;
pub use bytes::ByteArrayConverter;
pub use json::{JsonConverter, JsonHeaderConverter};
pub use json_schema::JsonSchemaConverter;
pub use number::{BooleanConverter, DoubleConverter, FloatConverter, IntegerConverter, LongConverter, ShortConverter};
pub use protobuf::ProtobufConverter;
pub use simple_header::SimpleHeaderConverter;
pub use string::{StringConverter, StringHeaderConverter};

use kconnect_api::PluginTable;

/// Every converter and header converter, under Apache's class names.
pub fn plugins() -> PluginTable {
    PluginTable::new()
        .converter("org.apache.kafka.connect.json.JsonConverter", || {
            Box::new(JsonConverter::default())
        })
        .converter("io.confluent.connect.avro.AvroConverter", || {
            Box::new(AvroConverter::default())
        })
        .converter("io.confluent.connect.json.JsonSchemaConverter", || {
            Box::new(JsonSchemaConverter::default())
        })
        .converter("io.confluent.connect.protobuf.ProtobufConverter", || {
            Box::new(ProtobufConverter::default())
        })
        .converter("org.apache.kafka.connect.storage.StringConverter", || {
            Box::new(StringConverter)
        })
        .converter("org.apache.kafka.connect.converters.ByteArrayConverter", || {
            Box::new(ByteArrayConverter)
        })
        .converter("org.apache.kafka.connect.converters.BooleanConverter", || {
            Box::new(BooleanConverter)
        })
        .converter("org.apache.kafka.connect.converters.DoubleConverter", || {
            Box::new(DoubleConverter)
        })
        .converter("org.apache.kafka.connect.converters.FloatConverter", || {
            Box::new(FloatConverter)
        })
        .converter("org.apache.kafka.connect.converters.IntegerConverter", || {
            Box::new(IntegerConverter)
        })
        .converter("org.apache.kafka.connect.converters.LongConverter", || {
            Box::new(LongConverter)
        })
        .converter("org.apache.kafka.connect.converters.ShortConverter", || {
            Box::new(ShortConverter)
        })
        .header_converter("org.apache.kafka.connect.converters.ByteArrayConverter", || {
            Box::new(ByteArrayConverter)
        })
        .header_converter("org.apache.kafka.connect.storage.SimpleHeaderConverter", || {
            Box::new(SimpleHeaderConverter)
        })
        .header_converter("org.apache.kafka.connect.json.JsonConverter", || {
            Box::new(JsonHeaderConverter::default())
        })
        .header_converter("org.apache.kafka.connect.storage.StringConverter", || {
            Box::new(StringHeaderConverter)
        })
        .header_converter("org.apache.kafka.connect.converters.DoubleConverter", || {
            Box::new(DoubleConverter)
        })
        .header_converter("org.apache.kafka.connect.converters.FloatConverter", || {
            Box::new(FloatConverter)
        })
        .header_converter("org.apache.kafka.connect.converters.IntegerConverter", || {
            Box::new(IntegerConverter)
        })
        .header_converter("org.apache.kafka.connect.converters.LongConverter", || {
            Box::new(LongConverter)
        })
        .header_converter("org.apache.kafka.connect.converters.ShortConverter", || {
            Box::new(ShortConverter)
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_converter_is_found_by_its_short_names() {
        let table = super::plugins();
        for name in ["org.apache.kafka.connect.json.JsonConverter", "JsonConverter", "Json"] {
            assert!(table.new_converter(name).is_some(), "{name}");
            assert!(table.new_header_converter(name).is_some(), "{name}");
        }
        assert!(table.new_header_converter("SimpleHeaderConverter").is_some());
        assert!(table.new_converter("SimpleHeaderConverter").is_none());
        assert!(table.new_header_converter("ByteArrayConverter").is_some());
        assert_eq!(table.classes().len(), 21);
    }
}
