//! The request services that keep [`Transactions`] up to date, in front of tansu's own: Produce
//! notes where a transaction starts in each partition, InitProducerId and EndTxn note aborts (a
//! new producer of a transactional id aborts what its predecessor left open), and Fetch tells
//! `read_committed` consumers of the aborted transactions they must skip.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rama::layer::{MapErrLayer, MapStateLayer};
use rama::{Context, Layer as _, Service};
use tansu_broker::Error as BrokerError;
use tansu_sans_io::fetch_request::FetchTopic;
use tansu_sans_io::fetch_response::{AbortedTransaction, PartitionData};
use tansu_sans_io::{
    Body, EndTxnRequest, EndTxnResponse, ErrorCode, FetchRequest, FetchResponse, InitProducerIdRequest,
    InitProducerIdResponse, ListOffsetsRequest, ListOffsetsResponse, ProduceRequest, ProduceResponse, Request,
    Response,
};
use tansu_service::{FrameRequestLayer, FrameRouteBuilder};
use tansu_storage::{
    Error, FetchService, InitProducerIdService, ListOffsetsService, ProduceService, Storage, StorageContainer, TopicId,
};

use super::state::OpenTxn;
use super::{Transactions, markers};

type Builder = FrameRouteBuilder<(), BrokerError>;

/// `builder` with the transaction services: Produce, Fetch, ListOffsets, InitProducerId and
/// EndTxn.
pub(crate) fn routes(
    builder: Builder,
    storage: StorageContainer,
    transactions: Transactions,
) -> Result<Builder, BrokerError> {
    let builder = route::<ProduceRequest, _>(builder, storage.clone(), TxnProduce(transactions.clone()))?;
    let builder = route::<FetchRequest, _>(
        builder,
        storage.clone(),
        TxnFetch {
            transactions: transactions.clone(),
            names: Arc::default(),
        },
    )?;
    let builder = route::<InitProducerIdRequest, _>(builder, storage.clone(), TxnInitProducer(transactions.clone()))?;
    let builder = route::<ListOffsetsRequest, _>(builder, storage.clone(), TxnListOffsets(transactions.clone()))?;
    route::<EndTxnRequest, _>(builder, storage, EndTxn(transactions))
}

/// `builder` with `service` answering requests `Q` over `storage`, as tansu routes its own.
fn route<Q, T>(builder: Builder, storage: StorageContainer, service: T) -> Result<Builder, BrokerError>
where
    T: Service<StorageContainer, Q, Error = Error> + Clone,
    T::Response: Response,
    Q: Request + TryFrom<Body> + Send + 'static,
    <Q as TryFrom<Body>>::Error: Into<Error>,
{
    builder
        .with_route(
            Q::KEY,
            (
                MapErrLayer::new(BrokerError::from),
                MapStateLayer::new(|_| storage),
                FrameRequestLayer::<Q>::new(),
            )
                .into_layer(service)
                .boxed(),
        )
        .map_err(Into::into)
}

/// Produce, noting the first offset of each transaction in each partition.
#[derive(Debug, Clone)]
struct TxnProduce(Transactions);

impl<S: Storage> Service<S, ProduceRequest> for TxnProduce {
    type Response = ProduceResponse;
    type Error = Error;

    async fn serve(&self, ctx: Context<S>, req: ProduceRequest) -> Result<ProduceResponse, Error> {
        let writer = req.transactional_id.clone().and_then(|txn| {
            req.topic_data
                .iter()
                .flatten()
                .flat_map(|topic| topic.partition_data.iter().flatten())
                .flat_map(|partition| partition.records.iter().flat_map(|frame| frame.batches.first()))
                .next()
                .map(|batch| (txn, batch.producer_id, batch.producer_epoch))
        });
        let response = ProduceService.serve(ctx, req).await?;
        if let Some((txn, producer_id, producer_epoch)) = writer {
            for topic in response.responses.iter().flatten() {
                for partition in topic.partition_responses.iter().flatten() {
                    if partition.error_code == i16::from(ErrorCode::None) {
                        self.0.wrote(
                            &txn,
                            producer_id,
                            producer_epoch,
                            (topic.name.clone(), partition.index),
                            partition.base_offset,
                        );
                    }
                }
            }
        }
        Ok(response)
    }
}

