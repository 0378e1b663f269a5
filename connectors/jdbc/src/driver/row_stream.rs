//! A query's rows read in chunks by a background task, so that a large result (a bulk read of a
//! whole table) is held a few chunks at a time instead of all at once.

use std::future::Future;

use kconnect_api::Result;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::ResultSet;

/// How many chunks the reader may fetch ahead of the one being consumed.
const CHUNKS_AHEAD: usize = 2;

/// Where a reader task sends its chunks; a failed send means nobody reads any more.
pub(super) type ChunkSender = mpsc::Sender<Result<ResultSet>>;

/// The chunks of one query, in order; an error ends them. Dropping it stops the reader and
/// releases its connection.
pub struct RowStream {
    chunks: mpsc::Receiver<Result<ResultSet>>,
    reader: JoinHandle<()>,
}

impl RowStream {
    /// Spawns `read`, which sends each chunk (never an empty one) and returns when the rows end
    /// or the receiver is gone.
    pub(super) fn spawn<F>(read: impl FnOnce(ChunkSender) -> F) -> Self
    where
        F: Future<Output = Result<()>> + Send + 'static,
    {
        let (sender, chunks) = mpsc::channel(CHUNKS_AHEAD);
        let reading = read(sender.clone());
        let reader = tokio::spawn(async move {
            if let Err(error) = reading.await {
                let _ = sender.send(Err(error)).await;
            }
        });
        Self { chunks, reader }
    }

    /// The next chunk, or `None` once every row was read. Cancel-safe.
    pub async fn next(&mut self) -> Option<Result<ResultSet>> {
        self.chunks.recv().await
    }
}

impl Drop for RowStream {
    fn drop(&mut self) {
        self.reader.abort();
    }
}
