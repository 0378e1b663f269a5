//! Which objects a source reads, and where their records go: in RESTORE_BACKUP mode the topic and
//! partition a sink put in each object name, in GENERIC mode the topic of the first matching
//! regex. Objects are grouped by folder (their directory), the unit of a source partition and of
//! the split between tasks.

use crate::config::{Mode, Naming};

/// An object to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Listed {
    /// Its name.
    pub name: String,
    /// Its directory, with the trailing delimiter.
    pub folder: String,
    /// The topic its records go to.
    pub topic: String,
    /// The partition they go to, when the name says.
    pub partition: Option<i32>,
}

/// What a source reads.
pub(crate) struct Selection<'a> {
    /// The mode.
    pub mode: &'a Mode,
    /// The sinks' naming.
    pub naming: &'a Naming,
    /// RESTORE_BACKUP: the topics to restore, all when empty.
    pub topics: &'a [String],
    /// GENERIC: topics and the names they take.
    pub topic_regexes: &'a [(String, regex::Regex)],
}

impl Selection<'_> {
    /// `name` as an object to read, or `None` when it is not one.
    pub fn place(&self, name: &str) -> Option<Listed> {
        let delim = &self.naming.directory_delim;
        let split = name.rfind(delim.as_str()).map_or(0, |at| at + delim.len());
        let (folder, file) = name.split_at(split);
        let (topic, partition) = match self.mode {
            Mode::RestoreBackup => {
                let (topic, partition) = self.restored(file)?;
                (topic, Some(partition))
            }
            Mode::Generic => {
                let (topic, _) = self.topic_regexes.iter().find(|(_, regex)| regex.is_match(name))?;
                (topic.clone(), None)
            }
        };
        Some(Listed {
            name: name.to_string(),
            folder: folder.to_string(),
            topic,
            partition,
        })
    }

    /// The topic and partition of a sink's `<topic>+<partition>+<offset>.<ext>`.
    fn restored(&self, file: &str) -> Option<(String, i32)> {
        let mut parts = file.split(self.naming.file_delim.as_str());
        let (topic, partition, rest) = (parts.next()?, parts.next()?, parts.next()?);
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if parts.next().is_some() || digits == 0 || !rest[digits..].starts_with('.') {
            return None;
        }
        if !self.topics.is_empty() && !self.topics.iter().any(|t| t == topic) {
            return None;
        }
        Some((topic.to_string(), partition.parse().ok()?))
    }
}

/// Which of `count` tasks reads `folder`: a hash (FNV-1a) that every worker computes alike.
pub(crate) fn task_of(folder: &str, count: usize) -> usize {
    let hash = folder.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    (hash % count.max(1) as u64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naming() -> Naming {
        Naming {
            topics_dir: "topics".into(),
            directory_delim: "/".into(),
            file_delim: "+".into(),
            zero_pad_width: 10,
        }
    }

    #[test]
    fn restore_reads_topic_and_partition_from_the_sinks_names() {
        let naming = naming();
        let selection = Selection {
            mode: &Mode::RestoreBackup,
            naming: &naming,
            topics: &[],
            topic_regexes: &[],
        };
        assert_eq!(
            selection.place("topics/orders/year=2024/orders+3+0000000042.snappy.parquet"),
            Some(Listed {
                name: "topics/orders/year=2024/orders+3+0000000042.snappy.parquet".into(),
                folder: "topics/orders/year=2024/".into(),
                topic: "orders".into(),
                partition: Some(3),
            })
        );
        assert_eq!(selection.place("topics/orders/partition=0/notes.txt"), None);
        let only_sales = ["sales".to_string()];
        let filtered = Selection {
            topics: &only_sales,
            ..selection
        };
        assert_eq!(
            filtered.place("topics/orders/partition=0/orders+0+0000000000.json"),
            None
        );
    }

    #[test]
    fn generic_mode_takes_the_first_matching_topic() {
        let naming = naming();
        let regexes = [
            ("logs".to_string(), regex::Regex::new("^(?:.*\\.log)$").unwrap()),
            ("rest".to_string(), regex::Regex::new("^(?:.*)$").unwrap()),
        ];
        let selection = Selection {
            mode: &Mode::Generic,
            naming: &naming,
            topics: &[],
            topic_regexes: &regexes,
        };
        let listed = selection.place("in/2024/a.log").unwrap();
        assert_eq!(
            (listed.topic.as_str(), listed.partition, listed.folder.as_str()),
            ("logs", None, "in/2024/")
        );
        assert_eq!(selection.place("in/b.csv").unwrap().topic, "rest");
    }

    #[test]
    fn folders_spread_over_tasks_the_same_way_everywhere() {
        assert_eq!(task_of("topics/orders/partition=0/", 1), 0);
        let spread: std::collections::BTreeSet<usize> = (0..32)
            .map(|p| task_of(&format!("topics/orders/partition={p}/"), 4))
            .collect();
        assert_eq!(spread.len(), 4);
    }
}