/// Fetch, for `read_committed`: holds back what open transactions wrote (tansu's SQLite storage
/// reports no last stable offset) and tells of the aborted transactions in what it reads.
#[derive(Debug, Clone, Default)]
struct TxnFetch {
    transactions: Transactions,
    /// Topic names by id, for fetches that name topics by id.
    names: Arc<Mutex<HashMap<[u8; 16], String>>>,
}

/// Kafka's `isolation_level` for `read_committed`.
const READ_COMMITTED: i8 = 1;
/// The longest a fetch that found only held-back records waits before answering empty, so that
/// its consumer does not ask again at once.
const HELD_BACK_WAIT: Duration = Duration::from_millis(100);

impl TxnFetch {
    /// The name of `topic`, looked up by id when the fetch names it so.
    async fn name<S: Storage>(&self, storage: &S, topic: &FetchTopic) -> Result<Option<String>, Error> {
        if let Some(name) = &topic.topic {
            return Ok(Some(name.clone()));
        }
        let Some(id) = topic.topic_id else { return Ok(None) };
        if let Some(name) = self.names.lock().unwrap_or_else(|p| p.into_inner()).get(&id) {
            return Ok(Some(name.clone()));
        }
        let metadata = storage.metadata(Some(&[TopicId::from(topic)])).await?;
        let name = metadata.topics().first().and_then(|t| t.name.clone());
        if let Some(name) = &name {
            self.names
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(id, name.clone());
        }
        Ok(name)
    }
}

impl<S: Storage> Service<S, FetchRequest> for TxnFetch {
    type Response = FetchResponse;
    type Error = Error;

    async fn serve(&self, ctx: Context<S>, req: FetchRequest) -> Result<FetchResponse, Error> {
        if req.isolation_level != Some(READ_COMMITTED) || !self.transactions.any() {
            return FetchService.serve(ctx, req).await;
        }
        let storage = ctx.state().clone();
        let max_wait = Duration::from_millis(u64::try_from(req.max_wait_ms).unwrap_or(0));
        // Each topic asked for, by name (tansu answers in the order asked), and its fetch offsets.
        let mut asked = Vec::new();
        for topic in req.topics.iter().flatten() {
            let offsets: HashMap<i32, i64> = topic
                .partitions
                .iter()
                .flatten()
                .map(|p| (p.partition, p.fetch_offset))
                .collect();
            asked.push((self.name(&storage, topic).await?, offsets));
        }
        let mut response = FetchService.serve(ctx, req).await?;
        let (mut held_back, mut delivered) = (false, false);
        for (topic, (name, offsets)) in response.responses.iter_mut().flatten().zip(asked) {
            let Some(name) = name else { continue };
            for partition in topic.partitions.iter_mut().flatten() {
                let key = (name.clone(), partition.partition_index);
                if let Some(stable) = self.transactions.first_open_offset(&key) {
                    held_back |= hold_back(partition, stable);
                }
                delivered |= partition.records.is_some();
                let from = offsets.get(&partition.partition_index).copied().unwrap_or(0);
                let aborted = self.transactions.aborted_from(&key, from);
                if !aborted.is_empty() {
                    partition.aborted_transactions = Some(
                        aborted
                            .iter()
                            .map(|span| {
                                AbortedTransaction::default()
                                    .producer_id(span.producer_id)
                                    .first_offset(span.first_offset)
                            })
                            .collect(),
                    );
                }
            }
        }
        if held_back && !delivered {
            tokio::time::sleep(max_wait.min(HELD_BACK_WAIT)).await;
        }
        Ok(response)
    }
}

/// Drops what `partition` read from `stable` (an open transaction's first record) on, as a
/// broker's last stable offset would; true when it dropped anything. A batch is one producer's,
/// so none straddles that offset.
fn hold_back(partition: &mut PartitionData, stable: i64) -> bool {
    partition.last_stable_offset = Some(partition.last_stable_offset.map_or(stable, |lso| lso.min(stable)));
    let Some(frame) = &mut partition.records else {
        return false;
    };
    let read = frame.batches.len();
    frame.batches.retain(|batch| batch.base_offset < stable);
    let dropped = frame.batches.len() != read;
    if frame.batches.is_empty() {
        partition.records = None;
    }
    dropped
}

/// ListOffsets, for `read_committed`: the latest offset of a partition is where its first open
/// transaction starts, as a broker's last stable offset (tansu's SQLite storage misses
/// transactions after an epoch's first).
#[derive(Debug, Clone)]
struct TxnListOffsets(Transactions);

