//! PDCCH UE-specific search space and PDSCH resource allocation types 0/1/2 through our
//! own transmitter and receiver: a DCI placed in the UE-specific space of an RNTI is found
//! with that RNTI (and not with another, nor outside the space), and the transport block
//! of DCI format 1 (type 0 and type 1), 1A (localized and distributed) and 1C decodes with
//! CRC ok, one subframe through the `Receiver` and a whole capture through cell search and
//! `receive_capture` (what `lastmile decode` runs).

use lastmile_phy::cellsearch::{search, SearchConfig};
use lastmile_phy::dci::{self, Dci};
use lastmile_phy::mib::PhichResource;
use lastmile_phy::numerology::CyclicPrefix;
use lastmile_phy::pdcch::{self, ControlRegion, SearchSpace};
use lastmile_phy::pdsch::{self, receive_capture, CellConfig, Receiver, Transmitter, TxDci};
use lastmile_phy::{pcfich, phich, ra, Complex32};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const RATE_25: f64 = 7.68e6;

fn cell(n_prb: usize, ports: usize) -> CellConfig {
    CellConfig {
        pci: 101,
        n_prb,
        cp: CyclicPrefix::Normal,
        ports,
        phich_resource: PhichResource::One,
    }
}

fn n_cce(c: &CellConfig, cfi: u8) -> usize {
    let n_ctrl = pcfich::control_symbols(cfi, c.n_prb);
    let groups = phich::n_groups(c.phich_resource, c.n_prb, c.cp);
    ControlRegion::new(c.n_prb, c.ports, c.pci, n_ctrl, groups).n_cce
}

fn payload_for(d: &Dci, rnti: u16, n_prb: usize, rng: &mut ChaCha8Rng) -> Vec<u8> {
    let a = pdsch::assignment(d, rnti, n_prb).unwrap().unwrap();
    (0..a.tbs).map(|_| rng.gen_range(0..2u8)).collect()
}

fn gains(ports: usize) -> Vec<Complex32> {
    [
        Complex32::new(0.8, 0.3),
        Complex32::new(-0.2, 0.7),
        Complex32::new(0.5, -0.4),
        Complex32::new(-0.6, -0.1),
    ][..ports]
        .to_vec()
}

fn add_noise(x: &mut [Complex32], snr_db: f32, rng: &mut ChaCha8Rng) {
    let p = x.iter().map(|v| v.norm_sqr()).sum::<f32>() / x.len() as f32;
    let s = (p / 10f32.powf(snr_db / 10.0) / 2.0).sqrt();
    for v in x {
        let g = |r: &mut ChaCha8Rng| {
            let (a, b): (f32, f32) = (r.gen_range(1e-7..1.0), r.gen_range(0.0..1.0));
            (-2.0 * a.ln()).sqrt() * (std::f32::consts::TAU * b).cos()
        };
        *v += Complex32::new(g(rng), g(rng)) * s;
    }
}

