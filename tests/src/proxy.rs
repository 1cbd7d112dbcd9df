//! A fault-injecting TCP proxy on loopback, between a box and central: latency, a bandwidth
//! cap, connections cut (TCP reset) each time a given number of bytes went upstream, or no
//! connection at all (central switched off). It counts the bytes it forwarded.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What the proxy does to the traffic; change it at any time.
#[derive(Debug, Default)]
pub struct Faults {
    /// Refuse every connection (central unreachable).
    pub down: AtomicBool,
    /// Delay added to every piece of data, in milliseconds.
    pub latency_ms: AtomicU64,
    /// Bandwidth cap in each direction, bytes per second (0: none).
    pub bytes_per_sec: AtomicU64,
    /// Cut every connection each time this many more bytes went upstream (0: never).
    pub reset_every: AtomicU64,
    /// Bytes forwarded upstream (client to server).
    pub upstream: AtomicU64,
    /// Bytes forwarded downstream.
    pub downstream: AtomicU64,
    /// Connections cut.
    pub resets: AtomicU64,
    /// The connection generation: cutting bumps it and every pump of an older one stops.
    generation: AtomicU64,
}

/// A running proxy. Dropping it stops accepting.
pub struct FaultProxy {
    /// Where clients connect.
    pub addr: SocketAddr,
    /// The faults, shared with the connections.
    pub faults: Arc<Faults>,
    task: JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FaultProxy {
    /// Starts a proxy on 127.0.0.1 to `target`.
    pub async fn start(target: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy bind");
        let addr = listener.local_addr().expect("proxy addr");
        let faults = Arc::new(Faults::default());
        let shared = faults.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                if shared.down.load(Ordering::SeqCst) {
                    reset_on_drop(&client);
                    drop(client);
                    continue;
                }
                let faults = shared.clone();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(target).await else {
                        return;
                    };
                    relay(client, server, faults).await;
                });
            }
        });
        FaultProxy { addr, faults, task }
    }

    /// Bytes forwarded upstream so far.
    pub fn upstream(&self) -> u64 {
        self.faults.upstream.load(Ordering::SeqCst)
    }
}

/// Makes closing `stream` send a TCP reset (a zero linger time never blocks on drop).
#[allow(deprecated)]
fn reset_on_drop(stream: &TcpStream) {
    let _ = stream.set_linger(Some(Duration::ZERO));
}

async fn relay(client: TcpStream, server: TcpStream, faults: Arc<Faults>) {
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    reset_on_drop(&client);
    reset_on_drop(&server);
    let generation = faults.generation.load(Ordering::SeqCst);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let up = pump(client_read, server_write, faults.clone(), true, generation);
    let down = pump(server_read, client_write, faults, false, generation);
    // When either side ends (or the connection is cut), both halves are dropped: a reset.
    tokio::select! {
        _ = up => {}
        _ = down => {}
    }
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    faults: Arc<Faults>,
    upstream: bool,
    generation: u64,
) {
    let mut buffer = vec![0u8; 8 * 1024];
    loop {
        let n = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let latency = faults.latency_ms.load(Ordering::SeqCst);
        let rate = faults.bytes_per_sec.load(Ordering::SeqCst);
        let mut delay = Duration::from_millis(latency);
        if rate > 0 {
            delay += Duration::from_secs_f64(n as f64 / rate as f64);
        }
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        if faults.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        let mut send = n;
        if upstream {
            let every = faults.reset_every.load(Ordering::SeqCst);
            let before = faults.upstream.load(Ordering::SeqCst);
            if every > 0 && (before + n as u64) / every > before / every {
                // Forward up to the threshold, then cut every connection.
                send = usize::try_from(every - before % every).unwrap_or(n).min(n);
                faults.upstream.fetch_add(send as u64, Ordering::SeqCst);
                let _ = to.write_all(&buffer[..send]).await;
                faults.resets.fetch_add(1, Ordering::SeqCst);
                faults.generation.fetch_add(1, Ordering::SeqCst);
                return;
            }
            faults.upstream.fetch_add(send as u64, Ordering::SeqCst);
        } else {
            faults.downstream.fetch_add(send as u64, Ordering::SeqCst);
        }
        if to.write_all(&buffer[..send]).await.is_err() {
            return;
        }
    }
}
