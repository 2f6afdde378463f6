//! A small blocking PAWS client: JSON-RPC 2.0 over HTTP/1.1 on a plain TCP connection, or
//! over TLS (rustls) for `https://` URLs with the CA certificates given by
//! [`Client::with_ca_file`] (no system trust store is consulted), with timeouts on connect,
//! read and write. Responses are decoded into the typed
//! messages of [`mac::spectrum::paws`]; callers validate them with
//! [`mac::spectrum::validate`].

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use mac::spectrum::paws::{Method, RpcError, RpcRequest, RpcResponse};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Client failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// Bad URL.
    #[error("bad URL '{0}': use http://HOST:PORT[/path] or https://HOST:PORT[/path]")]
    Url(String),
    /// TLS set-up failed (CA file unreadable or empty, bad server name).
    #[error("TLS: {0}")]
    Tls(String),
    /// Network failure.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Unparseable HTTP or JSON.
    #[error("bad response: {0}")]
    Decode(String),
    /// The database answered with an error.
    #[error("PAWS error {}: {}", .0.code, .0.message)]
    Rpc(RpcError),
}

/// A database endpoint.
#[derive(Debug, Clone)]
pub struct Client {
    addr: SocketAddr,
    host: String,
    path: String,
    timeout: Duration,
    https: bool,
    tls: Option<Arc<rustls::ClientConfig>>,
}

/// Raw HTTP exchange result: status and body.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// HTTP status.
    pub status: u16,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Client {
    /// A client for `http://HOST:PORT[/path]` or `https://HOST:PORT[/path]` (path default
    /// `/paws`); `https` needs [`Client::with_ca_file`] before the first call.
    ///
    /// # Errors
    /// [`ClientError::Url`] or resolution failure.
    pub fn new(url: &str) -> Result<Client, ClientError> {
        let (rest, https) = match (url.strip_prefix("http://"), url.strip_prefix("https://")) {
            (Some(r), _) => (r, false),
            (None, Some(r)) => (r, true),
            (None, None) => return Err(ClientError::Url(url.into())),
        };
        let (hostport, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/paws"),
        };
        let addr = hostport
            .to_socket_addrs()
            .map_err(|_| ClientError::Url(url.into()))?
            .next()
            .ok_or_else(|| ClientError::Url(url.into()))?;
        Ok(Client {
            addr,
            host: hostport.into(),
            path: path.into(),
            timeout: Duration::from_secs(10),
            https,
            tls: None,
        })
    }

    /// Trust the CA certificates of a PEM file for `https` (the server's certificate must
    /// chain to one of them and name the URL's host).
    ///
    /// # Errors
    /// [`ClientError::Tls`] when the file cannot be read or holds no usable certificate.
    pub fn with_ca_file(mut self, ca_pem: &Path) -> Result<Client, ClientError> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::CertificateDer;
        let tls = |e: String| ClientError::Tls(format!("{}: {e}", ca_pem.display()));
        let mut roots = rustls::RootCertStore::empty();
        for c in CertificateDer::pem_file_iter(ca_pem).map_err(|e| tls(e.to_string()))? {
            roots
                .add(c.map_err(|e| tls(e.to_string()))?)
                .map_err(|e| tls(e.to_string()))?;
        }
        if roots.is_empty() {
            return Err(tls("no CA certificate in the file".into()));
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let cfg = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| tls(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        self.tls = Some(Arc::new(cfg));
        Ok(self)
    }

    /// The host part of the URL, without port or IPv6 brackets (the TLS server name).
    fn host_name(&self) -> &str {
        let h = match self.host.rfind(':') {
            Some(i) if !self.host[i..].contains(']') => &self.host[..i],
            _ => &self.host[..],
        };
        h.trim_start_matches('[').trim_end_matches(']')
    }

    /// POST raw bytes, return status and body.
    ///
    /// # Errors
    /// [`ClientError::Io`] / [`ClientError::Decode`].
    pub fn post_raw(&self, body: &[u8]) -> Result<RawResponse, ClientError> {
        let mut s = TcpStream::connect_timeout(&self.addr, self.timeout)?;
        s.set_read_timeout(Some(self.timeout))?;
        s.set_write_timeout(Some(self.timeout))?;
        let head = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.path,
            self.host,
            body.len()
        );
        if self.https {
            let cfg = self.tls.clone().ok_or_else(|| {
                ClientError::Tls("an https URL needs a CA file (Client::with_ca_file)".into())
            })?;
            let name = rustls::pki_types::ServerName::try_from(self.host_name().to_owned())
                .map_err(|e| ClientError::Tls(format!("server name '{}': {e}", self.host)))?;
            let conn = rustls::ClientConnection::new(cfg, name)
                .map_err(|e| ClientError::Tls(e.to_string()))?;
            let mut t = rustls::StreamOwned::new(conn, s);
            exchange(&mut t, head.as_bytes(), body)
        } else {
            exchange(&mut s, head.as_bytes(), body)
        }
    }

    /// Call a PAWS method and decode the result.
    ///
    /// # Errors
    /// [`ClientError::Rpc`] when the database returns an error; others on transport or
    /// decoding failures.
    pub fn call<Q: Serialize, A: DeserializeOwned>(
        &self,
        method: Method,
        req: &Q,
    ) -> Result<A, ClientError> {
        let rpc = RpcRequest::new(method, req, "1");
        let body = serde_json::to_vec(&rpc).map_err(|e| ClientError::Decode(e.to_string()))?;
        let raw = self.post_raw(&body)?;
        let r: RpcResponse =
            serde_json::from_slice(&raw.body).map_err(|e| ClientError::Decode(e.to_string()))?;
        if let Some(e) = r.error {
            return Err(ClientError::Rpc(e));
        }
        let v = r
            .result
            .ok_or_else(|| ClientError::Decode("neither result nor error".into()))?;
        serde_json::from_value(v).map_err(|e| ClientError::Decode(e.to_string()))
    }
}

/// Write the request and read the whole response (`Connection: close`).
fn exchange<S: Read + Write>(
    s: &mut S,
    head: &[u8],
    body: &[u8],
) -> Result<RawResponse, ClientError> {
    s.write_all(head)?;
    // A server may answer (413) before reading everything; ignore a reset here.
    let _ = s.write_all(body);
    let _ = s.flush();
    let mut buf = Vec::new();
    if let Err(e) = s.read_to_end(&mut buf) {
        if buf.is_empty() {
            return Err(e.into());
        }
    }
    parse_http(&buf)
}

fn parse_http(buf: &[u8]) -> Result<RawResponse, ClientError> {
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| ClientError::Decode("no HTTP header end".into()))?;
    let head = std::str::from_utf8(&buf[..end]).map_err(|e| ClientError::Decode(e.to_string()))?;
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| ClientError::Decode("no HTTP status".into()))?;
    let chunked = head
        .lines()
        .any(|l| l.to_ascii_lowercase().starts_with("transfer-encoding:") && l.contains("chunked"));
    let mut body = buf[end + 4..].to_vec();
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(i) = rest.windows(2).position(|w| w == b"\r\n") {
            let n =
                usize::from_str_radix(std::str::from_utf8(&rest[..i]).unwrap_or("0").trim(), 16)
                    .map_err(|e| ClientError::Decode(e.to_string()))?;
            if n == 0 || rest.len() < i + 2 + n {
                break;
            }
            out.extend_from_slice(&rest[i + 2..i + 2 + n]);
            rest = &rest[(i + 4 + n).min(rest.len())..];
        }
        body = out;
    }
    Ok(RawResponse { status, body })
}
