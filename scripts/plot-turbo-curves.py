#!/usr/bin/env python3
"""Plot results/reference/turbo_*.csv (from scripts/turbo-curves.sh) with the measured
IT++/srsRAN/AFF3CT K=6144 reference points from ../shared/refdata (if present) into
results/reference/turbo_curves.png."""
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

out = "results/reference"
ref = "../shared/refdata/lte/spec/measured_turbo_k6144_awgn.csv"
fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.2))
for name, label in [
    ("turbo_k6144_maxlog", "lastmile K=6144 max-log"),
    ("turbo_k6144_maxlog_scaled", "lastmile K=6144 max-log ×0.75"),
    ("turbo_k1024_maxlog_scaled", "lastmile K=1024 max-log ×0.75"),
    ("turbo_k40_maxlog_scaled", "lastmile K=40 max-log ×0.75"),
]:
    p = os.path.join(out, name + ".csv")
    if not os.path.exists(p):
        continue
    rows = [r for r in csv.DictReader(open(p)) if float(r["bler"]) > 0]
    x = [float(r["ebn0_db"]) for r in rows]
    a1.semilogy(x, [float(r["bler"]) for r in rows], "o-", label=label)
    a2.semilogy(x, [float(r["ber"]) for r in rows], "o-", label=label)
if os.path.exists(ref):
    lines = [l for l in open(ref) if not l.startswith("#")]
    groups = {}
    for r in csv.DictReader(lines):
        if r["full_iterations"] != "8" or "LOGMAP" in r["algorithm"] or float(r["fer"] or 0) <= 0:
            continue
        key = r["decoder"].split(" (")[0].split(" srsran")[0][:18] + ", " + r["algorithm"][:22]
        groups.setdefault(key, []).append(r)
    for dec, rs in groups.items():
        x = [float(r["ebn0_db"]) for r in rs]
        a1.semilogy(x, [float(r["fer"]) for r in rs], "x--", label=f"{dec} (ref)")
        a2.semilogy(x, [float(r["ber"]) for r in rs], "x--", label=f"{dec} (ref)")
for a, t in [(a1, "BLER"), (a2, "BER")]:
    a.set_xlabel("Eb/N0 [dB]")
    a.set_ylabel(t)
    a.grid(True, which="both", alpha=0.3)
    a.set_title(f"LTE turbo, BPSK/AWGN, 8 iterations: {t}")
a1.legend(fontsize=7)
fig.tight_layout()
fig.savefig(os.path.join(out, "turbo_curves.png"), dpi=110)
print("wrote", os.path.join(out, "turbo_curves.png"), file=sys.stderr)
