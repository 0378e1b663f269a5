//! Java `SimpleDateFormat` patterns (the letters Connect users write: `y M d H h m s S a E Z X`,
//! quoted literals), formatting and parsing in UTC as Apache's transformations do.

use kconnect_api::values::{civil_from_days, days_from_civil};
use kconnect_api::{ConnectError, Result};

const MILLIS_PER_DAY: i64 = 86_400_000;
const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// One element of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A pattern letter repeated `count` times.
    Field(char, usize),
    /// Text copied as it is.
    Literal(String),
}

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateFormat {
    tokens: Vec<Token>,
}

impl DateFormat {
    /// Compiles `pattern`, rejecting letters it does not know.
    pub fn new(pattern: &str) -> Result<Self> {
        let mut tokens = Vec::new();
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\'' {
                let mut literal = String::new();
                while let Some(next) = chars.next() {
                    if next == '\'' {
                        if chars.peek() == Some(&'\'') {
                            literal.push('\'');
                            chars.next();
                            continue;
                        }
                        break;
                    }
                    literal.push(next);
                }
                tokens.push(Token::Literal(if literal.is_empty() { "'".into() } else { literal }));
            } else if c.is_ascii_alphabetic() {
                if !"yMdHhmsSaEZX".contains(c) {
                    return Err(ConnectError::config(
                        "format",
                        format!("Unsupported date format letter '{c}' in {pattern}"),
                    ));
                }
                let mut count = 1;
                while chars.peek() == Some(&c) {
                    chars.next();
                    count += 1;
                }
                tokens.push(Token::Field(c, count));
            } else {
                tokens.push(Token::Literal(c.to_string()));
            }
        }
        Ok(Self { tokens })
    }

    /// Formats milliseconds since the epoch (UTC).
    pub fn format(&self, millis: i64) -> String {
        let days = millis.div_euclid(MILLIS_PER_DAY);
        let ms = millis.rem_euclid(MILLIS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let (hour, minute, second, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
        let mut out = String::new();
        for token in &self.tokens {
            match token {
                Token::Literal(text) => out.push_str(text),
                Token::Field(letter, count) => {
                    let number = |n: i64| format!("{n:0width$}", width = *count);
                    let text = match letter {
                        'y' if *count == 2 => format!("{:02}", year.rem_euclid(100)),
                        'y' => number(year),
                        'M' => number(i64::from(month)),
                        'd' => number(i64::from(day)),
                        'H' => number(hour),
                        'h' => number(if hour % 12 == 0 { 12 } else { hour % 12 }),
                        'm' => number(minute),
                        's' => number(second),
                        'S' => {
                            format!("{milli:03}")[..(*count).min(3)].to_string() + &"0".repeat(count.saturating_sub(3))
                        }
                        'a' => if hour < 12 { "AM" } else { "PM" }.to_string(),
                        'E' => DAYS[days.rem_euclid(7) as usize].to_string(),
                        'Z' => "+0000".to_string(),
                        _ => "Z".to_string(),
                    };
                    out.push_str(&text);
                }
            }
        }
        out
    }

    /// Parses text in this pattern into milliseconds since the epoch (UTC).
    pub fn parse(&self, text: &str) -> Result<i64> {
        let bad = || {
            ConnectError::data(format!(
                "Could not parse timestamp: value ({text}) does not match pattern"
            ))
        };
        let (mut year, mut month, mut day, mut hour, mut minute, mut second, mut milli) = (1970, 1, 1, 0, 0, 0, 0);
        let mut pm = None;
        let mut rest = text;
        for (index, token) in self.tokens.iter().enumerate() {
            let adjacent_number =
                matches!(self.tokens.get(index + 1), Some(Token::Field(next, _)) if "yMdHhmsS".contains(*next));
            match token {
                Token::Literal(literal) => rest = rest.strip_prefix(literal.as_str()).ok_or_else(bad)?,
                Token::Field('a', _) => {
                    pm = Some(rest.starts_with("PM") || rest.starts_with("pm"));
                    rest = rest.get(2..).ok_or_else(bad)?;
                }
                Token::Field('E', _) => rest = rest.get(3..).ok_or_else(bad)?,
                Token::Field('Z' | 'X', _) => {
                    let width = if rest.starts_with('Z') { 1 } else { 5 };
                    rest = rest.get(width..).ok_or_else(bad)?;
                }
                Token::Field(letter, count) => {
                    let digits = rest.chars().take_while(char::is_ascii_digit).count();
                    // Java reads every digit unless the next field is a number too.
                    let width = if adjacent_number { (*count).min(digits) } else { digits };
                    let (number, after) = rest.split_at(width);
                    let value: i64 = number.parse().map_err(|_| bad())?;
                    rest = after;
                    match letter {
                        'y' => year = if *count == 2 { 2000 + value } else { value },
                        'M' => month = value,
                        'd' => day = value,
                        'H' | 'h' => hour = value,
                        'm' => minute = value,
                        's' => second = value,
                        _ => milli = value,
                    }
                }
            }
        }
        if !rest.is_empty() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return Err(bad());
        }
        if let Some(pm) = pm {
            hour = hour % 12 + if pm { 12 } else { 0 };
        }
        let days = days_from_civil(year, month as u32, day as u32);
        Ok(days * MILLIS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + milli)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_common_patterns() {
        let cases = [
            ("yyyyMMdd", 1_483_425_001_864, "20170103"),
            (
                "yyyy-MM-dd'T'HH:mm:ss.SSSX",
                1_483_425_001_864,
                "2017-01-03T06:30:01.864Z",
            ),
            ("yyyy-MM-dd HH:mm:ss", 0, "1970-01-01 00:00:00"),
            ("dd/MM/yy hh:mm a", 1_483_425_001_000, "03/01/17 06:30 AM"),
        ];
        for (pattern, millis, text) in cases {
            let format = DateFormat::new(pattern).unwrap();
            assert_eq!(format.format(millis), text, "{pattern}");
        }
        let iso = DateFormat::new("yyyy-MM-dd'T'HH:mm:ss.SSSX").unwrap();
        assert_eq!(iso.parse("2017-01-03T06:30:01.864Z").unwrap(), 1_483_425_001_864);
        assert_eq!(
            DateFormat::new("yyyyMMdd").unwrap().parse("20170103").unwrap(),
            1_483_401_600_000
        );
        assert!(iso.parse("yesterday").is_err());
        assert!(DateFormat::new("yyyy-QQ").is_err());
    }
}
