//! MirrorSourceConnector passes the connector compliance harness: a topic of its own source
//! cluster copied to the harness's broker exactly, through graceful restarts, a SIGKILL and
//! misbehaving neighbours, with keys, values and headers unchanged.

mod common;

use std::ops::Range;

use common::{SOURCE, SourceCluster, expected, mirror_config};
use kconnect_test_kit::compliance::{DEFAULT_ARRIVAL, Expected, SourceCase, SourceSystem, Validation, check_source};
use kconnect_test_kit::create_topic_with_partitions;

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_mirror::plugins());

struct Upstream(SourceCluster);

impl SourceSystem for Upstream {
    async fn write(&mut self, numbers: Range<usize>) {
        self.0.write("orders", numbers).await;
    }

    fn expected(&self, number: usize) -> Expected {
        expected(number)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn mirror_source_passes_the_harness() {
    let source = SourceCluster::start().await;
    create_topic_with_partitions(&source.bootstrap(), "orders", 2).await;
    let config = mirror_config(&source.bootstrap(), "orders");
    let config = config
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    let case = SourceCase {
        name: "mirror".into(),
        config,
        topic: format!("{SOURCE}.orders"),
        partitions: 2,
        validation: Validation {
            required: "source.cluster.bootstrap.servers",
            typed: "offset.lag.max",
            one_of: Some("offset-syncs.topic.location"),
        },
        batch: 50,
        arrival: DEFAULT_ARRIVAL,
        worker: String::new(),
    };
    check_source(case, &mut Upstream(source)).await.assert_passed();
}
