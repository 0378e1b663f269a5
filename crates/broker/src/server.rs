//! The broker's listener: tansu's request routes, with kconnect's transaction services in place of
//! tansu's Produce, Fetch, ListOffsets and InitProducerId and the EndTxn tansu 0.6 lacks
//! ([`crate::transactions`]), and tansu's storage maintenance every ten minutes.

use std::io::ErrorKind;
use std::time::{Duration, SystemTime};

use rama::{Context, Layer as _, Service as _};
use tansu_broker::Error;
use tansu_broker::coordinator::group::administrator::Controller;
use tansu_broker::service::{auth, coordinator, storage as tansu_routes};
use tansu_service::{
    BytesFrameLayer, FrameRouteBuilder, FrameRouteService, TcpBytesLayer, TcpContext, TcpContextLayer,
};
use tansu_storage::{Storage, StorageContainer};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::CLUSTER_ID;
use crate::transactions::{Transactions, services as transaction_routes};

type Builder = FrameRouteBuilder<(), Error>;
type Route = fn(Builder, StorageContainer) -> Result<Builder, Error>;

/// How often tansu's storage deletes and compacts what topic policies let go.
const MAINTENANCE: Duration = Duration::from_secs(600);

/// The routes tansu serves as it does.
const TANSU_ROUTES: [Route; 22] = [
    tansu_routes::add_offsets_to_txn,
    tansu_routes::add_partitions_to_txn,
    tansu_routes::alter_user_scram_credentials,
    tansu_routes::consumer_group_describe,
    tansu_routes::create_acls,
    tansu_routes::create_topics,
    tansu_routes::delete_groups,
    tansu_routes::delete_records,
    tansu_routes::delete_topics,
    tansu_routes::describe_acls,
    tansu_routes::describe_cluster,
    tansu_routes::describe_configs,
    tansu_routes::describe_groups,
    tansu_routes::describe_topic_partitions,
    tansu_routes::describe_user_scram_credentials,
    tansu_routes::find_coordinator,
    tansu_routes::get_telemetry_subscriptions,
    tansu_routes::incremental_alter_configs,
    tansu_routes::list_groups,
    tansu_routes::list_partition_reassignments,
    tansu_routes::metadata,
    tansu_routes::txn_offset_commit_request,
];

/// Every request the broker answers, and how.
pub(crate) fn route_table(
    storage: &StorageContainer,
    groups: Controller<StorageContainer>,
    transactions: Transactions,
) -> Result<FrameRouteService<(), Error>, Error> {
    let builder = TANSU_ROUTES
        .iter()
        .try_fold(FrameRouteService::builder(), |builder, route| {
            route(builder, storage.clone())
        })?;
    let builder = transaction_routes::routes(builder, storage.clone(), transactions)?;
    let builder = coordinator::services(builder, groups)?;
    auth::services(builder)?.build().map_err(Into::into)
}

/// Serves connections on `listener` until dropped (the task running it aborted).
pub(crate) async fn serve(
    listener: TcpListener,
    routes: FrameRouteService<(), Error>,
    frames: BytesFrameLayer,
    storage: StorageContainer,
) {
    let mut maintenance = tokio::time::interval_at(tokio::time::Instant::now() + MAINTENANCE, MAINTENANCE);
    let mut tasks = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(err) => {
                        tracing::warn!(%err, "embedded broker could not accept a connection");
                        continue;
                    }
                };
                if let Err(err) = stream.set_nodelay(true) {
                    tracing::debug!(%err, "no TCP_NODELAY");
                }
                let service = (
                    TcpContextLayer::new(TcpContext::default().cluster_id(Some(CLUSTER_ID.into()))),
                    TcpBytesLayer::default(),
                    frames.clone(),
                )
                    .into_layer(routes.clone());
                tasks.spawn(async move {
                    match service.serve(Context::default(), stream).await {
                        Err(Error::Io(io))
                            if matches!(
                                io.kind(),
                                ErrorKind::UnexpectedEof | ErrorKind::BrokenPipe | ErrorKind::ConnectionReset
                            ) => {}
                        Err(error) => tracing::debug!(?error, "embedded broker connection ended"),
                        Ok(_) => {}
                    }
                });
            }
            _ = maintenance.tick() => {
                let storage = storage.clone();
                tasks.spawn(async move {
                    if let Err(error) = storage.maintain(SystemTime::now()).await {
                        tracing::debug!(?error, "embedded broker storage maintenance");
                    }
                });
            }
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
}
