//! Starting the box: HTTPS and HTTP listeners, the mDNS announcement and background work.

use crate::Config;
use anyhow::{Context, Result};
use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use preau_app::App;
use preau_app::mdns::Advertisement;
use preau_web::WebState;
use preau_web::sync_api::PeerCertificate;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// How long a client may take to complete the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How often expired sessions are purged.
const PURGE_EVERY: Duration = Duration::from_secs(600);
/// How often the search index looks for changes.
const INDEX_EVERY: Duration = Duration::from_millis(500);
/// How often expired trash is emptied and unreferenced file contents are collected.
const COLLECT_EVERY: Duration = Duration::from_secs(6 * 3600);

/// A running box. Dropping it stops the listeners and the announcement.
pub struct Running {
    /// Where HTTPS answers.
    pub https: SocketAddr,
    /// Where plain HTTP answers, if enabled.
    pub http: Option<SocketAddr>,
    /// The address printed on cards.
    pub public_url: String,
    /// The local CA certificate (PEM), when the box made its own.
    pub local_ca_pem: Option<String>,
    tasks: Vec<JoinHandle<()>>,
    advertisement: Option<Advertisement>,
}

impl Running {
    /// Waits until the process is asked to stop (Ctrl-C or SIGTERM).
    pub async fn until_stopped(self) {
        stop_requested().await;
        tracing::info!("stopping");
        drop(self);
    }
}

/// Returns when the process is asked to stop (Ctrl-C or SIGTERM).
pub async fn stop_requested() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = ctrl_c => {}
            _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

impl Drop for Running {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
        if let Some(ad) = self.advertisement.take() {
            ad.stop();
        }
    }
}

/// Starts serving `app` as `config` says. Returns once the listeners are bound.
pub async fn start(config: &Config, app: Arc<App>) -> Result<Running> {
    let tls = crate::tls::material(config, &app)?;
    let https_listener = TcpListener::bind((config.listen, config.https_port))
        .await
        .with_context(|| {
            format!(
                "cannot listen on {}:{} (HTTPS)",
                config.listen, config.https_port
            )
        })?;
    let https = https_listener.local_addr()?;
    let public_url = config.public_url(https.port());
    let state = WebState {
        app: app.clone(),
        assets: Arc::new(preau_web::assets::Assets::new()),
        ca_pem: tls.local_ca_pem.clone().map(Arc::new),
        public_url: Arc::new(public_url.clone()),
    };
    let mut tasks = vec![tokio::spawn(serve_tls(
        https_listener,
        TlsAcceptor::from(tls.server),
        preau_web::router(state.clone()),
    ))];
    let http = if config.http_port == 0 {
        None
    } else {
        let listener = TcpListener::bind((config.listen, config.http_port))
            .await
            .with_context(|| {
                format!(
                    "cannot listen on {}:{} (HTTP)",
                    config.listen, config.http_port
                )
            })?;
        let addr = listener.local_addr()?;
        tasks.push(tokio::spawn(serve_plain(
            listener,
            preau_web::http_router(state, https.port()),
        )));
        Some(addr)
    };
    tasks.push(tokio::spawn(purge_sessions(app.clone())));
    tasks.push(tokio::spawn(collect_documents(app.clone())));
    tasks.push(tokio::spawn(index_changes(app.clone())));
    if let Some(state) = app.provisioned()? {
        crate::system_files::write(&config.data_dir, &state)?;
    }
    if config.sync {
        let central_ca = if config.central_ca.as_os_str().is_empty() {
            Vec::new()
        } else {
            std::fs::read(&config.central_ca)
                .with_context(|| format!("cannot read {}", config.central_ca.display()))?
        };
        let settings = crate::sync_client::SyncSettings {
            central_url: config.central_url.clone(),
            central_ca,
        };
        tasks.push(tokio::spawn(crate::sync_client::run(app.clone(), settings)));
    }
    if let Some(watch) = crate::stick::Watch::from_config(config, &public_url, https.port())? {
        tasks.push(tokio::spawn(crate::stick::run(
            app.clone(),
            watch,
            tls.certificate.clone(),
        )));
    }
    let school = app
        .directory()
        .school()
        .map(|s| s.name.clone())
        .unwrap_or_else(|| "Préau".into());
    let advertisement = preau_app::mdns::advertise(
        &config.mdns_scope()?,
        &config.host_name,
        &school,
        https.port(),
    )
    .context("cannot start the mDNS announcement")?;
    tracing::info!(%https, ?http, "serving");
    Ok(Running {
        https,
        http,
        public_url,
        local_ca_pem: tls.local_ca_pem,
        tasks,
        advertisement,
    })
}

