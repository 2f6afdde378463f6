//! HTTP front end: JSON-RPC 2.0 over HTTP/1.1 at `/paws` (axum on tokio).
//!
//! * `POST /paws` only (other methods → 405, other paths → 404);
//! * bodies above `limits.max_body_bytes` → HTTP 413 with a JSON-RPC -32600 error;
//! * per-client-address token bucket (`limits.rate_per_s`, `limits.burst`) → HTTP 429
//!   with JSON-RPC -32000 ("server error" range of JSON-RPC 2.0);
//! * every other outcome is HTTP 200 with a JSON-RPC response from [`Service`].
//!
//! Binding is the caller's choice; the CLI binds loopback unless told otherwise.
//!
//! TLS is optional ([`tls_config`] from PEM files, then [`serve_tls`] / [`spawn_tls`]):
//! rustls (TLS 1.2 and 1.3, ring provider) in front of the same router, HTTP/1.1 inside,
//! a 10 s handshake timeout. At shutdown the TLS accept loop stops accepting; connections
//! in flight are not drained.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::body::{to_bytes, Body};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, Method as HttpMethod, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use mac::spectrum::paws::{ErrorCode, RpcError, RpcResponse};
use serde_json::Value;

use crate::config::Limits;
use crate::rpc::Service;
use crate::Error;

struct Bucket {
    tokens: f64,
    at: Instant,
}

struct AppState {
    service: Arc<Service>,
    limits: Limits,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl AppState {
    fn allow(&self, ip: IpAddr) -> bool {
        let Ok(mut b) = self.buckets.lock() else {
            return true;
        };
        if b.len() > 100_000 {
            b.clear(); // bound memory under address churn
        }
        let now = Instant::now();
        let e = b.entry(ip).or_insert(Bucket {
            tokens: self.limits.burst,
            at: now,
        });
        let dt = now.duration_since(e.at).as_secs_f64();
        e.tokens = (e.tokens + dt * self.limits.rate_per_s).min(self.limits.burst);
        e.at = now;
        if e.tokens >= 1.0 {
            e.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Current time, Unix seconds.
pub fn now_s() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn json(status: StatusCode, r: &RpcResponse) -> Response {
    let body = serde_json::to_vec(r).unwrap_or_else(|_| b"{}".to_vec());
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn paws(
    State(st): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    if req.method() != HttpMethod::POST {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "POST")],
            "PAWS takes JSON-RPC 2.0 by POST\n",
        )
            .into_response();
    }
    if !st.allow(peer.ip()) {
        return json(
            StatusCode::TOO_MANY_REQUESTS,
            &RpcResponse::err(
                Value::Null,
                RpcError {
                    code: -32000,
                    message: "rate limit exceeded; retry later".into(),
                    data: None,
                },
            ),
        );
    }
    let max = st.limits.max_body_bytes;
    let too_big = || {
        json(
            StatusCode::PAYLOAD_TOO_LARGE,
            &RpcResponse::err(
                Value::Null,
                RpcError::new(
                    ErrorCode::InvalidRequest,
                    format!("request body exceeds {max} bytes"),
                ),
            ),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return too_big();
    }
    let body = match to_bytes(req.into_body(), max).await {
        Ok(b) => b,
        Err(_) => return too_big(),
    };
    let r = st.service.handle_body(&body, now_s());
    json(StatusCode::OK, &r)
}

/// The axum router for a service.
pub fn router(service: Arc<Service>, limits: Limits) -> Router {
    let st = Arc::new(AppState {
        service,
        limits,
        buckets: Mutex::new(HashMap::new()),
    });
    Router::new()
        .route("/paws", any(paws))
        .fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                Body::from("not found; PAWS is at /paws\n"),
            )
        })
        .with_state(st)
}

