//! GTID states as the offsets' `gtids` carry them and as a binary log stream can be started from
//! them: MariaDB's (the last GTID, `domain-server-sequence`, of each replication domain) and
//! MySQL's (the set of transactions executed, `uuid:1-5:7`, per source server).

use std::collections::BTreeMap;
use std::str::FromStr;

use mysql_async::{GnoInterval, Sid};

/// The GTID state after the last commit, in whichever form the server writes: one of the two is
/// empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GtidState {
    /// MariaDB's.
    pub maria: MariaGtids,
    /// MySQL's.
    pub mysql: MySqlGtids,
}

impl GtidState {
    /// The state `text` lists, MariaDB's or MySQL's.
    pub fn parse(text: Option<&str>) -> Self {
        Self {
            maria: MariaGtids::parse(text),
            mysql: MySqlGtids::parse(text),
        }
    }

    /// The state as the offsets write it; `None` when empty.
    pub fn text(&self) -> Option<String> {
        self.maria.text().or_else(|| self.mysql.text())
    }
}

/// A MySQL server's UUID, as its GTIDs name it.
pub type ServerUuid = [u8; 16];

/// A server's UUID as MySQL prints it (`3e11fa47-71ca-11e1-9e33-c80aa9429562`).
pub fn uuid_text(uuid: ServerUuid) -> String {
    Sid::new(uuid).to_string()
}

/// MySQL's GTID set: for each source server's UUID, the numbers of its transactions executed,
/// as inclusive ranges in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MySqlGtids(BTreeMap<ServerUuid, Vec<(u64, u64)>>);

impl MySqlGtids {
    /// The set `text` lists (`@@gtid_executed`'s `uuid:1-5:7,uuid:1-3`, line breaks allowed);
    /// what is not a MySQL GTID set entry is left out, and so are MySQL 8.4's tagged entries
    /// (`uuid:tag:1-5`), which no server this connector was tested with writes.
    pub fn parse(text: Option<&str>) -> Self {
        let mut set = Self::default();
        for entry in text.unwrap_or_default().split(',') {
            let Ok(sid) = Sid::from_str(entry.trim()) else { continue };
            if sid.tag().is_some() {
                continue;
            }
            for interval in sid.intervals() {
                set.insert_range(sid.uuid(), interval.start(), interval.end() - 1);
            }
        }
        set
    }

    /// The set as MySQL prints it; `None` when empty.
    pub fn text(&self) -> Option<String> {
        let entries: Vec<String> = self.sids().iter().map(ToString::to_string).collect();
        (!entries.is_empty()).then(|| entries.join(","))
    }

    /// Transaction `number` of server `uuid` was executed.
    pub fn insert(&mut self, uuid: ServerUuid, number: u64) {
        self.insert_range(uuid, number, number);
    }

    fn insert_range(&mut self, uuid: ServerUuid, first: u64, last: u64) {
        if first > last || first == 0 {
            return;
        }
        let ranges = self.0.entry(uuid).or_default();
        ranges.push((first, last));
        ranges.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
        for (first, last) in ranges.drain(..) {
            match merged.last_mut() {
                Some(previous) if first <= previous.1.saturating_add(1) => previous.1 = previous.1.max(last),
                _ => merged.push((first, last)),
            }
        }
        *ranges = merged;
    }

    /// Whether every transaction of `other` is in this set.
    pub fn contains(&self, other: &MySqlGtids) -> bool {
        other.0.iter().all(|(uuid, ranges)| {
            let ours = self.0.get(uuid).map(Vec::as_slice).unwrap_or_default();
            ranges
                .iter()
                .all(|(first, last)| ours.iter().any(|(a, b)| a <= first && last <= b))
        })
    }

    /// The set as a `COM_BINLOG_DUMP_GTID` request gives it (the server sends what is not in
    /// it), one entry per server in UUID order.
    pub fn sids(&self) -> Vec<Sid<'static>> {
        self.0
            .iter()
            .map(|(uuid, ranges)| {
                let intervals = ranges
                    .iter()
                    .map(|(first, last)| GnoInterval::new(*first, last + 1))
                    .collect();
                Sid::new(*uuid).with_intervals(intervals)
            })
            .collect()
    }
}

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

    const SERVER_A: &str = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    const SERVER_B: &str = "4f22ab58-82db-22f2-af44-d91bb0530673";

    #[test]
    fn mysql_sets_parse_grow_print_and_compare() {
        let text = format!("{SERVER_B}:1-3,\n{}:1-5:7", SERVER_A.to_uppercase());
        let mut set = MySqlGtids::parse(Some(&text));
        assert_eq!(set.text(), Some(format!("{SERVER_A}:1-5:7,{SERVER_B}:1-3")));
        let uuid = |text: &str| Sid::from_str(&format!("{text}:1")).expect("a UUID").uuid();
        set.insert(uuid(SERVER_A), 6);
        set.insert(uuid(SERVER_A), 9);
        set.insert(uuid(SERVER_B), 4);
        assert_eq!(uuid_text(uuid(SERVER_A)), SERVER_A);
        assert_eq!(set.text(), Some(format!("{SERVER_A}:1-7:9,{SERVER_B}:1-4")));
        assert!(set.contains(&MySqlGtids::parse(Some(&format!("{SERVER_A}:2-7")))));
        assert!(!set.contains(&MySqlGtids::parse(Some(&format!("{SERVER_A}:1-8")))));
        assert!(!set.contains(&MySqlGtids::parse(Some("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee:1"))));
        assert!(set.contains(&MySqlGtids::default()));
        assert_eq!(MySqlGtids::parse(Some("0-1-5,1-2-9")).text(), None);
        let sids: Vec<String> = set.sids().iter().map(ToString::to_string).collect();
        assert_eq!(sids, [format!("{SERVER_A}:1-7:9"), format!("{SERVER_B}:1-4")]);
    }

    #[test]
    fn a_state_is_mariadbs_or_mysqls() {
        assert_eq!(GtidState::parse(Some("0-1-5")).text().as_deref(), Some("0-1-5"));
        let mysql = format!("{SERVER_A}:1-5");
        let state = GtidState::parse(Some(&mysql));
        assert_eq!(state.text(), Some(mysql));
        assert!(state.maria.text().is_none());
    }
}
