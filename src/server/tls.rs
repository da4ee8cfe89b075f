//! TLS with rustls (ring provider): the listener's certificate, and the roots the gateway
//! trusts when a deployment's upstream is `https`.

use std::{path::Path, sync::Arc};

use anyhow::{bail, Context};
use tokio_rustls::rustls::{
    self,
    crypto::ring,
    pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer},
    ClientConfig, RootCertStore, ServerConfig,
};

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(ring::default_provider())
}

/// The listener's TLS configuration from PEM files: the certificate chain (leaf first) and its
/// private key. ALPN offers HTTP/2 first, so gRPC clients get it, then HTTP/1.1.
pub fn server_config(cert_path: &Path, key_path: &Path) -> anyhow::Result<ServerConfig> {
    let chain = read_certificates(cert_path)?;
    let key = PrivateKeyDer::from_pem_file(key_path)
        .with_context(|| format!("no usable private key in {} (expected PEM)", key_path.display()))?;
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .with_context(|| {
            format!("the key in {} does not fit the certificate in {}", key_path.display(), cert_path.display())
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// The roots for `https` upstreams: the system's, plus the PEM bundle in `extra` (for
/// upstreams signed by a private CA).
pub fn upstream_client_config(extra: Option<&Path>) -> anyhow::Result<ClientConfig> {
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for error in &native.errors {
        tracing::warn!(%error, "could not load a system CA certificate");
    }
    roots.add_parsable_certificates(native.certs);
    if let Some(path) = extra {
        for certificate in read_certificates(path)? {
            roots
                .add(certificate)
                .with_context(|| format!("a certificate in {} is not a usable CA", path.display()))?;
        }
    }
    Ok(ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

fn read_certificates(path: &Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let certificates = CertificateDer::pem_file_iter(path)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .with_context(|| format!("could not read certificates from {} (expected PEM)", path.display()))?;
    if certificates.is_empty() {
        bail!("no certificate found in {}", path.display());
    }
    Ok(certificates)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, contents: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    #[test]
    fn loads_a_certificate_and_offers_h2_first() {
        let dir = tempfile::tempdir().unwrap();
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let cert_path = write(dir.path(), "cert.pem", &cert.cert.pem());
        let key_path = write(dir.path(), "key.pem", &cert.signing_key.serialize_pem());
        let config = server_config(&cert_path, &key_path).unwrap();
        assert_eq!(config.alpn_protocols, vec![b"h2".to_vec(), b"http/1.1".to_vec()]);
        upstream_client_config(Some(&cert_path)).expect("a self-signed certificate can be a root");
    }

    #[test]
    fn explains_unusable_files() {
        let dir = tempfile::tempdir().unwrap();
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let other = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let cert_path = write(dir.path(), "cert.pem", &cert.cert.pem());
        let wrong_key = write(dir.path(), "other.pem", &other.signing_key.serialize_pem());
        let empty = write(dir.path(), "empty.pem", "");
        let missing = dir.path().join("missing.pem");

        let message = |result: anyhow::Result<ServerConfig>| format!("{:#}", result.unwrap_err());
        assert!(message(server_config(&empty, &wrong_key)).contains("no certificate found in"));
        assert!(message(server_config(&missing, &wrong_key)).contains("could not read certificates from"));
        assert!(message(server_config(&cert_path, &empty)).contains("no usable private key in"));
        assert!(message(server_config(&cert_path, &wrong_key)).contains("does not fit the certificate"));
    }
}
