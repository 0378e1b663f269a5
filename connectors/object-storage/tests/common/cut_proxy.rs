//! A TCP relay in front of the S3 server whose link can be cut, for outage tests: while cut it
//! drops the connections open through it and closes new ones at once, as a store that went away;
//! restored, it relays again. The server behind it is the real one.

use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The relay.
pub struct CutProxy {
    /// Its URL, for `store.url`.
    pub url: String,
    link: watch::Sender<bool>,
    relay: JoinHandle<()>,
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        self.relay.abort();
    }
}

impl CutProxy {
    /// Relays a free local port to `target` (`host:port`).
    pub async fn start(target: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (link, up) = watch::channel(true);
        let target = target.to_string();
        let relay = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !*up.borrow() {
                    continue;
                }
                let (target, mut up) = (target.clone(), up.clone());
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = copy_bidirectional(&mut client, &mut server) => {}
                        _ = up.wait_for(|up| !*up) => {}
                    }
                });
            }
        });
        Self { url, link, relay }
    }

    /// Cuts the link (`false`) or restores it (`true`).
    pub fn set_up(&self, up: bool) {
        self.link.send_replace(up);
    }
}
