//! Java `.properties` text, read as `java.util.Properties.load` reads it: worker and connector
//! files, and the files a `FileConfigProvider` reads secrets from.

use super::ConfigMap;

/// Parses the text of a `.properties` file: `key=value`, `key: value` or `key value`, `#` and `!`
/// comments, backslash line continuations and escapes.
pub fn parse_properties(text: &str) -> ConfigMap {
    let mut map = ConfigMap::new();
    let mut lines = text.lines();
    while let Some(first) = lines.next() {
        let mut logical = first.trim_start().to_string();
        if logical.is_empty() || logical.starts_with('#') || logical.starts_with('!') {
            continue;
        }
        while ends_with_continuation(&logical) {
            logical.pop();
            match lines.next() {
                Some(next) => logical.push_str(next.trim_start()),
                None => break,
            }
        }
        let (key, value) = split_key_value(&logical);
        map.insert(unescape(&key), unescape(&value));
    }
    map
}

fn ends_with_continuation(line: &str) -> bool {
    line.chars().rev().take_while(|c| *c == '\\').count() % 2 == 1
}

fn split_key_value(line: &str) -> (String, String) {
    let mut chars = line.char_indices().peekable();
    let mut key_end = line.len();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            chars.next();
            continue;
        }
        if c == '=' || c == ':' || c.is_whitespace() {
            key_end = i;
            break;
        }
    }
    let key = line[..key_end].to_string();
    let mut rest = line[key_end..].trim_start_matches([' ', '\t', '\x0c']);
    if let Some(stripped) = rest.strip_prefix(['=', ':']) {
        rest = stripped.trim_start_matches([' ', '\t', '\x0c']);
    }
    (key, rest.to_string())
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\x0c'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                if let Some(decoded) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(decoded);
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_java_properties() {
        let text = "# comment\n! also\nbootstrap.servers=localhost:9092\nkey.converter : org.X\nplain value here\nlong=a,\\\n    b\nescaped\\=key=x\\ty\nempty=\n";
        let map = parse_properties(text);
        assert_eq!(map["bootstrap.servers"], "localhost:9092");
        assert_eq!(map["key.converter"], "org.X");
        assert_eq!(map["plain"], "value here");
        assert_eq!(map["long"], "a,b");
        assert_eq!(map["escaped=key"], "x\ty");
        assert_eq!(map["empty"], "");
        assert_eq!(map.len(), 6);
    }
}
