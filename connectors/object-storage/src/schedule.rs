//! `rotate.schedule.interval.ms`: wall-clock rotation, on boundaries counted from the start of the
//! day in the configured time zone (as Confluent's scheduled rotation).

use chrono::{NaiveTime, TimeZone};

use crate::config::Rotation;

/// When the objects opened at `now_ms` are due, if a schedule is configured.
pub(crate) fn next_rotation(rotation: &Rotation, now_ms: i64) -> Option<i64> {
    let interval = rotation.schedule_interval_ms?;
    let zone = rotation.timezone?;
    let now = zone.timestamp_millis_opt(now_ms).single()?;
    let midnight = now
        .date_naive()
        .and_time(NaiveTime::MIN)
        .and_local_timezone(zone)
        .earliest()
        .map_or(now_ms, |t| t.timestamp_millis());
    Some(midnight + ((now_ms - midnight) / interval + 1) * interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_count_from_local_midnight() {
        let rotation = Rotation {
            interval_ms: None,
            schedule_interval_ms: Some(3_600_000),
            timezone: Some(chrono_tz::Asia::Kolkata),
        };
        // 2024-03-05T07:59:00Z is 13:29 in Kolkata: the next boundary is 14:00 there, 08:30Z.
        assert_eq!(next_rotation(&rotation, 1_709_625_540_000), Some(1_709_627_400_000));
        let unscheduled = Rotation {
            schedule_interval_ms: None,
            ..rotation
        };
        assert_eq!(next_rotation(&unscheduled, 0), None);
    }
}
