#!/usr/bin/env python3
"""The share of seal verification in the requests that sealed packs, from a local-cloud log (a ManyFilesProfile or
local-cloud run's output): per request id, the function's 'SealVerifyMs' metrics (the pack's SHA-256, then each entry
decoded and hashed; the object's read excluded) against the request's own 'latencyMs'.

Usage: bench/seal-verify-share.py LOG
"""
import json
import sys
from collections import defaultdict

latency, route = {}, {}
verify, verified, seals = defaultdict(float), defaultdict(int), defaultdict(int)
with open(sys.argv[1], errors="replace") as log:
    for line in log:
        if not line.startswith("{"):
            continue
        try:
            e = json.loads(line)
        except ValueError:
            continue
        rid = e.get("requestId")
        if "latencyMs" in e and "route" in e:
            latency[rid], route[rid] = e["latencyMs"], e["route"]
        if "SealVerifyMs" in e:
            verify[rid] += e["SealVerifyMs"]
            verified[rid] += e.get("SealVerifiedBytes", 0)
            seals[rid] += 1

for r in sorted({route[rid] for rid in verify if rid in route}):
    ids = [rid for rid in verify if route.get(rid) == r]
    lat = sum(latency[rid] for rid in ids)
    ver = sum(verify[rid] for rid in ids)
    mb = sum(verified[rid] for rid in ids) / 1e6
    shares = sorted(verify[rid] / latency[rid] for rid in ids if latency[rid] > 0)
    print(f"{r}: {len(ids)} requests that verified {sum(seals[rid] for rid in ids)} packs ({mb:.1f} MB stored); "
          f"verification {ver:.0f} ms of {lat:.0f} ms ({100 * ver / lat:.1f} %); per request median "
          f"{100 * shares[len(shares) // 2]:.1f} %, max {100 * shares[-1]:.1f} %; {mb / (ver / 1000):.0f} MB/s of stored bytes")
