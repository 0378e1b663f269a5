//! One table (or the custom query) of a source task: the SELECT for its mode, the offset it has
//! reached, and the rows it fetched as records.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use kconnect_api::logical::Decimal;
use kconnect_api::{
    ConnectError, OffsetMap, OffsetStorageReader, RecordCore, Result, SchemaAndValue, SchemaBuilder, SourceRecord,
    Struct, Value,
};

use crate::column::{ColumnKind, ColumnMeta, NumericMapping, fit_numeric};
use crate::driver::{Driver, Param, ResultSet, RowStream};
use crate::temporal;

/// The name of the extra column a timestamp query selects: the exact timestamp in microseconds.
const MICROS_COLUMN: &str = "__kconnect_ts_micros";
/// Offset keys, as the Confluent JDBC source writes them.
const INCREMENTING_KEY: &str = "incrementing";
const TIMESTAMP_KEY: &str = "timestamp";
const TIMESTAMP_NANOS_KEY: &str = "timestamp_nanos";

/// How new rows are found (`mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every row, at every poll.
    Bulk,
    /// Rows whose strictly increasing column is above the last one seen.
    Incrementing,
    /// Rows whose timestamp is after the last one seen.
    Timestamp,
    /// Rows after the last (timestamp, incrementing) pair seen.
    TimestampIncrementing,
}

impl Mode {
    /// Each mode under the name `mode` gives it.
    const NAMES: [(&'static str, Self); 4] = [
        ("bulk", Self::Bulk),
        ("incrementing", Self::Incrementing),
        ("timestamp", Self::Timestamp),
        ("timestamp+incrementing", Self::TimestampIncrementing),
    ];

    /// The mode named by `mode`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::NAMES.iter().find(|(n, _)| *n == name).map(|(_, mode)| *mode)
    }

    /// The name `mode` gives this mode.
    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, mode)| *mode == self)
            .map_or("", |(n, _)| n)
    }

    /// Whether the mode reads `incrementing.column.name`.
    pub(crate) fn uses_incrementing(self) -> bool {
        matches!(self, Self::Incrementing | Self::TimestampIncrementing)
    }

    /// Whether the mode reads `timestamp.column.name`.
    pub(crate) fn uses_timestamp(self) -> bool {
        matches!(self, Self::Timestamp | Self::TimestampIncrementing)
    }
}

/// What every querier of a task shares.
#[derive(Debug, Clone)]
pub struct QuerySettings {
    /// The mode.
    pub mode: Mode,
    /// `incrementing.column.name`.
    pub incrementing_column: String,
    /// `timestamp.column.name` (the first one named).
    pub timestamp_column: String,
    /// `batch.max.rows`: rows per poll, and per query in incremental modes.
    pub batch_max_rows: usize,
    /// `timestamp.delay.interval.ms`.
    pub delay_ms: i64,
    /// `numeric.mapping`.
    pub numeric_mapping: NumericMapping,
}

/// What is read: a table, or the custom query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuerySource {
    /// A table.
    Table(String),
    /// `query`.
    Query(String),
}

/// The position reached in a table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// The last incrementing value.
    pub incrementing: Option<i64>,
    /// The last timestamp, in microseconds since the epoch.
    pub timestamp_micros: Option<i64>,
}

impl Progress {
    /// The progress an offset stored by this connector (or the Confluent one) records.
    pub fn from_offset(offset: &OffsetMap) -> Self {
        let millis = offset.get(TIMESTAMP_KEY).and_then(serde_json::Value::as_i64);
        let nanos = offset.get(TIMESTAMP_NANOS_KEY).and_then(serde_json::Value::as_i64);
        Self {
            incrementing: offset.get(INCREMENTING_KEY).and_then(serde_json::Value::as_i64),
            timestamp_micros: millis.map(|ms| match nanos {
                Some(nanos) => ms.div_euclid(1000) * 1_000_000 + nanos / 1000,
                None => ms * 1000,
            }),
        }
    }