/// ListOffsets' timestamp for "the latest offset".
const LATEST: i64 = -1;

impl<S: Storage> Service<S, ListOffsetsRequest> for TxnListOffsets {
    type Response = ListOffsetsResponse;
    type Error = Error;

    async fn serve(&self, ctx: Context<S>, req: ListOffsetsRequest) -> Result<ListOffsetsResponse, Error> {
        if req.isolation_level != Some(READ_COMMITTED) || !self.0.any() {
            return ListOffsetsService.serve(ctx, req).await;
        }
        let latest: Vec<(String, i32)> = req
            .topics
            .iter()
            .flatten()
            .flat_map(|topic| {
                topic
                    .partitions
                    .iter()
                    .flatten()
                    .filter(|p| p.timestamp == LATEST)
                    .map(|p| (topic.name.clone(), p.partition_index))
            })
            .collect();
        let mut response = ListOffsetsService.serve(ctx, req).await?;
        for topic in response.topics.iter_mut().flatten() {
            for partition in topic.partitions.iter_mut().flatten() {
                let key = (topic.name.clone(), partition.partition_index);
                if latest.contains(&key)
                    && let Some(stable) = self.0.first_open_offset(&key)
                {
                    partition.offset = Some(partition.offset.map_or(stable, |o| o.min(stable)));
                }
            }
        }
        Ok(response)
    }
}

/// InitProducerId, aborting first what the transactional id's previous producer left open:
/// tansu's SQLite storage only does so for an epoch's first transaction.
#[derive(Debug, Clone)]
struct TxnInitProducer(Transactions);

impl<S: Storage> Service<S, InitProducerIdRequest> for TxnInitProducer {
    type Response = InitProducerIdResponse;
    type Error = Error;

    async fn serve(&self, ctx: Context<S>, req: InitProducerIdRequest) -> Result<InitProducerIdResponse, Error> {
        if let Some(txn) = req.transactional_id.as_deref()
            && let Some(open) = self.0.open(txn)
        {
            let code = end(ctx.state(), &self.0, txn, &open, false).await?;
            if code != ErrorCode::None {
                tracing::warn!(txn, ?code, "could not abort the transaction a new producer takes over");
            }
        }
        InitProducerIdService.serve(ctx, req).await
    }
}

/// Ends the open transaction `txn` in `storage` and notes how: committed, or aborted with the
/// spans its markers close.
async fn end<S: Storage>(
    storage: &S,
    transactions: &Transactions,
    txn: &str,
    open: &OpenTxn,
    committed: bool,
) -> Result<ErrorCode, Error> {
    let ends = match committed {
        false => Some(markers::log_ends(storage, open).await?),
        true => None,
    };
    let code = ended_with(
        storage
            .txn_end(txn, open.producer_id, open.producer_epoch, committed)
            .await,
    )?;
    if code == ErrorCode::None {
        match ends {
            Some(ends) => transactions.aborted(txn, markers::aborted_spans(storage, open, &ends).await?),
            None => transactions.committed(txn),
        }
    }
    Ok(code)
}

/// The error code of a storage call that answers with one, or fails with one.
fn ended_with(result: Result<ErrorCode, Error>) -> Result<ErrorCode, Error> {
    match result {
        Err(Error::Api(code)) => Ok(code),
        other => other,
    }
}

/// EndTxn, which tansu 0.6 stores but does not route: commits or aborts a transaction.
#[derive(Debug, Clone)]
struct EndTxn(Transactions);

impl<S: Storage> Service<S, EndTxnRequest> for EndTxn {
    type Response = EndTxnResponse;
    type Error = Error;

    async fn serve(&self, ctx: Context<S>, req: EndTxnRequest) -> Result<EndTxnResponse, Error> {
        let storage = ctx.state();
        let txn = req.transactional_id.as_str();
        let code = match self.0.open(txn) {
            Some(open) if (open.producer_id, open.producer_epoch) == (req.producer_id, req.producer_epoch) => {
                end(storage, &self.0, txn, &open, req.committed).await?
            }
            // Nothing written (or a fenced producer, which the storage refuses).
            _ => ended_with(
                storage
                    .txn_end(txn, req.producer_id, req.producer_epoch, req.committed)
                    .await,
            )?,
        };
        Ok(EndTxnResponse::default().throttle_time_ms(0).error_code(code.into()))
    }
}
