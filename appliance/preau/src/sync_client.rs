//! The box's side of sync: once provisioned, it connects out to central (schools are behind
//! NAT) with its client certificate, pushes what central may hold, then pulls what was
//! written at central — promptly after a change, backing off while central is unreachable.
//! Each round is resumable: central acknowledges every chunk, a lost answer makes the box
//! resend from the acknowledgement, and resent changes are recognised and skipped. Last,
//! the blobs (file contents) the records sent refer to and central lacks are uploaded; how
//! far that went is kept (`BLOBS_SENT`), so a cut upload is sent again at the next round.

use anyhow::{Context, Result, bail};
use preau_app::App;
use preau_app::sync::{BLOBS_SENT, MAX_BLOBS_ASKED, Side, SyncStatus};
use preau_core::BlobId;
use preau_provision::bundle::Manifest;
use preau_sync::protocol::{
    self, Hello, HelloReply, PROTOCOL_VERSION, PullChunk, PullRequest, PushAck, PushChunk,
};
use std::sync::Arc;
use std::time::Duration;

/// Most changes per pushed chunk.
const PUSH_CHUNK: usize = 64;
/// Bytes per pushed chunk, about (small against a term's worth of changes, so that a
/// connection cut mid-transfer re-sends little).
const PUSH_CHUNK_BYTES: usize = 16 * 1024;
/// Changes asked for per pull.
const PULL_CHUNK: u32 = 200;
/// How often the outbox is looked at while all is well.
const IDLE: Duration = Duration::from_secs(2);
/// The longest wait between attempts while central is unreachable.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What the client needs besides the application.
#[derive(Clone, Debug, Default)]
pub struct SyncSettings {
    /// Central's address; empty: the provisioning bundle's.
    pub central_url: String,
    /// Extra certificate authorities to trust for central (PEM); empty: the usual ones.
    pub central_ca: Vec<u8>,
}

/// One sync session with central: the HTTPS client (with the box's certificate) and where.
struct Session {
    client: reqwest::Client,
    base: String,
    school: String,
}

impl Session {
    fn open(app: &App, settings: &SyncSettings) -> Result<Option<Session>> {
        let Some(state) = app.provisioned()? else {
            return Ok(None);
        };
        let manifest = Manifest::parse(&state.manifest)
            .map_err(|e| anyhow::anyhow!("the recorded manifest: {e}"))?;
        let base = if settings.central_url.is_empty() {
            manifest.central.url.clone()
        } else {
            settings.central_url.clone()
        };
        let identity = reqwest::Identity::from_pem(
            format!("{}\n{}", state.sync_cert_pem, state.sync_key_pem).as_bytes(),
        )
        .context("the box's sync certificate")?;
        let mut builder = reqwest::Client::builder()
            .identity(identity)
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(10));
        if !settings.central_ca.is_empty() {
            for ca in reqwest::Certificate::from_pem_bundle(&settings.central_ca)
                .context("the certificate authorities for central")?
            {
                builder = builder.add_root_certificate(ca);
            }
        }
        Ok(Some(Session {
            client: builder.build().context("the HTTPS client")?,
            base: base.trim_end_matches('/').to_string(),
            school: manifest.school.uai,
        }))
    }

    async fn post<Q: serde::Serialize, A: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &Q,
    ) -> Result<A> {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await
            .with_context(|| format!("{path}: central unreachable"))?;
        let status = response.status();
        let bytes = response.bytes().await.context("reading central's answer")?;
        if !status.is_success() {
            bail!(
                "{path}: central answered {status}: {}",
                String::from_utf8_lossy(&bytes)
            );
        }
        protocol::decode(&bytes).map_err(|e| anyhow::anyhow!("{path}: {e}"))
    }

    /// Uploads one blob, streamed from the box's blob store.
    async fn put_blob(&self, app: &Arc<App>, blob: BlobId) -> Result<()> {
        let a = app.clone();
        let (file, size) = blocking(move || Ok(a.sync_open_blob(&blob)?)).await?;
        let path = format!("/sync/v1/blob/{}", blob.hex());
        let response = self
            .client
            .put(format!("{}{path}", self.base))
            // About 32 KiB/s at worst, on top of the usual allowance.
            .timeout(REQUEST_TIMEOUT + Duration::from_secs(size / (32 * 1024)))
            .body(reqwest::Body::from(tokio::fs::File::from_std(file)))
            .send()
            .await
            .with_context(|| format!("{path}: central unreachable"))?;
        let status = response.status();
        if !status.is_success() {
            let text = response.text().await.unwrap_or_default();
            bail!("{path}: central answered {status}: {text}");
        }
        Ok(())
    }
}