    /// The offset map of this progress: `incrementing`, `timestamp` (ms) and `timestamp_nanos`
    /// (nanoseconds of the second), as the Confluent connector stores them.
    pub fn to_offset(self) -> OffsetMap {
        let mut offset = OffsetMap::new();
        if let Some(micros) = self.timestamp_micros {
            offset.insert(TIMESTAMP_KEY.into(), micros.div_euclid(1000).into());
            offset.insert(TIMESTAMP_NANOS_KEY.into(), (micros.rem_euclid(1_000_000) * 1000).into());
        }
        if let Some(incrementing) = self.incrementing {
            offset.insert(INCREMENTING_KEY.into(), incrementing.into());
        }
        offset
    }
}

/// One table or query of a task.
pub struct Querier {
    source: QuerySource,
    topic: String,
    /// Shared by all the records of this table or query.
    partition: Arc<OffsetMap>,
    progress: Progress,
    /// The table's declared columns (nullability, precision, scale), once described.
    declared: Option<Vec<ColumnMeta>>,
    pending: VecDeque<SourceRecord>,
    /// The rest of a bulk read, still being read from the database.
    streaming: Option<RowStream>,
}

impl Querier {
    /// A querier of `source` writing to `topic`, resuming after the offset `offsets` holds for it.
    pub fn new(source: QuerySource, topic: String, offsets: &dyn OffsetStorageReader) -> Self {
        let partition = Self::partition_of(&source);
        let committed = offsets.offset(&partition);
        Self {
            partition: Arc::new(partition),
            source,
            topic,
            progress: committed.as_ref().map(Progress::from_offset).unwrap_or_default(),
            declared: None,
            pending: VecDeque::new(),
            streaming: None,
        }
    }

    /// The source partition of `source`: `{"table": name}` or `{"query": "query"}`.
    fn partition_of(source: &QuerySource) -> OffsetMap {
        let mut partition = OffsetMap::new();
        match source {
            QuerySource::Table(table) => partition.insert("table".into(), table.clone().into()),
            QuerySource::Query(_) => partition.insert("query".into(), "query".into()),
        };
        partition
    }

