//! The ProtobufConverter against Confluent's own Protobuf serializers (`confluent-kafka`, PyPI)
//! through kconnect's registry: what the converter writes, Confluent's ProtobufDeserializer reads
//! (with the schema the registry serves it, `format=serialized`) as the same message; what
//! Confluent's ProtobufSerializer writes (registering its schema as a base64 descriptor, and the
//! file it imports as a referenced subject), the converter reads as the Connect data Confluent's
//! ProtobufData gives; and the registry answers Confluent's client's compatibility checks.

// The Avro and JSON Schema tests share its `order`; Protobuf has no null scalars to read it back.
#[allow(dead_code)]
mod confluent_clients;

use kconnect_api::logical::{Decimal, date_schema, timestamp_schema};
use kconnect_api::{ConfigMap, Converter, Schema, SchemaBuilder, SchemaType, Struct, Value};
use kconnect_converters::ProtobufConverter;
use serde_json::{Value as Json, json};

use confluent_clients::{hex, python, read_struct, serve_registry, unhex};

const READ: &str = r#"
import json, sys
from google.protobuf import json_format
from google.protobuf.descriptor_pool import DescriptorPool
from google.protobuf.message_factory import GetMessageClass
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.common.protobuf import _init_pool, _str_to_proto
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext
client = SchemaRegistryClient({"url": sys.argv[1]})
data = bytes.fromhex(sys.argv[2])
registered = client.get_schema(int.from_bytes(data[1:5], "big"), fmt="serialized")
pool = DescriptorPool()
_init_pool(pool)
pool.Add(_str_to_proto("registered", registered.schema_str))
message_class = GetMessageClass(pool.FindMessageTypeByName(sys.argv[3]))
record = ProtobufDeserializer(message_class, {}, schema_registry_client=client)(
    data, SerializationContext("readings", MessageField.VALUE))
print(json.dumps(json_format.MessageToDict(record, preserving_proto_field_name=True)))
"#;