fn connection_builder() -> hyper::server::conn::http1::Builder {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(20));
    builder
}

/// Serves `router` over TLS on `listener`; a verified client certificate (central's sync
/// listener) reaches handlers as a [`preau_web::sync_api::PeerCertificate`] extension.
pub(crate) async fn serve_tls(listener: TcpListener, acceptor: TlsAcceptor, router: Router) {
    loop {
        let Ok((tcp, peer)) = listener.accept().await else {
            continue;
        };
        let acceptor = acceptor.clone();
        let router = router.clone();
        tokio::spawn(async move {
            let _ = tcp.set_nodelay(true);
            let Ok(Ok(stream)) =
                tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await
            else {
                return;
            };
            let client = stream
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|chain| chain.first())
                .map(|der| PeerCertificate(Arc::new(der.as_ref().to_vec())));
            serve_connection(TokioIo::new(stream), peer, client, router).await;
        });
    }
}

async fn serve_plain(listener: TcpListener, router: Router) {
    loop {
        let Ok((tcp, peer)) = listener.accept().await else {
            continue;
        };
        let router = router.clone();
        tokio::spawn(serve_connection(TokioIo::new(tcp), peer, None, router));
    }
}

async fn serve_connection<I>(
    io: TokioIo<I>,
    peer: SocketAddr,
    client: Option<PeerCertificate>,
    router: Router,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = router.map_request(move |mut req: axum::extract::Request| {
        req.extensions_mut().insert(ConnectInfo(peer));
        if let Some(client) = &client {
            req.extensions_mut().insert(client.clone());
        }
        req
    });
    let hyper_service =
        TowerToHyperService::new(service.map_request(
            |req: hyper::Request<hyper::body::Incoming>| req.map(axum::body::Body::new),
        ));
    let _ = connection_builder()
        .serve_connection(io, hyper_service)
        .await;
}

/// Keeps the search index up to date: catches up at start (or rebuilds a lost index), then
/// indexes what changed, twice a second.
async fn index_changes(app: Arc<App>) {
    let mut every = tokio::time::interval(INDEX_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let app = app.clone();
        match tokio::task::spawn_blocking(move || app.index_pending()).await {
            Ok(Ok(n)) if n > 0 => tracing::debug!(items = n, "indexed"),
            Ok(Err(e)) => tracing::warn!("indexing failed: {e}"),
            Err(e) => tracing::warn!("indexing panicked: {e}"),
            _ => {}
        }
    }
}

/// Empties trash older than 30 days, then removes file contents nothing refers to.
async fn collect_documents(app: Arc<App>) {
    let mut every = tokio::time::interval(COLLECT_EVERY);
    loop {
        every.tick().await;
        let app = app.clone();
        let outcome = tokio::task::spawn_blocking(move || {
            let purged = app.purge_trash()?;
            app.collect_blobs().map(|collected| (purged, collected))
        })
        .await;
        match outcome {
            Ok(Ok((purged, collected))) => tracing::info!(
                trash_items = purged,
                blobs = collected.blobs,
                bytes = collected.bytes,
                "document housekeeping"
            ),
            Ok(Err(e)) => tracing::warn!("document housekeeping failed: {e}"),
            Err(e) => tracing::warn!("document housekeeping panicked: {e}"),
        }
    }
}

async fn purge_sessions(app: Arc<App>) {
    let mut every = tokio::time::interval(PURGE_EVERY);
    loop {
        every.tick().await;
        let app = app.clone();
        match tokio::task::spawn_blocking(move || app.purge_expired_sessions()).await {
            Ok(Ok(n)) if n > 0 => tracing::info!(sessions = n, "purged expired sessions"),
            Ok(Err(e)) => tracing::warn!("session purge failed: {e}"),
            _ => {}
        }
    }
}
