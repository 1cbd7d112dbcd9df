//! Central's sync API, served only on its mutual-TLS listener: a box proves who it is with
//! its client certificate (issued by the commune CA, not revoked), and may only read or
//! write the store of the school its certificate names. See `docs/sync.md`.
//!
//! `POST /sync/v1/hello` (capabilities, what central holds of the box), `POST /sync/v1/push`
//! (a chunk of the box's changes, acknowledged), `POST /sync/v1/pull` (central's changes for
//! the school after a position). Bodies are JSON, decoded under `preau_sync` caps.
//!
//! Blobs (file contents the replicated records refer to) follow the records:
//! `POST /sync/v1/blobs/missing` (a list of SHA-256 → those central lacks) and
//! `PUT /sync/v1/blob/{sha256}` (the streamed bytes, kept in the school's blob store only if
//! they have that SHA-256).

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use axum::{Extension, Json, Router};
use futures_util::StreamExt;
use preau_app::App;
use preau_app::AppError;
use preau_app::sync::{IncomingError, MAX_BLOBS_ASKED, Side};
use preau_core::BlobId;
use preau_sync::protocol::{
    self, Hello, HelloReply, PROTOCOL_VERSION, PullChunk, PullRequest, PushAck, PushChunk,
};
use std::collections::HashMap;
use std::sync::Arc;

/// The verified client certificate of the connection (DER), put there by the TLS listener.
#[derive(Clone, Debug)]
pub struct PeerCertificate(pub Arc<Vec<u8>>);

/// Central's schools: UAI → the application over that school's store.
#[derive(Clone)]
pub struct SyncState {
    /// The attached schools.
    pub schools: Arc<HashMap<String, Arc<App>>>,
    /// The software version, sent in the handshake.
    pub software: &'static str,
}

/// Most changes sent in one pull answer.
const PULL_LIMIT: u32 = 500;

/// A refusal: status and an English reason (boxes log it; no person reads it).
struct Refused(StatusCode, String);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        tracing::warn!(status = self.0.as_u16(), "sync refused: {}", self.1);
        (self.0, self.1).into_response()
    }
}

/// The school the connection's certificate names, and its store.
fn school_of(
    state: &SyncState,
    peer: Option<Extension<PeerCertificate>>,
) -> Result<(String, Arc<App>), Refused> {
    let Some(Extension(PeerCertificate(der))) = peer else {
        return Err(Refused(
            StatusCode::FORBIDDEN,
            "a client certificate is required".into(),
        ));
    };
    let name = preau_app::pki::peer_name(&der).ok_or_else(|| {
        Refused(
            StatusCode::FORBIDDEN,
            "the client certificate names no school".into(),
        )
    })?;
    let app = state.schools.get(&name.unit).ok_or_else(|| {
        Refused(
            StatusCode::FORBIDDEN,
            format!("school {} is not attached to this central", name.unit),
        )
    })?;
    Ok((name.unit, app.clone()))
}

fn decoded<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Refused> {
    protocol::decode(body).map_err(|e| Refused(StatusCode::BAD_REQUEST, e.to_string()))
}