    /// Whether fetched rows are waiting to be returned, or a streamed read is still under way.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty() || self.streaming.is_some()
    }

    /// Up to `max` fetched records; in a streamed read, the next chunk of the result once those
    /// fetched before are gone.
    pub async fn take(&mut self, max: usize, settings: &QuerySettings) -> Result<Vec<SourceRecord>> {
        if self.pending.is_empty()
            && let Some(stream) = &mut self.streaming
        {
            match stream.next().await {
                Some(Ok(chunk)) => self.keep(chunk, settings)?,
                Some(Err(error)) => {
                    self.streaming = None;
                    return Err(error);
                }
                None => self.streaming = None,
            }
        }
        let count = max.min(self.pending.len());
        Ok(self.pending.drain(..count).collect())
    }

    /// Runs the mode's query. Modes with an incrementing column read at most `batch.max.rows`
    /// rows, keep them as records and return how many came back, so the task knows whether to
    /// query again at once (a full batch) or wait; bulk and timestamp reads, whose query has no
    /// limit, stream the result in chunks of `batch.max.rows` for [`Querier::take`] and return 0.
    pub async fn fetch(&mut self, driver: &dyn Driver, settings: &QuerySettings) -> Result<usize> {
        if self.declared.is_none()
            && let QuerySource::Table(table) = &self.source
        {
            self.declared = Some(driver.describe(table).await?.ok_or_else(|| {
                ConnectError::data(format!("table {table} does not exist or has no readable column"))
            })?);
        }
        let (sql, params) = self.select(driver, settings);
        if !settings.mode.uses_incrementing() {
            self.streaming = Some(driver.stream(sql, params, settings.batch_max_rows));
            return Ok(0);
        }
        let result = driver.query(&sql, &params).await?;
        let count = result.rows.len();
        self.keep(result, settings)?;
        Ok(count)
    }

    fn kind_of(&self, column: &str, default: ColumnKind) -> ColumnKind {
        self.declared
            .as_ref()
            .and_then(|columns| columns.iter().find(|c| c.name == column))
            .map_or(default, |c| c.kind)
    }

    /// The SELECT and its parameters for the mode and the progress so far.
    fn select(&self, driver: &dyn Driver, settings: &QuerySettings) -> (String, Vec<Param>) {
        let dialect = driver.dialect();
        let mode = settings.mode;
        let base = match &self.source {
            QuerySource::Table(table) => format!("SELECT * FROM {}", dialect.quote_table(table)),
            QuerySource::Query(query) => query.clone(),
        };
        let incrementing = dialect.quote(&settings.incrementing_column);
        let timestamp = dialect.quote(&settings.timestamp_column);
        let base = if mode.uses_timestamp() {
            let micros = dialect.epoch_micros(&timestamp);
            match &self.source {
                QuerySource::Table(table) => {
                    format!(
                        "SELECT q.*, {micros} AS {MICROS_COLUMN} FROM {} AS q",
                        dialect.quote_table(table)
                    )
                }
                QuerySource::Query(query) => format!("SELECT q.*, {micros} AS {MICROS_COLUMN} FROM ({query}) AS q"),
            }
        } else {
            base
        };
        let mut params = Vec::new();
        let mut placeholder = |param: Param, timestamp: bool| {
            let kind = param.kind;
            params.push(param);
            if timestamp {
                dialect.timestamp_placeholder(params.len(), kind)
            } else {
                dialect.placeholder(params.len(), kind)
            }
        };
        let ts_kind = self.kind_of(&settings.timestamp_column, ColumnKind::Timestamp);
        let inc_kind = self.kind_of(&settings.incrementing_column, ColumnKind::Int64);
        let ts_param = |micros: i64| Param {
            value: Value::String(temporal::micros_text(micros)),
            kind: ts_kind,
        };
        let last_inc = Param {
            value: Value::Int64(self.progress.incrementing.unwrap_or(-1)),
            kind: inc_kind,
        };
        let last_ts = self.progress.timestamp_micros.unwrap_or(0);
        let (filter, order) = match mode {
            Mode::Incrementing => (
                format!("{incrementing} > {}", placeholder(last_inc, false)),
                incrementing.clone(),
            ),
            Mode::Timestamp => {
                let upper = placeholder(ts_param(now_micros() - settings.delay_ms * 1000), true);
                let lower = placeholder(ts_param(last_ts), true);
                (
                    format!("{timestamp} < {upper} AND {timestamp} > {lower}"),
                    timestamp.clone(),
                )
            }
            Mode::Bulk => return (base, params),
            Mode::TimestampIncrementing => {
                let upper = placeholder(ts_param(now_micros() - settings.delay_ms * 1000), true);
                let same = placeholder(ts_param(last_ts), true);
                let after_inc = placeholder(last_inc, false);
                let after = placeholder(ts_param(last_ts), true);
                (
                    format!(
                        "{timestamp} < {upper} AND (({timestamp} = {same} AND {incrementing} > {after_inc}) OR {timestamp} > {after})"
                    ),
                    format!("{timestamp}, {incrementing}"),
                )
            }
        };
        let wrapped = match (&self.source, mode.uses_timestamp()) {
            (QuerySource::Query(_), false) => format!("SELECT * FROM ({base}) AS q"),
            _ => base,
        };
        let limit = if mode.uses_incrementing() {
            format!(" LIMIT {}", settings.batch_max_rows)
        } else {
            String::new()
        };
        (format!("{wrapped} WHERE {filter} ORDER BY {order}{limit}"), params)
    }

    /// Turns the rows into records and advances the progress past them.
    fn keep(&mut self, result: ResultSet, settings: &QuerySettings) -> Result<()> {
        if result.rows.is_empty() {
            return Ok(());
        }
        let micros_index = result.columns.iter().position(|c| c.name == MICROS_COLUMN);
        let fields: Vec<(usize, ColumnMeta)> = result
            .columns
            .iter()
            .enumerate()
            .filter(|(index, _)| Some(*index) != micros_index)
            .map(|(index, column)| (index, self.with_declared(column, &result, index)))
            .collect();
        let name = match &self.source {
            QuerySource::Table(table) => table.clone(),
            QuerySource::Query(_) => "query".to_string(),
        };
        let schema = fields
            .iter()
            .fold(SchemaBuilder::struct_().name(name), |builder, (_, column)| {
                builder.field(column.name.clone(), column.schema(settings.numeric_mapping))
            })
            .build();
        let inc_index = fields
            .iter()
            .find(|(_, c)| c.name == settings.incrementing_column)
            .map(|(i, _)| *i);
        for row in result.rows {
            let mut value = Struct::new(schema.clone())?;
            for (position, (index, column)) in fields.iter().enumerate() {
                let field_schema = &schema.fields[position].schema;
                let cell = fit_numeric(row[*index].clone(), field_schema)
                    .map_err(|e| ConnectError::data(format!("column {}: {e}", column.name)))?;
                value.set(&column.name, cell)?;
            }
            if settings.mode.uses_incrementing() {
                self.progress.incrementing = Some(incrementing_value(inc_index.map(|i| &row[i]), settings)?);
            }
            if let Some(index) = micros_index {
                match &row[index] {
                    Value::Int64(micros) => self.progress.timestamp_micros = Some(*micros),
                    other => {
                        return Err(ConnectError::data(format!(
                            "timestamp column {} is null or not a timestamp: {other:?}",
                            settings.timestamp_column
                        )));
                    }
                }
            }
            let core = RecordCore::new(
                self.topic.clone(),
                SchemaAndValue::new(Some(schema.clone()), Value::Struct(value)),
            );
            self.pending.push_back(SourceRecord::new(
                self.partition.clone(),
                self.progress.to_offset(),
                core,
            ));
        }
        Ok(())
    }

    /// A result column with the table's declared nullability, precision and scale; an exact
    /// numeric of unknown scale takes the largest scale the fetched values need.
    fn with_declared(&self, column: &ColumnMeta, result: &ResultSet, index: usize) -> ColumnMeta {
        let declared = self
            .declared
            .as_ref()
            .and_then(|columns| columns.iter().find(|c| c.name == column.name));
        let mut meta = match declared {
            Some(declared) => ColumnMeta {
                name: column.name.clone(),
                kind: column.kind,
                ..declared.clone()
            },
            None => column.clone(),
        };
        if meta.kind == ColumnKind::Decimal && meta.scale.is_none() {
            meta.scale = result
                .rows
                .iter()
                .filter_map(|row| match &row[index] {
                    Value::Decimal(d) => Some(needed_scale(*d)),
                    _ => None,
                })
                .max();
        }
        meta
    }
}