/// Serve on a bound listener until `shutdown` completes.
///
/// # Errors
/// I/O errors of the server.
pub async fn serve(
    listener: tokio::net::TcpListener,
    service: Arc<Service>,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(service, limits).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// A rustls server configuration from a PEM certificate chain (leaf first) and a PEM
/// private key (PKCS#8, PKCS#1 or SEC1).
///
/// # Errors
/// [`Error::Config`] when a file cannot be read, holds no certificate or key, or rustls
/// rejects the pair.
pub fn tls_config(
    cert_pem: &std::path::Path,
    key_pem: &std::path::Path,
) -> Result<Arc<rustls::ServerConfig>, Error> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |p: &std::path::Path, what: String| Error::Config {
        path: p.display().to_string(),
        what,
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert_pem)
        .map_err(|e| bad(cert_pem, format!("reading certificates: {e}")))?
        .collect::<Result<_, _>>()
        .map_err(|e| bad(cert_pem, format!("reading certificates: {e}")))?;
    if certs.is_empty() {
        return Err(bad(cert_pem, "no PEM certificate in the file".into()));
    }
    let key = PrivateKeyDer::from_pem_file(key_pem)
        .map_err(|e| bad(key_pem, format!("reading the private key: {e}")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(cert_pem, e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            bad(
                cert_pem,
                format!("certificate and key do not form a pair: {e}"),
            )
        })?;
    Ok(Arc::new(cfg))
}

/// Serve HTTPS on a bound listener until `shutdown` completes.
///
/// # Errors
/// None in practice: accept errors are retried after a short pause; per-connection
/// handshake and HTTP errors end only that connection.
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    service: Arc<Service>,
    limits: Limits,
    tls: Arc<rustls::ServerConfig>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(service, limits);
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!("accept: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => return Ok(()),
        };
        let acceptor = acceptor.clone();
        let app = app.clone().layer(axum::Extension(ConnectInfo(peer)));
        tokio::spawn(async move {
            let handshake =
                tokio::time::timeout(std::time::Duration::from_secs(10), acceptor.accept(tcp));
            let Ok(Ok(stream)) = handshake.await else {
                return;
            };
            let svc = hyper_util::service::TowerToHyperService::new(app);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                .await;
        });
    }
}

/// A server running on its own thread (tests, embedding in the simulator).
#[derive(Debug)]
pub struct ServerHandle {
    /// Bound address.
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl ServerHandle {
    /// Stop the server and wait for its thread.
    ///
    /// # Errors
    /// The server's I/O error, if it failed.
    pub fn shutdown(mut self) -> std::io::Result<()> {
        self.stop_inner()
    }

    fn stop_inner(&mut self) -> std::io::Result<()> {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        match self.thread.take() {
            Some(t) => t
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("server thread panicked"))),
            None => Ok(()),
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        let _ = self.stop_inner();
    }
}

/// Bind `addr` and serve on a new thread with a `threads`-worker tokio runtime.
///
/// # Errors
/// Bind or runtime errors.
pub fn spawn(
    addr: SocketAddr,
    service: Arc<Service>,
    limits: Limits,
    threads: usize,
) -> std::io::Result<ServerHandle> {
    spawn_tls(addr, service, limits, threads, None)
}

/// [`spawn`], serving HTTPS when `tls` is given.
///
/// # Errors
/// Bind or runtime errors.
pub fn spawn_tls(
    addr: SocketAddr,
    service: Arc<Service>,
    limits: Limits,
    threads: usize,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> std::io::Result<ServerHandle> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .enable_all()
        .build()?;
    let std_listener = std::net::TcpListener::bind(addr)?;
    std_listener.set_nonblocking(true)?;
    let bound = std_listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("wsdb-server".into())
        .spawn(move || {
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(std_listener)?;
                let stop = async {
                    let _ = rx.await;
                };
                match tls {
                    Some(t) => serve_tls(listener, service, limits, t, stop).await,
                    None => serve(listener, service, limits, stop).await,
                }
            })
        })?;
    Ok(ServerHandle {
        addr: bound,
        stop: Some(tx),
        thread: Some(thread),
    })
}

/// Bind `addr`, call `on_bound` with the bound address, and serve (HTTPS when `tls` is
/// given) until SIGINT or SIGTERM (the CLI's `wsdb serve`).
///
/// # Errors
/// Bind, runtime or server I/O errors.
pub fn serve_until_signal(
    addr: SocketAddr,
    service: Arc<Service>,
    limits: Limits,
    threads: usize,
    tls: Option<Arc<rustls::ServerConfig>>,
    on_bound: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        on_bound(listener.local_addr()?);
        let shutdown = async {
            #[cfg(unix)]
            {
                let mut term =
                    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    {
                        Ok(s) => s,
                        Err(_) => {
                            let _ = tokio::signal::ctrl_c().await;
                            return;
                        }
                    };
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {},
                    _ = term.recv() => {},
                }
            }
            #[cfg(not(unix))]
            {
                let _ = tokio::signal::ctrl_c().await;
            }
        };
        match tls {
            Some(t) => serve_tls(listener, service, limits, t, shutdown).await,
            None => serve(listener, service, limits, shutdown).await,
        }
    })
}
