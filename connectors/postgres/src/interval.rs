//! PostgreSQL intervals as Debezium carries them: microseconds with average months
//! (`io.debezium.time.MicroDuration`), or ISO 8601 (`io.debezium.time.Interval`), from the server's
//! default `postgres` output (`1 year 2 mons -3 days 04:05:06.5`).

use kconnect_api::{ConnectError, Result};

/// An interval's fields as the server writes them; the time's sign applies to each of its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Interval {
    years: i64,
    months: i64,
    days: i64,
    hours: i64,
    minutes: i64,
    /// Seconds and their fraction, in microseconds.
    second_micros: i64,
}

fn bad(text: &str) -> ConnectError {
    ConnectError::data(format!("cannot read {text:?} as an interval"))
}

impl Interval {
    /// Reads the server's `postgres` style output.
    pub fn parse(text: &str) -> Result<Self> {
        let mut interval = Self::default();
        let mut words = text.split_whitespace();
        while let Some(word) = words.next() {
            if word.contains(':') {
                interval.set_time(word).ok_or_else(|| bad(text))?;
                continue;
            }
            let amount: i64 = word.parse().map_err(|_| bad(text))?;
            match words.next().map(|unit| unit.trim_end_matches('s')) {
                Some("year") => interval.years = amount,
                Some("mon") => interval.months = amount,
                Some("day") => interval.days = amount,
                _ => return Err(bad(text)),
            }
        }
        Ok(interval)
    }

    /// `[-+]H:MM:SS[.ffffff]`, hours past 24 allowed.
    fn set_time(&mut self, word: &str) -> Option<()> {
        let sign = if word.starts_with('-') { -1 } else { 1 };
        let mut parts = word.trim_start_matches(['-', '+']).split(':');
        let hours: i64 = parts.next()?.parse().ok()?;
        let minutes: i64 = parts.next()?.parse().ok()?;
        let second_text = parts.next()?;
        let (whole, fraction) = second_text.split_once('.').unwrap_or((second_text, ""));
        let seconds: i64 = whole.parse().ok()?;
        let micros: i64 = format!("{fraction:0<6}").get(..6)?.parse().ok()?;
        self.hours = sign * hours;
        self.minutes = sign * minutes;
        self.second_micros = sign * (seconds * 1_000_000 + micros);
        Some(())
    }

    /// Microseconds, with Debezium's average months (365.25 / 12 days) and 365.25-day years.
    pub fn micros(&self) -> i64 {
        const DAY: f64 = 86_400_000_000.0;
        let time = (self.hours * 3_600 + self.minutes * 60) * 1_000_000 + self.second_micros;
        let micros = self.years as f64 * 365.25 * DAY
            + self.months as f64 * (365.25 / 12.0 * DAY)
            + self.days as f64 * DAY
            + time as f64;
        micros.round() as i64
    }

    /// ISO 8601 as Debezium writes it: every field, seconds without trailing zeros
    /// (`P1Y2M3DT4H5M6.5S`).
    pub fn iso(&self) -> String {
        let sign = if self.second_micros < 0 { "-" } else { "" };
        let micros = self.second_micros.unsigned_abs();
        let fraction = format!("{:06}", micros % 1_000_000);
        let fraction = fraction.trim_end_matches('0');
        let seconds = match fraction {
            "" => format!("{sign}{}", micros / 1_000_000),
            fraction => format!("{sign}{}.{fraction}", micros / 1_000_000),
        };
        format!(
            "P{}Y{}M{}DT{}H{}M{seconds}S",
            self.years, self.months, self.days, self.hours, self.minutes
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_read_as_debezium_writes_them() {
        let full = Interval::parse("1 year 2 mons 3 days 04:05:06.5").unwrap();
        assert_eq!(full.micros(), 37_091_106_500_000, "Debezium's figure");
        assert_eq!(full.iso(), "P1Y2M3DT4H5M6.5S");
        let negative = Interval::parse("-1 days -02:00:01.25").unwrap();
        assert_eq!(negative.iso(), "P0Y0M-1DT-2H0M-1.25S");
        assert_eq!(negative.micros(), -(86_400 + 7_201) * 1_000_000 - 250_000);
        assert_eq!(Interval::parse("100:00:00").unwrap().iso(), "P0Y0M0DT100H0M0S");
        assert_eq!(Interval::parse("00:00:00").unwrap().iso(), "P0Y0M0DT0H0M0S");
        assert_eq!(Interval::parse("1 day 00:00:01").unwrap().micros(), 86_401_000_000);
        assert!(Interval::parse("1 fortnight").is_err());
    }
}