/// Sends central the blobs that the records pushed refer to and it lacks, from where the
/// last round stopped up to `acked`; returns whether any was sent.
async fn send_blobs(app: &Arc<App>, session: &Session, acked: u64) -> Result<bool> {
    let mut moved = false;
    loop {
        let sent = app.sync_state(BLOBS_SENT)?;
        if sent >= acked {
            return Ok(moved);
        }
        let a = app.clone();
        let (blobs, upto) =
            blocking(move || Ok(a.sync_outgoing_blobs(Side::Box, sent, PUSH_CHUNK)?)).await?;
        if upto <= sent {
            return Ok(moved);
        }
        for asked in blobs.chunks(MAX_BLOBS_ASKED) {
            let hex: Vec<String> = asked.iter().map(BlobId::hex).collect();
            let missing: Vec<String> = session.post("/sync/v1/blobs/missing", &hex).await?;
            for blob in asked.iter().filter(|b| missing.contains(&b.hex())) {
                session.put_blob(app, *blob).await?;
                moved = true;
            }
        }
        app.set_sync_state(BLOBS_SENT, upto)?;
    }
}

/// Runs `work` on the blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .context("sync worker stopped")?
}

/// One round: hello, push everything central lacks, then pull everything new. Returns
/// whether anything moved.
async fn round(app: &Arc<App>, session: &Session) -> Result<bool> {
    let a = app.clone();
    blocking(move || Ok(a.sync_fill_outbox(Side::Box)?)).await?;
    let hello = Hello {
        protocol: PROTOCOL_VERSION,
        capabilities: protocol::capabilities(),
        replica: app.replica_id(),
        school: session.school.clone(),
        software: concat!("preau ", env!("CARGO_PKG_VERSION")).to_string(),
    };
    let reply: HelloReply = session.post("/sync/v1/hello", &hello).await?;
    protocol::negotiate(&hello, &Hello::from_reply(&reply))?;
    app.sync_observe_clock(reply.server_millis, reply.central)?;
    let mut moved = false;
    // Push before pull: a box that was away hands over its writes first.
    let mut acked = reply.acked;
    loop {
        let (a, school) = (app.clone(), session.school.clone());
        let mut changes =
            blocking(move || Ok(a.sync_outgoing(Side::Box, &school, acked, PUSH_CHUNK)?)).await?;
        if changes.is_empty() {
            break;
        }
        let mut bytes = 0;
        let keep = changes
            .iter()
            .take_while(|c| {
                bytes += serde_json::to_vec(c).map_or(0, |v| v.len());
                bytes <= PUSH_CHUNK_BYTES
            })
            .count()
            .max(1);
        changes.truncate(keep);
        let chunk = PushChunk {
            origin: app.replica_id(),
            changes,
        };
        let ack: PushAck = session.post("/sync/v1/push", &chunk).await?;
        if ack.acked <= acked {
            bail!("central acknowledged nothing past {acked}");
        }
        acked = ack.acked;
        moved = true;
        app.set_sync_state(preau_app::sync::PUSHED, acked)?;
    }
    loop {
        let after = app.sync_cursor(reply.central)?;
        let request = PullRequest {
            after,
            limit: PULL_CHUNK,
        };
        let chunk: PullChunk = session.post("/sync/v1/pull", &request).await?;
        if chunk.changes.is_empty() {
            break;
        }
        let (a, school) = (app.clone(), session.school.clone());
        let changes = chunk.changes;
        blocking(move || {
            a.sync_incoming(&school, &changes)
                .map_err(|e| anyhow::anyhow!("{e}"))
        })
        .await?;
        moved = true;
        if !chunk.more {
            break;
        }
    }
    // Then the files the records sent refer to (after the pull, so that a file central
    // refuses does not hold back what parents wrote).
    moved |= send_blobs(app, session, acked).await?;
    Ok(moved)
}

/// One sync round with central (hello, push, pull), if the box is provisioned: whether
/// anything moved (`None`: not provisioned).
pub async fn sync_once(app: &Arc<App>, settings: &SyncSettings) -> Result<Option<bool>> {
    match Session::open(app, settings)? {
        Some(session) => round(app, &session).await.map(Some),
        None => Ok(None),
    }
}

/// Syncs until the task is stopped; the application's sync status follows every attempt.
pub async fn run(app: Arc<App>, settings: SyncSettings) {
    let mut backoff = Duration::from_secs(1);
    loop {
        let pushed_before = app.sync_state(preau_app::sync::PUSHED).unwrap_or(0);
        let outcome = match sync_once(&app, &settings).await {
            Ok(None) => {
                tokio::time::sleep(IDLE).await;
                continue;
            }
            Ok(Some(moved)) => Ok(moved),
            Err(e) => Err(e),
        };
        let pending = app.sync_pending().unwrap_or(0);
        let mut status = SyncStatus {
            pending,
            ..app.sync_status()
        };
        match outcome {
            Ok(moved) => {
                status.last_success = Some(app.now());
                status.last_error = None;
                app.set_sync_status(status);
                backoff = Duration::from_secs(1);
                if !moved {
                    tokio::time::sleep(IDLE).await;
                }
            }
            Err(e) => {
                tracing::warn!("sync with central failed: {e:#}");
                status.last_error = Some(format!("{e:#}"));
                app.set_sync_status(status);
                // A round cut short after some progress retries at once; otherwise wait
                // longer each time, up to a minute.
                if app.sync_state(preau_app::sync::PUSHED).unwrap_or(0) > pushed_before {
                    backoff = Duration::from_millis(200);
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}
