//! The object storage benchmark's ceiling (`bench/run-storage`): the same bytes the sink uploads,
//! sent raw by the same client (object_store's S3 client) as 16 concurrent multipart uploads of
//! 25 MiB parts, and the rate printed as `mb_per_s=<n>`.
//!
//! `cargo run --release -p kconnect-object-storage --example upload_ceiling -- ENDPOINT BUCKET MB`

use std::time::Instant;

use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{ObjectStoreExt, PutPayload};

const OBJECTS: usize = 16;
const PART: usize = 25 * 1024 * 1024;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, endpoint, bucket, megabytes] = args.as_slice() else {
        eprintln!("usage: upload_ceiling ENDPOINT BUCKET MB");
        std::process::exit(2);
    };
    let total: usize = megabytes.parse::<usize>().expect("MB") * 1_000_000;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let store = AmazonS3Builder::new()
        .with_endpoint(endpoint)
        .with_allow_http(true)
        .with_bucket_name(bucket)
        .with_region("us-east-1")
        .with_access_key_id("bench")
        .with_secret_access_key("bench")
        .build()
        .expect("S3 client");
    let chunk = bytes::Bytes::from(vec![b'x'; PART]);
    let started = Instant::now();
    let uploads = (0..OBJECTS).map(|n| {
        let (store, chunk) = (&store, chunk.clone());
        async move {
            let mut upload = store
                .put_multipart(&Path::from(format!("ceiling/{n}")))
                .await
                .expect("start");
            let mut left = total / OBJECTS;
            while left > 0 {
                let size = left.min(PART);
                upload
                    .put_part(PutPayload::from(chunk.slice(..size)))
                    .await
                    .expect("part");
                left -= size;
            }
            upload.complete().await.expect("complete");
        }
    });
    futures::future::join_all(uploads).await;
    let seconds = started.elapsed().as_secs_f64();
    println!("mb_per_s={:.1}", total as f64 / 1e6 / seconds);
}
