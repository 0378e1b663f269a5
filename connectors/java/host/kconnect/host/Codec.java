package kconnect.host;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.header.Headers;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Connect schemas, values and records on the wire, as connectors/java/src/codec.rs reads and
 * writes them.
 *
 * <p>A schema is a type tag (0 for no schema), flags (optional, and which of name, version, doc,
 * parameters and default follow), those, the element, entry or field schemas, then the default
 * value. A value is a tag and its bytes; a struct's fields follow in its schema's order; a Decimal
 * is its scale and unscaled bytes; Date, Time and Timestamp are milliseconds since the epoch.
 */
final class Codec {
    private static final int NULL = 0;
    private static final int INT8 = 1;
    private static final int INT16 = 2;
    private static final int INT32 = 3;
    private static final int INT64 = 4;
    private static final int FLOAT32 = 5;
    private static final int FLOAT64 = 6;
    private static final int BOOLEAN = 7;
    private static final int STRING = 8;
    private static final int BYTES = 9;
    private static final int ARRAY = 10;
    private static final int MAP = 11;
    private static final int STRUCT = 12;
    private static final int DECIMAL = 13;
    private static final int DATE = 14;

    private static final int OPTIONAL = 1;
    private static final int NAME = 2;
    private static final int VERSION = 4;
    private static final int DOC = 8;
    private static final int PARAMETERS = 16;
    private static final int DEFAULT = 32;

    private Codec() {
    }

    private static int tag(Schema.Type type) {
        switch (type) {
            case INT8: return INT8;
            case INT16: return INT16;
            case INT32: return INT32;
            case INT64: return INT64;
            case FLOAT32: return FLOAT32;
            case FLOAT64: return FLOAT64;
            case BOOLEAN: return BOOLEAN;
            case STRING: return STRING;
            case BYTES: return BYTES;
            case ARRAY: return ARRAY;
            case MAP: return MAP;
            default: return STRUCT;
        }
    }

    private static Schema.Type type(int tag) throws IOException {
        switch (tag) {
            case INT8: return Schema.Type.INT8;
            case INT16: return Schema.Type.INT16;
            case INT32: return Schema.Type.INT32;
            case INT64: return Schema.Type.INT64;
            case FLOAT32: return Schema.Type.FLOAT32;
            case FLOAT64: return Schema.Type.FLOAT64;
            case BOOLEAN: return Schema.Type.BOOLEAN;
            case STRING: return Schema.Type.STRING;
            case BYTES: return Schema.Type.BYTES;
            case ARRAY: return Schema.Type.ARRAY;
            case MAP: return Schema.Type.MAP;
            case STRUCT: return Schema.Type.STRUCT;
            default: throw new IOException("unknown schema type tag " + tag);
        }
    }

    static void writeSchema(Wire.Out out, Schema schema) throws IOException {
        if (schema == null) {
            out.u8(NULL);
            return;
        }
        out.u8(tag(schema.type()));
        Map<String, String> parameters = schema.parameters();
        int flags = (schema.isOptional() ? OPTIONAL : 0)
            | (schema.name() != null ? NAME : 0)
            | (schema.version() != null ? VERSION : 0)
            | (schema.doc() != null ? DOC : 0)
            | (parameters != null && !parameters.isEmpty() ? PARAMETERS : 0)
            | (schema.defaultValue() != null ? DEFAULT : 0);
        out.u8(flags);
        if ((flags & NAME) != 0) {
            out.string(schema.name());
        }
        if ((flags & VERSION) != 0) {
            out.i32(schema.version());
        }
        if ((flags & DOC) != 0) {
            out.string(schema.doc());
        }
        if ((flags & PARAMETERS) != 0) {
            out.stringMap(parameters);
        }
        switch (schema.type()) {
            case ARRAY:
                writeSchema(out, schema.valueSchema());
                break;
            case MAP:
                writeSchema(out, schema.keySchema());
                writeSchema(out, schema.valueSchema());
                break;
            case STRUCT:
                out.i32(schema.fields().size());
                for (Field field : schema.fields()) {
                    out.string(field.name());
                    writeSchema(out, field.schema());
                }
                break;
            default:
                break;
        }
        if ((flags & DEFAULT) != 0) {
            writeValue(out, schema.defaultValue());
        }
    }

