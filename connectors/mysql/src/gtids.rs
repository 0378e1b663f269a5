//! MariaDB's GTID state: the last GTID (`domain-server-sequence`) of each replication domain, as
//! the offsets' `gtids` carry it and as a binary log stream can be started from it.

use std::collections::BTreeMap;

/// MariaDB's GTID state: the last GTID of each replication domain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MariaGtids(BTreeMap<u32, String>);

impl MariaGtids {
    /// The state `text` lists (`0-1-5,1-2-9`; MariaDB's `@@gtid_binlog_pos` and the `Gtid_list`
    /// event's `[0-1-5]` alike); what is not a MariaDB GTID is left out.
    pub fn parse(text: Option<&str>) -> Self {
        let text = text
            .unwrap_or_default()
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']');
        let domains = text
            .split(',')
            .filter_map(|gtid| {
                let gtid = gtid.trim();
                let mut parts = gtid.split('-');
                let domain = parts.next()?.parse().ok()?;
                parts.next()?.parse::<u32>().ok()?;
                parts.next()?.parse::<u64>().ok()?;
                Some((domain, gtid.to_string()))
            })
            .collect();
        Self(domains)
    }

    /// The state as the offsets write it; `None` when empty.
    pub fn text(&self) -> Option<String> {
        (!self.0.is_empty()).then(|| self.0.values().cloned().collect::<Vec<_>>().join(","))
    }

    /// `gtid` (`domain-server-sequence`) is the last of its domain.
    pub fn insert(&mut self, domain: u32, gtid: String) {
        self.0.insert(domain, gtid);
    }

    fn sequence(gtid: &str) -> u64 {
        gtid.rsplit('-').next().and_then(|s| s.parse().ok()).unwrap_or(0)
    }

    /// Whether this state is at or after `earlier` in every domain `earlier` has: a stream
    /// started from it needs nothing from before `earlier`.
    pub fn at_or_after(&self, earlier: &MariaGtids) -> bool {
        earlier.0.iter().all(|(domain, gtid)| {
            let needed = Self::sequence(gtid);
            needed == 0 || self.0.get(domain).is_some_and(|ours| Self::sequence(ours) >= needed)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_parse_print_and_compare() {
        let gtids = MariaGtids::parse(Some("0-1-5, 1-2-9"));
        assert_eq!(gtids.text().as_deref(), Some("0-1-5,1-2-9"));
        assert_eq!(MariaGtids::parse(Some("")).text(), None);
        assert_eq!(
            MariaGtids::parse(Some("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5")).text(),
            None
        );
        let listed = MariaGtids::parse(Some("[0-1-3]"));
        assert_eq!(listed.text().as_deref(), Some("0-1-3"));
        assert!(gtids.at_or_after(&listed));
        assert!(!listed.at_or_after(&gtids));
        assert!(gtids.at_or_after(&MariaGtids::default()));
        assert!(MariaGtids::default().at_or_after(&MariaGtids::parse(Some("[0-0-0]"))));
    }
}
