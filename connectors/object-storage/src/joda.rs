//! The Joda-Time patterns of `path.format` (`'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH`), read once
//! and printed for each time bucket, as Confluent's TimeBasedPartitioner prints them.

use chrono::{DateTime, Datelike, Timelike};
use chrono_tz::Tz;

/// One piece of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    /// Printed as is: quoted text, or a character that is not a pattern letter.
    Literal(String),
    /// A field, by its letter and how many times the letter was repeated.
    Field(char, usize),
}

/// A parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathFormat {
    pieces: Vec<Piece>,
}

const LETTERS: &str = "GCYyxMdDEeaHhKkmsSwZz";
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

impl PathFormat {
    /// Parses `pattern`; a letter Joda gives no meaning to is an error naming it.
    pub fn parse(pattern: &str) -> Result<Self, String> {
        let mut pieces = Vec::new();
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\'' {
                let mut text = String::new();
                loop {
                    match chars.next() {
                        Some('\'') if chars.peek() == Some(&'\'') => {
                            chars.next();
                            text.push('\'');
                        }
                        Some('\'') => break,
                        Some(c) => text.push(c),
                        None => return Err(format!("unterminated quote in {pattern}")),
                    }
                }
                // Two quotes in a row outside text print one quote.
                pieces.push(Piece::Literal(if text.is_empty() { "'".into() } else { text }));
            } else if c.is_ascii_alphabetic() {
                if !LETTERS.contains(c) {
                    return Err(format!("'{c}' is not a Joda-Time pattern letter (in {pattern})"));
                }
                let mut count = 1;
                while chars.peek() == Some(&c) {
                    chars.next();
                    count += 1;
                }
                pieces.push(Piece::Field(c, count));
            } else {
                pieces.push(Piece::Literal(c.to_string()));
            }
        }
        Ok(Self { pieces })
    }

    /// The pattern printed for `time`.
    pub fn print(&self, time: &DateTime<Tz>) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Literal(text) => out.push_str(text),
                Piece::Field(letter, count) => field(&mut out, *letter, *count, time),
            }
        }
        out
    }
}

fn number(out: &mut String, value: i64, width: usize) {
    out.push_str(&format!("{value:0width$}"));
}

fn text(out: &mut String, full: &str, count: usize) {
    out.push_str(if count >= 4 { full } else { &full[..3] });
}

fn field(out: &mut String, letter: char, count: usize, time: &DateTime<Tz>) {
    match letter {
        'Y' | 'y' | 'x' => match count {
            2 => number(out, i64::from(time.year().rem_euclid(100)), 2),
            _ => number(out, i64::from(time.year()), count),
        },
        'C' => number(out, i64::from(time.year() / 100), count),
        'G' => out.push_str(if time.year() > 0 { "AD" } else { "BC" }),
        'M' if count >= 3 => text(out, MONTHS[time.month0() as usize], count),
        'M' => number(out, i64::from(time.month()), count),
        'd' => number(out, i64::from(time.day()), count),
        'D' => number(out, i64::from(time.ordinal()), count),
        'E' => text(out, DAYS[time.weekday().num_days_from_monday() as usize], count),
        'e' => number(out, i64::from(time.weekday().number_from_monday()), count),
        'a' => out.push_str(if time.hour() < 12 { "AM" } else { "PM" }),
        'H' => number(out, i64::from(time.hour()), count),
        'k' => number(out, i64::from(if time.hour() == 0 { 24 } else { time.hour() }), count),
        'K' => number(out, i64::from(time.hour() % 12), count),
        'h' => number(out, i64::from(time.hour12().1), count),
        'm' => number(out, i64::from(time.minute()), count),
        's' => number(out, i64::from(time.second()), count),
        'S' => {
            let millis = format!("{:03}", time.timestamp_subsec_millis());
            out.push_str(&format!("{millis:0<count$}")[..count]);
        }
        'w' => number(out, i64::from(time.iso_week().week()), count),
        'Z' => out.push_str(&time.format(if count == 1 { "%z" } else { "%:z" }).to_string()),
        'z' => out.push_str(&time.format("%Z").to_string()),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(zone: Tz, millis: i64) -> DateTime<Tz> {
        zone.timestamp_millis_opt(millis).unwrap()
    }

    #[test]
    fn hive_style_paths_print_as_confluents() {
        let format = PathFormat::parse("'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH").unwrap();
        // 2024-03-05T07:00:00Z
        let time = at(Tz::UTC, 1_709_622_000_000);
        assert_eq!(format.print(&time), "year=2024/month=03/day=05/hour=07");
        let paris = at(chrono_tz::Europe::Paris, 1_709_622_000_000);
        assert_eq!(format.print(&paris), "year=2024/month=03/day=05/hour=08");
    }

    #[test]
    fn names_quotes_and_short_years() {
        let format = PathFormat::parse("yy-MMM-dd EEEE 'o''clock' ''").unwrap();
        let time = at(Tz::UTC, 1_709_622_000_000);
        assert_eq!(format.print(&time), "24-Mar-05 Tuesday o'clock '");
    }

    #[test]
    fn unknown_letters_are_refused() {
        assert!(PathFormat::parse("YYYY/qq").unwrap_err().contains("'q'"));
    }
}
