//! Consumer groups and their states through librdkafka's `ListConsumerGroups` admin call (KIP-518:
//! one ListGroups request, states included). The Rust binding lacks the call, and its older group
//! list describes every group too (DescribeGroups v0), which kconnect's embedded broker (tansu 0.6)
//! answers by closing the connection.

use std::ffi::CStr;
use std::time::Duration;

use kconnect_api::kafka_cluster::ConsumerGroupListing;
use rdkafka::bindings as rd;
use rdkafka::client::Client;

/// Every consumer group of the cluster `client` reaches, with its state (`Stable`, `Empty`, …).
pub(super) fn list_consumer_groups(client: &Client, timeout: Duration) -> Result<Vec<ConsumerGroupListing>, String> {
    let timeout_ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
    let rk = client.native_ptr();
    // SAFETY: every object is created here, used while `client` lives, and destroyed before
    // returning; the listing's strings are copied before the event that owns them is destroyed.
    unsafe {
        let queue = rd::rd_kafka_queue_new(rk);
        let options = rd::rd_kafka_AdminOptions_new(rk, rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS);
        let mut errstr = [0 as std::ffi::c_char; 256];
        rd::rd_kafka_AdminOptions_set_request_timeout(options, timeout_ms, errstr.as_mut_ptr(), errstr.len());
        rd::rd_kafka_ListConsumerGroups(rk, options, queue);
        let event = rd::rd_kafka_queue_poll(queue, timeout_ms.saturating_add(1000));
        let listed = if event.is_null() {
            Err("listing consumer groups timed out".to_string())
        } else if rd::rd_kafka_event_error(event) != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
            Err(text(rd::rd_kafka_event_error_string(event)))
        } else {
            let result = rd::rd_kafka_event_ListConsumerGroups_result(event);
            let mut count = 0usize;
            let groups = rd::rd_kafka_ListConsumerGroups_result_valid(result, &mut count);
            Ok((0..count)
                .map(|i| {
                    let group = *groups.add(i);
                    ConsumerGroupListing {
                        group: text(rd::rd_kafka_ConsumerGroupListing_group_id(group)),
                        state: text(rd::rd_kafka_consumer_group_state_name(
                            rd::rd_kafka_ConsumerGroupListing_state(group),
                        )),
                    }
                })
                .collect())
        };
        if !event.is_null() {
            rd::rd_kafka_event_destroy(event);
        }
        rd::rd_kafka_AdminOptions_destroy(options);
        rd::rd_kafka_queue_destroy(queue);
        listed
    }
}

/// A C string librdkafka owns, copied.
///
/// # Safety
/// `text` is null or a valid NUL-terminated string.
unsafe fn text(text: *const std::ffi::c_char) -> String {
    if text.is_null() {
        return String::new();
    }
    // SAFETY: non-null and NUL-terminated, as the caller promises.
    unsafe { CStr::from_ptr(text) }.to_string_lossy().into_owned()
}