const WRITE: &str = r#"
import sys
from decimal import Decimal
from google.protobuf import descriptor_pb2
from google.protobuf.descriptor_pool import DescriptorPool
from google.protobuf.message_factory import GetMessageClass
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.common.protobuf import _init_pool, decimal_to_protobuf
from confluent_kafka.schema_registry.protobuf import ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
F = descriptor_pb2.FieldDescriptorProto
common = descriptor_pb2.FileDescriptorProto(name="shop/common.proto", package="shop.common", syntax="proto3")
customer = common.message_type.add(name="Customer")
customer.field.add(name="name", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
file = descriptor_pb2.FileDescriptorProto(name="shop/payment.proto", package="shop", syntax="proto3",
    dependency=["google/protobuf/timestamp.proto", "confluent/types/decimal.proto", "shop/common.proto"])
payment = file.message_type.add(name="Payment")
payment.oneof_decl.add(name="method")
payment.oneof_decl.add(name="_note")
status = payment.enum_type.add(name="Status")
status.value.add(name="NEW", number=0)
status.value.add(name="PAID", number=1)
entry = payment.nested_type.add(name="CountsEntry")
entry.options.map_entry = True
entry.field.add(name="key", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
entry.field.add(name="value", number=2, type=F.TYPE_INT64, label=F.LABEL_OPTIONAL)
add = lambda **field: payment.field.add(label=field.pop("label", F.LABEL_OPTIONAL), **field)
add(name="id", number=1, type=F.TYPE_INT64)
add(name="note", number=2, type=F.TYPE_STRING, oneof_index=1, proto3_optional=True)
add(name="tags", number=3, type=F.TYPE_STRING, label=F.LABEL_REPEATED)
add(name="amount", number=4, type=F.TYPE_MESSAGE, type_name=".confluent.type.Decimal")
add(name="paid_at", number=5, type=F.TYPE_MESSAGE, type_name=".google.protobuf.Timestamp")
add(name="status", number=6, type=F.TYPE_ENUM, type_name=".shop.Payment.Status")
add(name="counts", number=7, type=F.TYPE_MESSAGE, type_name=".shop.Payment.CountsEntry", label=F.LABEL_REPEATED)
add(name="card", number=8, type=F.TYPE_STRING, oneof_index=0)
add(name="voucher", number=9, type=F.TYPE_INT32, oneof_index=0)
add(name="customer", number=10, type=F.TYPE_MESSAGE, type_name=".shop.common.Customer")
pool = DescriptorPool()
_init_pool(pool)
pool.Add(common)
pool.Add(file)
Payment = GetMessageClass(pool.FindMessageTypeByName("shop.Payment"))
amount = decimal_to_protobuf(Decimal("12.50"), 2)
record = Payment(id=9, tags=["a", "b"], status=1,
    amount={"value": amount.value, "precision": amount.precision, "scale": amount.scale},
    counts={"x": 5}, card="4242", customer={"name": "Ada"})
record.paid_at.FromMilliseconds(1_700_000_000_123)
data = ProtobufSerializer(Payment, SchemaRegistryClient({"url": sys.argv[1]}))(
    record, SerializationContext("payments", MessageField.VALUE))
print(data.hex())
"#;

/// Whether Confluent's client finds `payments-value` can take the Payment with `id` of the given
/// type and one field more (`True`/`False`, printed).
const COMPATIBLE: &str = r#"
import sys
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
proto = """syntax = "proto3";
package shop;
message Payment { %s id = 1; repeated string tags = 3; string extra = 11; }"""
print(SchemaRegistryClient({"url": sys.argv[1]}).test_compatibility(
    "payments-value", Schema(proto % sys.argv[2], "PROTOBUF")))
"#;

fn converter(url: &str) -> ProtobufConverter {
    converter_with(url, &[])
}

fn converter_with(url: &str, keys: &[(&str, &str)]) -> ProtobufConverter {
    let mut converter = ProtobufConverter::default();
    let mut config: ConfigMap = [("schema.registry.url".to_string(), url.to_string())].into();
    config.extend(keys.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    converter.configure(&config, false).unwrap();
    converter
}

fn reading() -> (kconnect_api::SchemaRef, Struct) {
    let address = SchemaBuilder::struct_()
        .name("shop.Address")
        .field("city", Schema::string())
        .build();
    let status = SchemaBuilder::new(SchemaType::String)
        .name("Status")
        .parameter("io.confluent.connect.protobuf.Enum", "Status")
        .parameter("io.confluent.connect.protobuf.Enum.NEW", "0")
        .parameter("io.confluent.connect.protobuf.Enum.SHIPPED", "1")
        .build();
    let fields: Vec<(&str, kconnect_api::SchemaRef, Value)> = vec![
        ("id", Schema::int64(), Value::Int64(7)),
        ("note", Schema::optional_string(), Value::Null),
        ("small", Schema::int8(), Value::Int8(-3)),
        ("ratio", Schema::float64(), Value::Float64(0.25)),
        ("ok", Schema::boolean(), Value::Boolean(true)),
        ("raw", Schema::bytes(), Value::Bytes(vec![1, 2])),
        (
            "tags",
            SchemaBuilder::array(Schema::string()).build(),
            Value::Array(vec!["x".into()]),
        ),
        (
            "counts",
            SchemaBuilder::map(Schema::string(), Schema::int32()).build(),
            Value::Map(vec![("a".into(), Value::Int32(1))]),
        ),
        (
            "address",
            address.clone(),
            Value::Struct(Struct::new(address).unwrap().put("city", "Lyon").unwrap()),
        ),
        (
            "created",
            timestamp_schema().build(),
            Value::Timestamp(1_700_000_000_000),
        ),
        ("day", date_schema().build(), Value::Date(19_700)),
        ("status", status, Value::String("SHIPPED".into())),
    ];
    let schema = fields
        .iter()
        .fold(SchemaBuilder::struct_().name("shop.Reading"), |b, (name, schema, _)| {
            b.field(*name, schema.clone())
        })
        .build();
    let mut record = Struct::new(schema.clone()).unwrap();
    for (name, _, value) in fields {
        record.set(name, value).unwrap();
    }
    (schema, record)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_cross_between_the_converter_and_confluents_serializers() {
    let (registry, url) = serve_registry().await;

    // Written by the converter, read by Confluent's deserializer.
    let (schema, record) = reading();
    let bytes = converter(&url)
        .to_bytes("readings", Some(&schema), &Value::Struct(record.clone()))
        .unwrap()
        .unwrap();
    assert_eq!(
        &bytes[..6],
        &[0, 0, 0, 0, 1, 0],
        "magic byte, the registry's id, the first message"
    );
    assert_eq!(registry.schema(1).unwrap().schema_type, "PROTOBUF");
    let read: Json = serde_json::from_str(&python(READ, &[&url, &hex(&bytes), "shop.Reading"])).unwrap();
    assert_eq!(
        read,
        json!({"id": "7", "small": -3, "ratio": 0.25, "ok": true, "raw": "AQI=", "tags": ["x"],
               "counts": [{"key": "a", "value": 1}], "address": {"city": "Lyon"},
               "created": "2023-11-14T22:13:20Z", "day": {"year": 2023, "month": 12, "day": 9}, "status": "SHIPPED"})
    );
    // Read back by the converter: proto3 has no null scalar, so the null note reads as "".
    let (read_schema, values) = read_struct(&converter(&url), "readings", &bytes);
    assert_eq!(read_schema.name.as_deref(), Some("Reading"));
    let mut expected = record.values().to_vec();
    expected[1] = Value::String(String::new());
    expected[8] = values[8].clone();
    assert_eq!(values, expected);

    // Written by Confluent's serializer, the file it imports registered as a referenced subject,
    // read by the converter.
    let written = unhex(&python(WRITE, &[&url]));
    assert_eq!(registry.versions("payments-value", false).unwrap(), [1]);
    assert_eq!(registry.versions("shop/common.proto", false).unwrap(), [1]);
    let (payment_schema, payment) = read_struct(&converter(&url), "payments", &written);
    assert_eq!(payment_schema.name.as_deref(), Some("Payment"));
    let names: Vec<&str> = payment_schema.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "method_0", "id", "note", "tags", "amount", "paid_at", "status", "counts", "customer"
        ]
    );
    let Value::Struct(method) = &payment[0] else {
        panic!("the oneof as a union struct: {:?}", payment[0])
    };
    assert_eq!(method.values(), [Value::String("4242".into()), Value::Null]);
    assert_eq!(
        payment[1..],
        [
            Value::Int64(9),
            Value::Null,
            Value::Array(vec!["a".into(), "b".into()]),
            Value::Decimal(Decimal::new(1250, 2)),
            Value::Timestamp(1_700_000_000_123),
            Value::String("PAID".into()),
            Value::Map(vec![("x".into(), Value::Int64(5))]),
            payment[8].clone(),
        ]
    );
    let Value::Struct(customer) = &payment[8] else {
        panic!("the referenced file's message as a struct: {:?}", payment[8])
    };
    assert_eq!(customer.values(), [Value::String("Ada".into())]);
    let unindexed = converter_with(&url, &[("generate.index.for.unions", "false")]);
    let (unindexed_schema, _) = read_struct(&unindexed, "payments", &written);
    assert_eq!(
        unindexed_schema.fields[0].name, "method",
        "generate.index.for.unions=false"
    );

    // Evolution, as Confluent's client asks it (BACKWARD): fields added or dropped are fine, a
    // field whose type changes group is not.
    assert_eq!(python(COMPATIBLE, &[&url, "int64"]), "True");
    assert_eq!(python(COMPATIBLE, &[&url, "string"]), "False");
}
