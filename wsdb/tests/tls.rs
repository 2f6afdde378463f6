//! HTTPS: the server with a self-signed certificate generated at test time (rcgen), the
//! client trusting it through a CA file; plain HTTP and untrusted clients are refused.

mod common;

use common::*;
use lastmile_wsdb::client::{Client, ClientError};
use lastmile_wsdb::rpc::Service;
use lastmile_wsdb::server;
use lastmile_wsdb::store::Store;
use mac::spectrum::paws::*;
use mac::spectrum::validate;
use std::sync::Arc;

fn init_req() -> InitReq {
    InitReq {
        kind: "INIT_REQ".into(),
        version: PAWS_VERSION.into(),
        device_desc: fixed_device("tls-1"),
        location: GeoLocation::point(44.0, -100.5),
    }
}

#[test]
fn https_round_trip_with_a_ca_file() {
    let dir = tempfile::tempdir().unwrap();
    let cert =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let (cert_pem, key_pem) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_pem, cert.cert.pem()).unwrap();
    std::fs::write(&key_pem, cert.key_pair.serialize_pem()).unwrap();
    let tls = server::tls_config(&cert_pem, &key_pem).unwrap();

    let db = database(dir.path(), "");
    let store = Store::open(&db.config.store).unwrap();
    let limits = db.config.limits;
    let service = Arc::new(Service::new(db, store));
    let h = server::spawn_tls(
        "127.0.0.1:0".parse().unwrap(),
        service,
        limits,
        1,
        Some(tls),
    )
    .unwrap();

    let url = format!("https://{}/paws", h.addr);
    let c = Client::new(&url).unwrap().with_ca_file(&cert_pem).unwrap();
    let init: InitResp = c.call(Method::Init, &init_req()).unwrap();
    validate::init_resp(&init).unwrap();
    assert_eq!(init.ruleset_infos[0].ruleset_id, RULESET_FCC);
    // The same host by name also matches the certificate.
    let by_name = format!("https://localhost:{}/paws", h.addr.port());
    let c2 = Client::new(&by_name)
        .unwrap()
        .with_ca_file(&cert_pem)
        .unwrap();
    let _: InitResp = c2.call(Method::Init, &init_req()).unwrap();

    // No CA file: refused before connecting; another CA: the handshake fails.
    let no_ca = Client::new(&url).unwrap();
    assert!(matches!(
        no_ca.call::<_, InitResp>(Method::Init, &init_req()),
        Err(ClientError::Tls(_))
    ));
    let other = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).unwrap();
    let other_pem = dir.path().join("other.pem");
    std::fs::write(&other_pem, other.cert.pem()).unwrap();
    let wrong = Client::new(&url).unwrap().with_ca_file(&other_pem).unwrap();
    assert!(wrong
        .call::<_, InitResp>(Method::Init, &init_req())
        .is_err());
    // Plain HTTP to the TLS port gets no PAWS answer.
    let plain = Client::new(&format!("http://{}/paws", h.addr)).unwrap();
    assert!(plain
        .call::<_, InitResp>(Method::Init, &init_req())
        .is_err());
    // Bad PEM inputs are configuration errors.
    assert!(server::tls_config(&key_pem, &key_pem).is_err());
    assert!(server::tls_config(&cert_pem, &cert_pem).is_err());
    assert!(Client::new(&url).unwrap().with_ca_file(&key_pem).is_err());
    h.shutdown().unwrap();
}
