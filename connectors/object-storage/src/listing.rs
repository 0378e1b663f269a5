//! Which objects a source reads, and where their records go: in RESTORE_BACKUP mode the topic and
//! partition a sink put in each object name, in GENERIC mode the topic of the first matching
//! regex. Objects are grouped by folder (their directory), the unit of a source partition and of
//! the split between tasks.

use std::collections::BTreeSet;

use crate::config::{Mode, Naming};
use crate::stored::Part;

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
    /// RESTORE_BACKUP: the name up to the start offset's end, which the objects of the record
    /// keys and headers written beside it share (`<stem>.keys.<ext>`, `<stem>.headers.<ext>`).
    pub stem: Option<String>,
    /// The objects of the record keys and headers written beside it, to read with it.
    pub companions: Vec<(Part, String)>,
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
        let (topic, partition, stem) = match self.mode {
            Mode::RestoreBackup => {
                let (topic, partition, stem_len) = self.restored(file)?;
                (topic, Some(partition), Some(name[..split + stem_len].to_string()))
            }
            Mode::Generic => {
                let (topic, _) = self.topic_regexes.iter().find(|(_, regex)| regex.is_match(name))?;
                (topic.clone(), None, None)
            }
        };
        Some(Listed {
            name: name.to_string(),
            folder: folder.to_string(),
            topic,
            partition,
            stem,
            companions: Vec::new(),
        })
    }

    /// The topic and partition of a sink's `<topic>+<partition>+<offset>.<ext>`, and the length
    /// of the name before `.<ext>`; none for the keys' and headers' objects beside it.
    fn restored(&self, file: &str) -> Option<(String, i32, usize)> {
        let mut parts = file.split(self.naming.file_delim.as_str());
        let (topic, partition, rest) = (parts.next()?, parts.next()?, parts.next()?);
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        let extension = &rest[digits..];
        let companion = [Part::Key, Part::Headers]
            .iter()
            .any(|part| extension.starts_with(&format!("{}.", part.infix())));
        if parts.next().is_some() || digits == 0 || !extension.starts_with('.') || companion {
            return None;
        }
        if !self.topics.is_empty() && !self.topics.iter().any(|t| t == topic) {
            return None;
        }
        Some((topic.to_string(), partition.parse().ok()?, file.len() - extension.len()))
    }
}

/// The name of the object holding `part` of the records of the object whose stem is `stem`, when
/// `names` has one.
pub(crate) fn companion(names: &BTreeSet<String>, stem: &str, part: Part) -> Option<String> {
    let prefix = format!("{stem}{}.", part.infix());
    names
        .range(prefix.clone()..)
        .next()
        .filter(|name| name.starts_with(&prefix))
        .cloned()
}

/// The objects of `listed` (in name order) ready to read, each with the objects of `parts` written
/// beside it. A folder stops at its first object whose parts are not all in `names` yet (a sink
/// uploads them one after the other), so that its records keep their order.
pub(crate) fn ready(listed: Vec<Listed>, names: &BTreeSet<String>, parts: &[Part]) -> Vec<Listed> {
    let mut held_back = BTreeSet::new();
    listed
        .into_iter()
        .filter_map(|mut object| {
            if held_back.contains(&object.folder) {
                return None;
            }
            if let Some(stem) = &object.stem {
                let found: Option<Vec<(Part, String)>> = parts
                    .iter()
                    .map(|part| Some((*part, companion(names, stem, *part)?)))
                    .collect();
                let Some(found) = found else {
                    held_back.insert(object.folder.clone());
                    return None;
                };
                object.companions = found;
            }
            Some(object)
        })
        .collect()
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
                stem: Some("topics/orders/year=2024/orders+3+0000000042".into()),
                companions: Vec::new(),
            })
        );
        assert_eq!(selection.place("topics/orders/partition=0/notes.txt"), None);
        assert_eq!(
            selection.place("topics/orders/year=2024/orders+3+0000000042.keys.avro"),
            None,
            "the keys beside an object are not records of their own"
        );
        let names: BTreeSet<String> = [
            "topics/orders/year=2024/orders+3+0000000042.headers.json.gz",
            "topics/orders/year=2024/orders+3+0000000042.snappy.parquet",
        ]
        .map(String::from)
        .into();
        let stem = "topics/orders/year=2024/orders+3+0000000042";
        assert_eq!(companion(&names, stem, Part::Key), None);
        assert_eq!(
            companion(&names, stem, Part::Headers).as_deref(),
            Some("topics/orders/year=2024/orders+3+0000000042.headers.json.gz")
        );
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