/// The fewest digits after the point that show `decimal` exactly.
fn needed_scale(decimal: Decimal) -> i32 {
    let mut scale = decimal.scale;
    let mut unscaled = decimal.unscaled;
    while scale > 0 && unscaled % 10 == 0 {
        unscaled /= 10;
        scale -= 1;
    }
    scale
}

fn incrementing_value(value: Option<&Value>, settings: &QuerySettings) -> Result<i64> {
    match value {
        Some(Value::Int8(v)) => Ok((*v).into()),
        Some(Value::Int16(v)) => Ok((*v).into()),
        Some(Value::Int32(v)) => Ok((*v).into()),
        Some(Value::Int64(v)) => Ok(*v),
        Some(Value::Decimal(d)) if d.scale == 0 => i64::try_from(d.unscaled).map_err(|_| {
            ConnectError::data(format!(
                "incrementing column {} is too large",
                settings.incrementing_column
            ))
        }),
        other => Err(ConnectError::data(format!(
            "incrementing column {} must be a non-null integer column, found {other:?}",
            settings.incrementing_column
        ))),
    }
}

fn now_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_micros() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_round_trips_through_the_confluent_offset_shape() {
        let progress = Progress {
            incrementing: Some(42),
            timestamp_micros: Some(1_700_000_000_123_456),
        };
        let offset = progress.to_offset();
        assert_eq!(
            serde_json::Value::Object(offset.clone()),
            serde_json::json!({"timestamp": 1_700_000_000_123_i64, "timestamp_nanos": 123_456_000, "incrementing": 42})
        );
        assert_eq!(Progress::from_offset(&offset), progress);
    }

    #[test]
    fn unknown_scales_are_the_fewest_digits_needed() {
        assert_eq!(needed_scale(Decimal::new(-988_750, 4)), 3);
        assert_eq!(needed_scale(Decimal::new(1200, 2)), 0);
        assert_eq!(needed_scale(Decimal::new(5, 1)), 1);
    }

    #[test]
    fn modes_are_named_as_confluent_names_them() {
        assert_eq!(Mode::parse("timestamp+incrementing"), Some(Mode::TimestampIncrementing));
        assert_eq!(Mode::parse("bulk"), Some(Mode::Bulk));
        assert_eq!(Mode::parse("everything"), None);
    }
}
