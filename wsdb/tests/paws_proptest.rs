//! Randomized requests against the JSON-RPC/PAWS parser: arbitrary bytes, arbitrary JSON,
//! and valid requests with fields deleted, retyped or replaced. The service must always
//! answer with one well-formed JSON-RPC 2.0 response (never panic), and the error code must
//! be one this database defines.

mod common;

use std::sync::OnceLock;

use lastmile_wsdb::rpc::Service;
use lastmile_wsdb::store::Store;
use mac::spectrum::paws::{ErrorCode, RpcResponse};
use proptest::prelude::*;
use serde_json::{json, Value};

fn service() -> &'static Service {
    static S: OnceLock<(tempfile::TempDir, Service)> = OnceLock::new();
    &S.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let db = common::database(dir.path(), "");
        let store = Store::open(&db.config.store).unwrap();
        (dir, Service::new(db, store))
    })
    .1
}

fn check(r: &RpcResponse) {
    assert_eq!(r.jsonrpc, "2.0");
    assert!(r.result.is_some() != r.error.is_some());
    if let Some(e) = &r.error {
        assert!(
            ErrorCode::from_code(e.code).is_some(),
            "undefined code {}",
            e.code
        );
        assert_ne!(e.code, ErrorCode::InternalError.code(), "{}", e.message);
    }
    // The response serializes.
    serde_json::to_vec(r).unwrap();
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(Value::from),
        "[a-zA-Z0-9_.:-]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map("[a-zA-Z]{1,10}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn valid_requests() -> Vec<Value> {
    let dev = json!({"serialNumber": "p1", "fccId": "F", "fccTvbdDeviceType": "MODE_2",
                     "manufacturerId": "m", "modelId": "x"});
    let loc = json!({"point": {"center": {"latitude": 44.2, "longitude": -100.2},
                               "semiMajorAxis": 30, "semiMinorAxis": 10}});
    let spectra = json!([{"resolutionBwHz": 6e6,
        "profiles": [[{"hz": 470e6, "dbm": 20.0}, {"hz": 476e6, "dbm": 20.0}]]}]);
    vec![
        json!({"jsonrpc": "2.0", "id": 1, "method": "spectrum.paws.init",
               "params": {"type": "INIT_REQ", "version": "1.0", "deviceDesc": dev, "location": loc}}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "spectrum.paws.getSpectrum",
               "params": {"type": "AVAIL_SPECTRUM_REQ", "version": "1.0", "deviceDesc": dev,
                          "location": loc, "antenna": {"height": 2.0}}}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "spectrum.paws.getSpectrumBatch",
               "params": {"type": "AVAIL_SPECTRUM_BATCH_REQ", "version": "1.0", "deviceDesc": dev,
                          "locations": [loc, loc]}}),
        json!({"jsonrpc": "2.0", "id": 4, "method": "spectrum.paws.notifySpectrumUse",
               "params": {"type": "SPECTRUM_USE_NOTIFY", "version": "1.0", "deviceDesc": dev,
                          "location": loc, "spectra": spectra}}),
        json!({"jsonrpc": "2.0", "id": 5, "method": "spectrum.paws.verifyDevice",
               "params": {"type": "DEV_VALID_REQ", "version": "1.0", "deviceDescs": [dev]}}),
    ]
}

/// Every leaf path of a JSON value, as JSON pointers.
fn pointers(v: &Value, prefix: String, out: &mut Vec<String>) {
    out.push(prefix.clone());
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                pointers(c, format!("{prefix}/{k}"), out);
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                pointers(c, format!("{prefix}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn valid_requests_succeed() {
    for r in valid_requests() {
        let resp = service().handle_value(r.clone(), 1_800_000_000);
        check(&resp);
        assert!(resp.error.is_none(), "{r}: {:?}", resp.error);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(body in prop::collection::vec(any::<u8>(), 0..512)) {
        check(&service().handle_body(&body, 1_800_000_000));
    }

    #[test]
    fn arbitrary_json(v in arb_json()) {
        check(&service().handle_value(v.clone(), 1_800_000_000));
        let wrapped = json!({"jsonrpc": "2.0", "method": "spectrum.paws.getSpectrum", "params": v, "id": 1});
        check(&service().handle_value(wrapped, 1_800_000_000));
    }

    #[test]
    fn mutated_valid_requests(which in 0usize..5, pick in any::<prop::sample::Index>(),
                              op in 0u8..3, replacement in arb_json()) {
        let mut req = valid_requests()[which].clone();
        let mut ptrs = Vec::new();
        pointers(&req, String::new(), &mut ptrs);
        let p = pick.get(&ptrs).clone();
        if p.is_empty() {
            req = replacement;
        } else {
            let (parent, key) = p.rsplit_once('/').unwrap();
            let parent = req.pointer_mut(parent).unwrap();
            match (op, parent) {
                (0, Value::Object(m)) => { m.remove(key); }
                (0, Value::Array(a)) => { a.remove(key.parse::<usize>().unwrap()); }
                (1, Value::Object(m)) => { m.insert(key.to_owned(), replacement); }
                (1, Value::Array(a)) => { a[key.parse::<usize>().unwrap()] = replacement; }
                (_, Value::Object(m)) => { m.insert(key.to_owned(), Value::from("wrong type")); }
                (_, Value::Array(a)) => { a[key.parse::<usize>().unwrap()] = Value::from(-1e300); }
                _ => {}
            }
        }
        let resp = service().handle_value(req, 1_800_000_000);
        check(&resp);
    }
}