    static Schema readSchema(Wire.In in) throws IOException {
        int tag = in.u8();
        if (tag == NULL) {
            return null;
        }
        Schema.Type type = type(tag);
        int flags = in.u8();
        String name = (flags & NAME) != 0 ? in.string() : null;
        Integer version = (flags & VERSION) != 0 ? in.i32() : null;
        String doc = (flags & DOC) != 0 ? in.string() : null;
        Map<String, String> parameters = (flags & PARAMETERS) != 0 ? in.stringMap() : null;
        SchemaBuilder builder;
        switch (type) {
            case ARRAY:
                builder = SchemaBuilder.array(readSchema(in));
                break;
            case MAP:
                Schema key = readSchema(in);
                builder = SchemaBuilder.map(key, readSchema(in));
                break;
            case STRUCT:
                builder = SchemaBuilder.struct();
                int count = in.i32();
                for (int i = 0; i < count; i++) {
                    String field = in.string();
                    builder.field(field, readSchema(in));
                }
                break;
            default:
                builder = SchemaBuilder.type(type);
        }
        if ((flags & OPTIONAL) != 0) {
            builder.optional();
        }
        if (name != null) {
            builder.name(name);
        }
        if (version != null) {
            builder.version(version);
        }
        if (doc != null) {
            builder.doc(doc);
        }
        if (parameters != null) {
            builder.parameters(parameters);
        }
        if ((flags & DEFAULT) != 0) {
            builder.defaultValue(readValue(in, builder));
        }
        return builder.build();
    }

    @SuppressWarnings("unchecked")
    static void writeValue(Wire.Out out, Object value) throws IOException {
        if (value == null) {
            out.u8(NULL);
        } else if (value instanceof Byte) {
            out.u8(INT8).u8((Byte) value);
        } else if (value instanceof Short) {
            out.u8(INT16).i16((Short) value);
        } else if (value instanceof Integer) {
            out.u8(INT32).i32((Integer) value);
        } else if (value instanceof Long) {
            out.u8(INT64).i64((Long) value);
        } else if (value instanceof Float) {
            out.u8(FLOAT32).f32((Float) value);
        } else if (value instanceof Double) {
            out.u8(FLOAT64).f64((Double) value);
        } else if (value instanceof Boolean) {
            out.u8(BOOLEAN).bool((Boolean) value);
        } else if (value instanceof String) {
            out.u8(STRING).string((String) value);
        } else if (value instanceof byte[]) {
            out.u8(BYTES).bytes((byte[]) value);
        } else if (value instanceof ByteBuffer) {
            ByteBuffer buffer = ((ByteBuffer) value).duplicate();
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            out.u8(BYTES).bytes(bytes);
        } else if (value instanceof List) {
            List<Object> list = (List<Object>) value;
            out.u8(ARRAY).i32(list.size());
            for (Object item : list) {
                writeValue(out, item);
            }
        } else if (value instanceof Map) {
            Map<Object, Object> map = (Map<Object, Object>) value;
            out.u8(MAP).i32(map.size());
            for (Map.Entry<Object, Object> entry : map.entrySet()) {
                writeValue(out, entry.getKey());
                writeValue(out, entry.getValue());
            }
        } else if (value instanceof Struct) {
            Struct struct = (Struct) value;
            List<Field> fields = struct.schema().fields();
            out.u8(STRUCT).i32(fields.size());
            for (Field field : fields) {
                writeValue(out, struct.getWithoutDefault(field.name()));
            }
        } else if (value instanceof BigDecimal) {
            BigDecimal decimal = (BigDecimal) value;
            out.u8(DECIMAL).i32(decimal.scale()).bytes(decimal.unscaledValue().toByteArray());
        } else if (value instanceof java.util.Date) {
            out.u8(DATE).i64(((java.util.Date) value).getTime());
        } else {
            throw new IOException("a Connect value cannot be a " + value.getClass().getName());
        }
    }

