//! Worker configuration files for tests that run `kconnect standalone` or `kconnect distributed`
//! against a broker of their own.

use std::path::{Path, PathBuf};

/// Writes `<dir>/<name>.properties`: a worker on `bootstrap` with its REST listener on `port`,
/// StringConverter keys and values, offsets flushed every 500 ms, and `extra` lines appended.
/// `distributed` adds the group and internal topic keys (group `kconnect-cluster`, topics
/// `connect-configs`, `connect-offsets`, `connect-status`); otherwise offsets go to a file in `dir`.
pub fn worker_file(dir: &Path, name: &str, bootstrap: &str, port: u16, distributed: bool, extra: &str) -> PathBuf {
    let mode = if distributed {
        "group.id=kconnect-cluster\nconfig.storage.topic=connect-configs\n\
         offset.storage.topic=connect-offsets\nstatus.storage.topic=connect-status\n\
         config.storage.replication.factor=1\noffset.storage.replication.factor=1\n\
         status.storage.replication.factor=1\noffset.storage.partitions=5\nstatus.storage.partitions=2\n"
            .to_string()
    } else {
        format!(
            "offset.storage.file.filename={}\n",
            dir.join(format!("{name}.offsets")).display()
        )
    };
    let path = dir.join(format!("{name}.properties"));
    let text = format!(
        "bootstrap.servers={bootstrap}\n{mode}\
         key.converter=org.apache.kafka.connect.storage.StringConverter\n\
         value.converter=org.apache.kafka.connect.storage.StringConverter\n\
         listeners=http://127.0.0.1:{port}\noffset.flush.interval.ms=500\n{extra}"
    );
    std::fs::write(&path, text).expect("write the worker file");
    path
}
