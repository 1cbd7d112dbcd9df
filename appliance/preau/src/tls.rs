//! TLS: the rustls server configuration. The certificate comes from the provisioning bundle
//! applied last, else from the configured files, else from the box's local CA; it can be
//! replaced while the box runs (a stick was just applied) without dropping connections.

use anyhow::{Context, Result};
use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::path::Path;
use std::sync::{Arc, RwLock};

/// Where the certificate comes from, and the CA to offer for download if the box made it.
pub struct TlsMaterial {
    /// The server configuration.
    pub server: Arc<ServerConfig>,
    /// The certificate in use, replaceable.
    pub certificate: Arc<Certificate>,
    /// The local CA's certificate (PEM), when the box generated its own.
    pub local_ca_pem: Option<String>,
}

/// The server certificate and key in use; every new handshake reads the current one.
#[derive(Debug)]
pub struct Certificate(RwLock<Arc<CertifiedKey>>);

impl Certificate {
    /// Replaces the certificate (PEM chain and key) for the handshakes to come.
    pub fn replace(&self, cert_pem: &[u8], key_pem: &[u8]) -> Result<()> {
        let key = certified_key(cert_pem, key_pem)?;
        match self.0.write() {
            Ok(mut guard) => *guard = key,
            Err(poisoned) => *poisoned.into_inner() = key,
        }
        Ok(())
    }

    fn current(&self) -> Arc<CertifiedKey> {
        match self.0.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

impl ResolvesServerCert for Certificate {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A certificate and its key, checked to match, from PEM.
fn certified_key(cert_pem: &[u8], key_pem: &[u8]) -> Result<Arc<CertifiedKey>> {
    let chain: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut &cert_pem[..])
        .collect::<Result<_, _>>()
        .context("not a PEM certificate chain")?;
    let key: PrivateKeyDer<'static> = rustls_pemfile::private_key(&mut &key_pem[..])
        .context("not a PEM private key")?
        .context("no private key in the PEM text")?;
    let key = CertifiedKey::from_der(chain, key, &provider())
        .context("the certificate and key do not match")?;
    Ok(Arc::new(key))
}

/// The certificate the box starts with: the provisioned one, the configured files, or the
/// local CA's (made once).
pub fn material(config: &crate::Config, app: &preau_app::App) -> Result<TlsMaterial> {
    if let Some(provisioned) = app.provisioned()? {
        let key = certified_key(
            provisioned.tls_cert_pem.as_bytes(),
            provisioned.tls_key_pem.as_bytes(),
        )
        .context("the provisioned certificate")?;
        return serving(key, None);
    }
    if !config.tls_cert.is_empty() {
        let key = read_pair(Path::new(&config.tls_cert), Path::new(&config.tls_key))?;
        return serving(key, None);
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
    let key = read_pair(&files.cert, &files.key)?;
    let ca = std::fs::read_to_string(&files.ca_cert)
        .with_context(|| format!("cannot read {}", files.ca_cert.display()))?;
    serving(key, Some(ca))
}

fn read_pair(cert: &Path, key: &Path) -> Result<Arc<CertifiedKey>> {
    let cert_pem =
        std::fs::read(cert).with_context(|| format!("cannot read {}", cert.display()))?;
    let key_pem = std::fs::read(key).with_context(|| format!("cannot read {}", key.display()))?;
    certified_key(&cert_pem, &key_pem)
        .with_context(|| format!("{} and {}", cert.display(), key.display()))
}

/// A rustls configuration (ring provider, HTTP/1.1) serving `key`, replaceable later.
fn serving(key: Arc<CertifiedKey>, local_ca_pem: Option<String>) -> Result<TlsMaterial> {
    let certificate = Arc::new(Certificate(RwLock::new(key)));
    let mut server = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_cert_resolver(certificate.clone());
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsMaterial {
        server: Arc::new(server),
        certificate,
        local_ca_pem,
    })
}

/// Central's public HTTPS listener: serves `cert`/`key`, no client certificate asked.
pub fn plain(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>> {
    Ok(serving(read_pair(cert, key)?, None)?.server)
}

/// Central's sync listener: serves `cert`/`key` and requires a client certificate issued by
/// the commune CA (`client_ca`, PEM) and not revoked by `crls` (PEM CRLs, possibly none).
pub fn mutual(cert: &Path, key: &Path, client_ca: &[u8], crls: &[u8]) -> Result<Arc<ServerConfig>> {
    let certified = read_pair(cert, key)?;
    let mut roots = rustls::RootCertStore::empty();
    for ca in rustls_pemfile::certs(&mut &client_ca[..]) {
        roots
            .add(ca.context("the commune CA is not a PEM certificate")?)
            .context("the commune CA")?;
    }
    let crls = rustls_pemfile::crls(&mut &crls[..])
        .collect::<Result<Vec<_>, _>>()
        .context("the revocation list is not PEM")?;
    let verifier =
        rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
            .with_crls(crls)
            .build()
            .context("the client certificate verifier")?;
    let certificate = Arc::new(Certificate(RwLock::new(certified)));
    let mut server = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_client_cert_verifier(verifier)
        .with_cert_resolver(certificate);
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(server))
}