    /** Reads a value of {@code schema} (null for schemaless data). */
    static Object readValue(Wire.In in, Schema schema) throws IOException {
        int tag = in.u8();
        switch (tag) {
            case NULL: return null;
            case INT8: return in.u8();
            case INT16: return in.i16();
            case INT32: return in.i32();
            case INT64: return in.i64();
            case FLOAT32: return in.f32();
            case FLOAT64: return in.f64();
            case BOOLEAN: return in.bool();
            case STRING: return in.string();
            case BYTES: return in.bytes();
            case ARRAY: {
                int count = in.i32();
                Schema element = schema == null ? null : schema.valueSchema();
                List<Object> list = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    list.add(readValue(in, element));
                }
                return list;
            }
            case MAP: {
                int count = in.i32();
                Schema keys = schema == null ? null : schema.keySchema();
                Schema values = schema == null ? null : schema.valueSchema();
                Map<Object, Object> map = new LinkedHashMap<>();
                for (int i = 0; i < count; i++) {
                    Object key = readValue(in, keys);
                    map.put(key, readValue(in, values));
                }
                return map;
            }
            case STRUCT: {
                if (schema == null) {
                    throw new IOException("a struct without a schema");
                }
                int count = in.i32();
                Struct struct = new Struct(schema);
                List<Field> fields = schema.fields();
                for (int i = 0; i < count; i++) {
                    Field field = fields.get(i);
                    Object value = readValue(in, field.schema());
                    if (value != null) {
                        struct.put(field, value);
                    }
                }
                return struct;
            }
            case DECIMAL: {
                int scale = in.i32();
                return new BigDecimal(new BigInteger(in.bytes()), scale);
            }
            case DATE: return new java.util.Date(in.i64());
            default: throw new IOException("unknown value tag " + tag);
        }
    }

    private static void writeSchemaAndValue(Wire.Out out, Schema schema, Object value) throws IOException {
        writeSchema(out, schema);
        writeValue(out, value);
    }

    private static void writeHeaders(Wire.Out out, Headers headers) throws IOException {
        out.i32(headers.size());
        for (Header header : headers) {
            out.string(header.key());
            writeSchemaAndValue(out, header.schema(), header.value());
        }
    }

    private static Headers readHeaders(Wire.In in) throws IOException {
        int count = in.i32();
        ConnectHeaders headers = new ConnectHeaders();
        for (int i = 0; i < count; i++) {
            String key = in.string();
            Schema schema = readSchema(in);
            headers.add(key, readValue(in, schema), schema);
        }
        return headers;
    }

    /** A source record, as the Rust side reads it into a kconnect SourceRecord. */
    static void writeSourceRecord(Wire.Out out, SourceRecord record) throws IOException {
        writeValue(out, record.sourcePartition());
        writeValue(out, record.sourceOffset());
        out.string(record.topic());
        out.optionalI32(record.kafkaPartition());
        writeSchemaAndValue(out, record.keySchema(), record.key());
        writeSchemaAndValue(out, record.valueSchema(), record.value());
        out.optionalI64(record.timestamp());
        writeHeaders(out, record.headers());
    }

    /** A sink record as the Rust side writes it. */
    static SinkRecord readSinkRecord(Wire.In in) throws IOException {
        String topic = in.string();
        int partition = in.i32();
        Schema keySchema = readSchema(in);
        Object key = readValue(in, keySchema);
        Schema valueSchema = readSchema(in);
        Object value = readValue(in, valueSchema);
        long offset = in.i64();
        Long timestamp = in.optionalI64();
        TimestampType timestampType = timestampType(in.u8());
        Headers headers = readHeaders(in);
        String originalTopic = in.string();
        int originalPartition = in.i32();
        long originalOffset = in.i64();
        return new SinkRecord(topic, partition, keySchema, key, valueSchema, value, offset, timestamp,
            timestampType, headers, originalTopic, originalPartition, originalOffset);
    }

    /**
     * A record a transformation or predicate is applied to: a source record (kind 0) with its
     * source partition and offset, or a sink record (kind 1) as {@link #readSinkRecord} reads it.
     */
    static ConnectRecord<?> readChainRecord(Wire.In in) throws IOException {
        if (in.u8() == 1) {
            return readSinkRecord(in);
        }
        Map<String, Object> partition = readOffsetMap(in);
        Map<String, Object> offset = readOffsetMap(in);
        String topic = in.string();
        Integer kafkaPartition = in.optionalI32();
        Schema keySchema = readSchema(in);
        Object key = readValue(in, keySchema);
        Schema valueSchema = readSchema(in);
        Object value = readValue(in, valueSchema);
        Long timestamp = in.optionalI64();
        Headers headers = readHeaders(in);
        return new SourceRecord(partition, offset, topic, kafkaPartition, keySchema, key, valueSchema, value,
            timestamp, headers);
    }

    /** What a transformation may change of a record: topic, partition, key, value, timestamp, headers. */
    static void writeRecordCore(Wire.Out out, ConnectRecord<?> record) throws IOException {
        out.string(record.topic());
        out.optionalI32(record.kafkaPartition());
        writeSchemaAndValue(out, record.keySchema(), record.key());
        writeSchemaAndValue(out, record.valueSchema(), record.value());
        out.optionalI64(record.timestamp());
        writeHeaders(out, record.headers());
    }

    private static TimestampType timestampType(int tag) {
        switch (tag) {
            case 1: return TimestampType.CREATE_TIME;
            case 2: return TimestampType.LOG_APPEND_TIME;
            default: return TimestampType.NO_TIMESTAMP_TYPE;
        }
    }

    /** Schemaless maps (source partitions and offsets) as the Rust side writes them. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> readOffsetMap(Wire.In in) throws IOException {
        return (Map<String, Object>) readValue(in, null);
    }

    static void writeTopicPartitions(Wire.Out out, java.util.Collection<TopicPartition> partitions) {
        out.i32(partitions.size());
        for (TopicPartition partition : partitions) {
            out.string(partition.topic()).i32(partition.partition());
        }
    }

    static List<TopicPartition> readTopicPartitions(Wire.In in) throws IOException {
        int count = in.i32();
        List<TopicPartition> partitions = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String topic = in.string();
            partitions.add(new TopicPartition(topic, in.i32()));
        }
        return partitions;
    }
}