#[test]
fn ue_specific_dci_found_only_with_its_rnti_and_space() {
    let mut rng = ChaCha8Rng::seed_from_u64(31);
    let c = cell(25, 2);
    let cfi = 2;
    let n = n_cce(&c, cfi);
    let rnti = 0x4601u16;
    let sf = 3;
    let space = pdcch::candidates(SearchSpace::UeSpecific, n, rnti, sf);
    // An aggregation-1 candidate (never in the common space).
    let cand = *space.iter().find(|x| x.1 == 1).unwrap();
    let nb = 25usize.div_ceil(ra::rbg_size(25));
    let mut bitmap = vec![0u8; nb];
    bitmap[2] = 1;
    bitmap[7] = 1;
    bitmap[12] = 1;
    let d = Dci::F1 {
        alloc_type1: false,
        bitmap,
        mcs: 9,
        harq: 1,
        ndi: true,
        rv: 0,
        tpc: 0,
    };
    let payload = payload_for(&d, rnti, 25, &mut rng);
    let mut tx = Transmitter::new(c, RATE_25).unwrap();
    let mut send = |cce: (usize, usize)| {
        let t = TxDci {
            rnti,
            dci: d.clone(),
            payload: payload.clone(),
            cce,
            rv_unsignalled: 0,
        };
        let mut x = tx.subframe_dci(sf, 0, cfi, &gains(2), &[t]).unwrap();
        add_noise(&mut x, 20.0, &mut rng);
        x
    };
    let x = send(cand);
    let mut rx = Receiver::new(c, RATE_25).unwrap();
    let r = rx.receive(&x, sf, &[rnti], false).unwrap();
    assert_eq!(r.cfi.0, cfi);
    assert_eq!(r.blocks.len(), 1, "{:?}", r.blocks);
    let b = &r.blocks[0];
    assert_eq!((b.rnti, b.cce), (rnti, cand));
    assert_eq!(b.dci, d);
    assert!(b.crc_ok);
    assert_eq!(b.payload, payload);
    // Another C-RNTI, or the SI/P/RA default, finds nothing.
    assert!(rx
        .receive(&x, sf, &[0x4602], false)
        .unwrap()
        .blocks
        .is_empty());
    assert!(rx.receive(&x, sf, &[], false).unwrap().blocks.is_empty());
    // The same DCI on a CCE where no candidate of this RNTI's space starts (format 1 is
    // never looked for in the common space) is not found.
    let outside = (0..n)
        .map(|i| (i, 1))
        .find(|x| !space.iter().any(|c| c.0 == x.0))
        .unwrap();
    let x = send(outside);
    assert!(rx
        .receive(&x, sf, &[rnti], false)
        .unwrap()
        .blocks
        .is_empty());
}

/// One subframe per allocation type through the receiver, 1, 2 and 4 ports, 25 PRB.
#[test]
fn allocation_types_roundtrip_one_subframe() {
    let mut rng = ChaCha8Rng::seed_from_u64(32);
    for ports in [1usize, 2, 4] {
        let c = cell(25, ports);
        let cfi = 3;
        let n = n_cce(&c, cfi);
        let crnti = 0x2222u16;
        let sf = 6;
        let ue = pdcch::candidates(SearchSpace::UeSpecific, n, crnti, sf);
        let ue4 = *ue.iter().find(|x| x.1 == 4).unwrap();
        let nb = 13;
        let cases: Vec<(u16, Dci, (usize, usize))> = vec![
            // DCI 1, type 0: RBGs 0, 3, 4, 12 → PRBs 0,1,6–9,24.
            (
                crnti,
                Dci::F1 {
                    alloc_type1: false,
                    bitmap: (0..nb)
                        .map(|i| u8::from([0, 3, 4, 12].contains(&i)))
                        .collect(),
                    mcs: 16,
                    harq: 0,
                    ndi: false,
                    rv: 0,
                    tpc: 0,
                },
                ue4,
            ),
            // DCI 1, type 1: subset 1, shifted, bits 0…10.
            (
                crnti,
                Dci::F1 {
                    alloc_type1: true,
                    bitmap: ra::type1_emit(1, true, &(0..11).collect::<Vec<_>>(), 25).unwrap(),
                    mcs: 5,
                    harq: 2,
                    ndi: true,
                    rv: 0,
                    tpc: 1,
                },
                ue4,
            ),
            // DCI 1A distributed for a C-RNTI.
            (
                crnti,
                Dci::F1A {
                    distributed: true,
                    riv: dci::riv_encode(3, 9, 25),
                    mcs: 12,
                    harq: 0,
                    ndi: false,
                    rv: 0,
                    tpc: 0,
                },
                ue4,
            ),
            // DCI 1A distributed for the SI-RNTI (N_PRB^1A = 3, QPSK).
            (
                0xFFFF,
                Dci::F1A {
                    distributed: true,
                    riv: dci::riv_encode(0, 8, 25),
                    mcs: 9,
                    harq: 0,
                    ndi: false,
                    rv: 1,
                    tpc: 1,
                },
                (0, 4),
            ),
            // DCI 1C for the P-RNTI: N' = 24/2 = 12, RIV of (2, 5) → VRBs 4…13.
            (
                0xFFFE,
                Dci::F1C {
                    gap: false,
                    riv: dci::riv_encode(2, 5, 12),
                    tbs_index: 11,
                },
                (4, 4),
            ),
        ];
        for (rnti, d, cce) in cases {
            let payload = payload_for(&d, rnti, 25, &mut rng);
            let t = TxDci {
                rnti,
                dci: d.clone(),
                payload: payload.clone(),
                cce,
                rv_unsignalled: 2,
            };
            let mut tx = Transmitter::new(c, RATE_25).unwrap();
            let mut x = tx.subframe_dci(sf, 0, cfi, &gains(ports), &[t]).unwrap();
            add_noise(&mut x, 22.0, &mut rng);
            let mut rx = Receiver::new(c, RATE_25).unwrap();
            let r = rx.receive(&x, sf, &[rnti], false).unwrap();
            let b = r
                .blocks
                .iter()
                .find(|b| b.rnti == rnti)
                .unwrap_or_else(|| panic!("{ports} ports {d:?}: not found"));
            assert_eq!(b.dci, d);
            assert_eq!(b.cce, cce);
            assert!(b.crc_ok, "{ports} ports {d:?}");
            assert_eq!(b.payload, payload);
        }
    }
}

