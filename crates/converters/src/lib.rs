//! Converters byte-compatible with Apache Kafka Connect's.
//!
//! Each converter exists under Apache's class name; the runtime's plugin registry maps the names
//! (`org.apache.kafka.connect.json.JsonConverter`, `JsonConverter`, ...) to the types here.

pub mod bytes;
pub mod json;
pub mod number;
pub mod simple_header;
pub mod string;

pub use bytes::ByteArrayConverter;
pub use json::{JsonConverter, JsonHeaderConverter};
pub use number::{BooleanConverter, DoubleConverter, FloatConverter, IntegerConverter, LongConverter, ShortConverter};
pub use simple_header::SimpleHeaderConverter;
pub use string::{StringConverter, StringHeaderConverter};
