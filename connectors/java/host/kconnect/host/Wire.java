package kconnect.host;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The primitives of the host protocol, shared with the Rust side (connectors/java/src/wire.rs):
 * big-endian integers, strings as a 4-byte length (-1 for null) and UTF-8 bytes, string maps as a
 * count and pairs.
 */
final class Wire {
    private Wire() {
    }

    /** Reads the fields of one frame. */
    static final class In {
        private final DataInputStream in;

        In(byte[] frame) {
            this.in = new DataInputStream(new java.io.ByteArrayInputStream(frame));
        }

        byte u8() throws IOException {
            return in.readByte();
        }

        short i16() throws IOException {
            return in.readShort();
        }

        int i32() throws IOException {
            return in.readInt();
        }

        long i64() throws IOException {
            return in.readLong();
        }

        float f32() throws IOException {
            return in.readFloat();
        }

        double f64() throws IOException {
            return in.readDouble();
        }

        boolean bool() throws IOException {
            return in.readByte() != 0;
        }

        byte[] bytes() throws IOException {
            int length = in.readInt();
            if (length < 0) {
                return null;
            }
            byte[] bytes = new byte[length];
            in.readFully(bytes);
            return bytes;
        }

        String string() throws IOException {
            byte[] bytes = bytes();
            return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
        }

        Integer optionalI32() throws IOException {
            return bool() ? i32() : null;
        }

        Long optionalI64() throws IOException {
            return bool() ? i64() : null;
        }

        Map<String, String> stringMap() throws IOException {
            int count = in.readInt();
            Map<String, String> map = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                map.put(string(), string());
            }
            return map;
        }

        List<String> strings() throws IOException {
            int count = in.readInt();
            List<String> list = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                list.add(string());
            }
            return list;
        }
    }

    /** Builds one frame (in memory: nothing here can fail). */
    static final class Out {
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);

        Out u8(int value) {
            buffer.write(value);
            return this;
        }

        Out i16(short value) {
            return u8(value >>> 8).u8(value);
        }

        Out i32(int value) {
            return u8(value >>> 24).u8(value >>> 16).u8(value >>> 8).u8(value);
        }

        Out i64(long value) {
            return i32((int) (value >>> 32)).i32((int) value);
        }

        Out f32(float value) {
            return i32(Float.floatToIntBits(value));
        }

        Out f64(double value) {
            return i64(Double.doubleToLongBits(value));
        }

        Out bool(boolean value) {
            return u8(value ? 1 : 0);
        }

        Out bytes(byte[] bytes) {
            if (bytes == null) {
                return i32(-1);
            }
            i32(bytes.length);
            buffer.write(bytes, 0, bytes.length);
            return this;
        }

        Out string(String text) {
            return bytes(text == null ? null : text.getBytes(StandardCharsets.UTF_8));
        }

        Out optionalI32(Integer value) {
            bool(value != null);
            return value == null ? this : i32(value);
        }

        Out optionalI64(Long value) {
            bool(value != null);
            return value == null ? this : i64(value);
        }

        Out stringMap(Map<String, String> map) {
            i32(map.size());
            for (Map.Entry<String, String> entry : map.entrySet()) {
                string(entry.getKey());
                string(entry.getValue());
            }
            return this;
        }

        byte[] toByteArray() {
            return buffer.toByteArray();
        }
    }
}
