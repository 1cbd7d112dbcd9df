//! TLS: the rustls server configuration, from provisioned files or the box's local CA.

use anyhow::{Context, Result};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;

/// Where the certificate comes from, and the CA to offer for download if the box made it.
pub struct TlsMaterial {
    /// The server configuration.
    pub server: Arc<ServerConfig>,
    /// The local CA's certificate (PEM), when the box generated its own.
    pub local_ca_pem: Option<String>,
}

/// Loads the configured certificate, or makes (once) and loads the local one.
pub fn material(config: &crate::Config) -> Result<TlsMaterial> {
    if !config.tls_cert.is_empty() {
        let server = server_config(Path::new(&config.tls_cert), Path::new(&config.tls_key))?;
        return Ok(TlsMaterial {
            server,
            local_ca_pem: None,
        });
    }
    let mut names = Vec::new();
    if config.listen.is_unspecified() || config.listen.is_loopback() {
        names.push("localhost".to_string());
    } else {
        names.push(config.listen.to_string());
    }
    let files = preau_app::pki::ensure_local_certificates(
        &config.data_dir,
        &format!("{}.local", config.host_name),
        &names,
        time::OffsetDateTime::now_utc(),
    )
    .context("cannot create the local certificate authority")?;
    let server = server_config(&files.cert, &files.key)?;
    let ca = std::fs::read_to_string(&files.ca_cert)
        .with_context(|| format!("cannot read {}", files.ca_cert.display()))?;
    Ok(TlsMaterial {
        server,
        local_ca_pem: Some(ca),
    })
}

/// A rustls configuration (ring provider, HTTP/1.1) from PEM files.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>> {
    let cert_pem =
        std::fs::read(cert).with_context(|| format!("cannot read {}", cert.display()))?;
    let key_pem = std::fs::read(key).with_context(|| format!("cannot read {}", key.display()))?;
    let chain: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut cert_pem.as_slice())
        .collect::<Result<_, _>>()
        .with_context(|| format!("{} is not a PEM certificate chain", cert.display()))?;
    let key: PrivateKeyDer<'static> = rustls_pemfile::private_key(&mut key_pem.as_slice())
        .with_context(|| format!("{} is not a PEM private key", key.display()))?
        .with_context(|| format!("{} holds no private key", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("the certificate and key do not match")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
