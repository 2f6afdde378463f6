#!/usr/bin/env python3
"""Turbo reference curves of scripts/turbo-curves.sh.

  plot-turbo-curves.py merge TMPDIR K OUT.csv
      join TMPDIR/{lastmile,itpp}_kK_{max-log,max-log-scaled}.csv (the `lastmile link` CSV
      columns) into OUT.csv: ebn0_db,decoder,lastmile_ber,lastmile_bler,
      lastmile_block_errors,lastmile_blocks,itpp_ber,itpp_bler,itpp_block_errors,itpp_blocks
      (standard library only).
  plot-turbo-curves.py plot
      results/reference/turbo_k{6144,1024,40}.csv (+ the measured IT++/srsRAN/AFF3CT K=6144
      points of ../shared/refdata/lte/spec/measured_turbo_k6144_awgn.csv when present) into
      results/reference/turbo_curves.png (needs matplotlib).
"""
import csv
import os
import sys

OUT = "results/reference"
REF = "../shared/refdata/lte/spec/measured_turbo_k6144_awgn.csv"
DECODERS = ["max-log", "max-log-scaled"]
KS = [6144, 1024, 40]
COLS = ["ber", "bler", "block_errors", "num_blocks"]


def merge(tmp, k, out):
    rows = []
    for dec in DECODERS:
        tabs = {}
        for who in ["lastmile", "itpp"]:
            with open(os.path.join(tmp, f"{who}_k{k}_{dec}.csv")) as f:
                tabs[who] = {round(float(r["ebn0_db"]), 4): r for r in csv.DictReader(f)}
        for x in sorted(tabs["lastmile"]):
            a, b = tabs["lastmile"][x], tabs["itpp"].get(x)
            if b is None:
                sys.exit(f"IT++ has no point at {x} dB for K={k} {dec}")
            rows.append([f"{x:g}", dec] + [a[c] for c in COLS] + [b[c] for c in COLS])
    hdr = ["ebn0_db", "decoder"]
    hdr += [f"lastmile_{c}" for c in ["ber", "bler", "block_errors", "blocks"]]
    hdr += [f"itpp_{c}" for c in ["ber", "bler", "block_errors", "blocks"]]
    tmp_out = out + ".tmp"
    with open(tmp_out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(hdr)
        w.writerows(rows)
    os.replace(tmp_out, out)
    print("wrote", out, file=sys.stderr)


def plot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(15, 8))
    for col, k in enumerate(KS):
        p = os.path.join(OUT, f"turbo_k{k}.csv")
        if not os.path.exists(p):
            continue
        rows = list(csv.DictReader(open(p)))
        for row_i, (metric, name) in enumerate([("bler", "BLER"), ("ber", "BER")]):
            ax = axes[row_i][col]
            for dec, color in zip(DECODERS, ["C0", "C1"]):
                for who, style, label in [("lastmile", "o-", "lastmile i16"), ("itpp", "s--", "IT++")]:
                    pts = [
                        (float(r["ebn0_db"]), float(r[f"{who}_{metric}"]))
                        for r in rows
                        if r["decoder"] == dec and float(r[f"{who}_{metric}"]) > 0
                    ]
                    if pts:
                        x, y = zip(*pts)
                        ax.semilogy(x, y, style, color=color, mfc="none" if who == "itpp" else color,
                                    label=f"{label} {dec}")
            if k == 6144 and os.path.exists(REF):
                lines = [l for l in open(REF) if not l.startswith("#")]
                groups = {}
                for r in csv.DictReader(lines):
                    if r["full_iterations"] != "8" or "LOGMAP" in r["algorithm"] or float(r["fer"] or 0) <= 0:
                        continue
                    key = r["decoder"].split(" (")[0].split(" srsran")[0][:18] + ", " + r["algorithm"][:22]
                    groups.setdefault(key, []).append(r)
                for dec, rs in groups.items():
                    v = "fer" if metric == "bler" else "ber"
                    pts = [(float(r["ebn0_db"]), float(r[v])) for r in rs if float(r[v] or 0) > 0]
                    if pts:
                        x, y = zip(*pts)
                        ax.semilogy(x, y, "x:", label=f"{dec} (measured ref)")
            ax.set_xlabel("Eb/N0 [dB]")
            ax.set_ylabel(name)
            ax.grid(True, which="both", alpha=0.3)
            ax.set_title(f"K={k}: {name}, BPSK/AWGN, 8 it")
            ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(os.path.join(OUT, "turbo_curves.png"), dpi=100)
    print("wrote", os.path.join(OUT, "turbo_curves.png"), file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "merge":
        merge(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif len(sys.argv) == 2 and sys.argv[1] == "plot":
        plot()
    else:
        sys.exit(__doc__)
