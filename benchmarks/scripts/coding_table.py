#!/usr/bin/env python3
"""Turns the JMH JSON of FrameBench / CopyBench / DecodeStepBench into the tables of
docs/BENCHMARKS-coding.md. Every benchmark operation processes a whole gradient of n doubles, so
bytes/s = ops/s * 8n; ratios are against CopyBench.copy (System.arraycopy) at the same n, same run."""
import json
import sys

rows = json.load(open(sys.argv[1]))
res = {}
for r in rows:
    name = r["benchmark"].rsplit(".", 2)
    key = (name[-2] + "." + name[-1], r["params"].get("kind", ""), r["params"].get("decoder", ""), int(r["params"]["n"]))
    assert r["primaryMetric"]["scoreUnit"] == "ops/s", r["primaryMetric"]["scoreUnit"]
    res[key] = (r["primaryMetric"]["score"], r["primaryMetric"]["scoreError"])

ns = sorted({k[3] for k in res})


def gbs(ops, n):
    return ops * 8 * n / 1e9


def cell(key):
    if key not in res:
        return "n/a"
    if key[0] == "FrameBench.newStepFrames" and key[1] == "IDENTITY":
        return "no work (one small object per block)"
    ops, err = res[key]
    n = key[3]
    copy = res[("CopyBench.copy", "", "", n)][0]
    return "%.2f GB/s (%.3gx copy; %.2f ns/param)" % (gbs(ops, n), ops / copy, 1e9 / (ops * n))


print("### Copy baseline (System.arraycopy of 8n bytes)\n")
print("| n | ops/s | GB/s | ns/param |")
print("|---:|---:|---:|---:|")
for n in ns:
    ops, err = res[("CopyBench.copy", "", "", n)]
    print("| %d | %.4g ± %.2g | %.2f | %.3f |" % (n, ops, err, gbs(ops, n), 1e9 / (ops * n)))

for bench, title in [("FrameBench.encode", "Encode: s_j = F_j^T g_j for every block"),
                     ("FrameBench.lift", "Lift (decode side): g_j = F_j s_j for every block"),
                     ("FrameBench.newStepFrames", "Building every block's frame for a new step")]:
    kinds = sorted({k[1] for k in res if k[0] == bench})
    print("\n### %s\n" % title)
    print("| n | " + " | ".join(kinds) + " |")
    print("|---:|" + "---:|" * len(kinds))
    for n in ns:
        print("| %d | " % n + " | ".join(cell((bench, kd, "", n)) for kd in kinds) + " |")

combos = sorted({(k[1], k[2]) for k in res if k[0] == "DecodeStepBench.decodeStep"})
if combos:
    print("\n### Whole decode step (fresh decoder and frames, all codewords but one, estimate written)\n")
    print("| n | " + " | ".join("%s / %s" % c for c in combos) + " |")
    print("|---:|" + "---:|" * len(combos))
    for n in ns:
        print("| %d | " % n + " | ".join(cell(("DecodeStepBench.decodeStep", c[0], c[1], n)) for c in combos) + " |")

print("\n### Raw scores (ops/s ± 99.9% error as printed by JMH)\n")
print("| benchmark | kind | decoder | n | ops/s |")
print("|---|---|---|---:|---:|")
for k in sorted(res):
    print("| %s | %s | %s | %d | %.4g ± %.2g |" % (k[0], k[1] or "-", k[2] or "-", k[3], res[k][0], res[k][1]))