fn failed(e: impl std::fmt::Display) -> Refused {
    Refused(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

async fn hello(
    State(state): State<SyncState>,
    peer: Option<Extension<PeerCertificate>>,
    body: Bytes,
) -> Result<Json<HelloReply>, Refused> {
    let (uai, app) = school_of(&state, peer)?;
    let hello: Hello = decoded(&body)?;
    if hello.school != uai {
        return Err(Refused(
            StatusCode::FORBIDDEN,
            format!("the certificate is for {uai}, not {}", hello.school),
        ));
    }
    let ours = Hello {
        protocol: PROTOCOL_VERSION,
        capabilities: protocol::capabilities(),
        replica: app.replica_id(),
        school: uai,
        software: state.software.to_string(),
    };
    let capabilities = protocol::negotiate(&ours, &hello)
        .map_err(|e| Refused(StatusCode::CONFLICT, e.to_string()))?;
    let acked = app.sync_cursor(hello.replica).map_err(failed)?;
    app.record_box_hello(&hello, acked).map_err(failed)?;
    Ok(Json(HelloReply {
        protocol: PROTOCOL_VERSION,
        capabilities,
        central: app.replica_id(),
        acked,
        server_millis: app.now().saturating_mul(1000),
    }))
}

async fn push(
    State(state): State<SyncState>,
    peer: Option<Extension<PeerCertificate>>,
    body: Bytes,
) -> Result<Json<PushAck>, Refused> {
    let (uai, app) = school_of(&state, peer)?;
    let chunk: PushChunk = decoded(&body)?;
    if chunk.changes.iter().any(|c| c.origin != chunk.origin) {
        return Err(Refused(
            StatusCode::BAD_REQUEST,
            "a chunk carries the changes of one origin".into(),
        ));
    }
    let outcome = tokio::task::spawn_blocking(move || app.sync_incoming(&uai, &chunk.changes))
        .await
        .map_err(failed)?;
    match outcome {
        Ok(applied) => Ok(Json(PushAck {
            acked: applied.cursor,
        })),
        Err(e @ IncomingError::OtherSchool(_)) => {
            Err(Refused(StatusCode::FORBIDDEN, e.to_string()))
        }
        Err(e @ IncomingError::Gap { .. }) => Err(Refused(StatusCode::CONFLICT, e.to_string())),
        Err(e) => Err(Refused(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())),
    }
}

async fn pull(
    State(state): State<SyncState>,
    peer: Option<Extension<PeerCertificate>>,
    body: Bytes,
) -> Result<Json<PullChunk>, Refused> {
    let (uai, app) = school_of(&state, peer)?;
    let request: PullRequest = decoded(&body)?;
    let limit = request.limit.clamp(1, PULL_LIMIT) as usize;
    let chunk = tokio::task::spawn_blocking(move || -> Result<PullChunk, String> {
        app.record_box_pulled(request.after)
            .map_err(|e| e.to_string())?;
        let last = app
            .sync_fill_outbox(Side::Central)
            .map_err(|e| e.to_string())?;
        let changes = app
            .sync_outgoing(Side::Central, &uai, request.after, limit)
            .map_err(|e| e.to_string())?;
        let upto = changes.last().map_or(request.after, |c| c.seq);
        Ok(PullChunk {
            more: upto < last,
            last: upto,
            changes,
        })
    })
    .await
    .map_err(failed)?
    .map_err(failed)?;
    Ok(Json(chunk))
}

/// `POST /sync/v1/blobs/missing`: of the SHA-256 listed (hexadecimal, at most
/// [`MAX_BLOBS_ASKED`]), those the school's store lacks.
async fn missing_blobs(
    State(state): State<SyncState>,
    peer: Option<Extension<PeerCertificate>>,
    body: Bytes,
) -> Result<Json<Vec<String>>, Refused> {
    let (_, app) = school_of(&state, peer)?;
    let asked: Vec<String> = decoded(&body)?;
    if asked.len() > MAX_BLOBS_ASKED {
        return Err(Refused(
            StatusCode::BAD_REQUEST,
            format!("at most {MAX_BLOBS_ASKED} blobs per question"),
        ));
    }
    let blobs = asked
        .iter()
        .map(|hex| BlobId::from_hex(hex))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| Refused(StatusCode::BAD_REQUEST, "not a SHA-256".into()))?;
    Ok(Json(
        app.sync_missing_blobs(&blobs)
            .iter()
            .map(BlobId::hex)
            .collect(),
    ))
}

/// `PUT /sync/v1/blob/{sha256}`: the bytes of a blob, streamed into the school's blob store
/// and kept only if they have that SHA-256 (400 otherwise, nothing kept); 413 over the
/// largest file accepted. A cut upload leaves nothing and is sent again whole.
async fn put_blob(
    State(state): State<SyncState>,
    peer: Option<Extension<PeerCertificate>>,
    Path(hex): Path<String>,
    body: Body,
) -> Result<StatusCode, Refused> {
    let (_, app) = school_of(&state, peer)?;
    let expected = BlobId::from_hex(&hex)
        .ok_or_else(|| Refused(StatusCode::BAD_REQUEST, "not a SHA-256".into()))?;
    if app.sync_missing_blobs(&[expected]).is_empty() {
        return Ok(StatusCode::NO_CONTENT);
    }
    let mut receiver = app.sync_receive_blob(expected).map_err(failed)?;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| Refused(StatusCode::BAD_REQUEST, e.to_string()))?;
        receiver.write(&chunk).map_err(|e| match e {
            AppError::Invalid(_) => Refused(StatusCode::PAYLOAD_TOO_LARGE, e.to_string()),
            e => failed(e),
        })?;
    }
    let kept = tokio::task::spawn_blocking(move || receiver.finish())
        .await
        .map_err(failed)?
        .map_err(failed)?;
    if !kept {
        return Err(Refused(
            StatusCode::BAD_REQUEST,
            format!("the bytes received do not have the SHA-256 {hex}"),
        ));
    }
    Ok(StatusCode::CREATED)
}

/// The sync API, for central's mutual-TLS listener.
pub fn router(state: SyncState) -> Router {
    Router::new()
        .route("/sync/v1/hello", post(hello))
        .route("/sync/v1/push", post(push))
        .route("/sync/v1/pull", post(pull))
        .route("/sync/v1/blobs/missing", post(missing_blobs))
        .route("/sync/v1/blob/{sha256}", put(put_blob))
        .layer(DefaultBodyLimit::max(protocol::MAX_CHUNK_BYTES))
        .with_state(state)
}