/// A whole capture (10 subframes with PSS/SSS/PBCH, CFO and delay) through cell search and
/// `receive_capture`: the DCI 1 type-0 block for a C-RNTI comes back with CRC ok.
#[test]
fn dci1_type0_capture_through_decode_chain() {
    let mut rng = ChaCha8Rng::seed_from_u64(33);
    let c = cell(25, 2);
    let crnti = 0x0BEEu16;
    let sf = 4;
    let cfi = 2;
    let n = n_cce(&c, cfi);
    let cce = *pdcch::candidates(SearchSpace::UeSpecific, n, crnti, sf)
        .iter()
        .find(|x| x.1 == 2)
        .unwrap();
    let d = Dci::F1 {
        alloc_type1: false,
        bitmap: (0..13).map(|i| u8::from(i % 2 == 1)).collect(),
        mcs: 20,
        harq: 3,
        ndi: true,
        rv: 0,
        tpc: 0,
    };
    let payload = payload_for(&d, crnti, 25, &mut rng);
    let mut tx = Transmitter::new(c, RATE_25).unwrap();
    let mut x: Vec<Complex32> = vec![Complex32::default(); 1111];
    for s in 0..10 {
        let dcis = if s == sf {
            vec![TxDci {
                rnti: crnti,
                dci: d.clone(),
                payload: payload.clone(),
                cce,
                rv_unsignalled: 0,
            }]
        } else {
            vec![]
        };
        x.extend(tx.subframe_dci(s, 8, cfi, &gains(2), &dcis).unwrap());
    }
    let cfo = 1500.0;
    for (i, v) in x.iter_mut().enumerate() {
        let ph = std::f64::consts::TAU * cfo * i as f64 / RATE_25;
        *v *= Complex32::new(ph.cos() as f32, ph.sin() as f32);
    }
    add_noise(&mut x, 25.0, &mut rng);
    let cells = search(&x, RATE_25, &SearchConfig::default()).unwrap();
    assert_eq!(cells[0].pci, c.pci);
    assert_eq!(cells[0].mib.map(|m| m.mib.n_prb), Some(25));
    let (cfg, sfs) = receive_capture(&x, RATE_25, &cells[0], &[crnti], false).unwrap();
    assert_eq!(cfg.ports, 2);
    let blocks: Vec<_> = sfs.iter().flat_map(|s| s.rx.blocks.iter()).collect();
    assert_eq!(blocks.len(), 1, "{blocks:?}");
    assert_eq!(blocks[0].dci, d);
    assert!(blocks[0].crc_ok);
    assert_eq!(blocks[0].payload, payload);
}
