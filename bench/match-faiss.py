"""FAISS baseline for bench/match.ts: HMA's PDQ index on the same data.

IndexBinaryMultiHash(256, nhash=16, b=16) with nflip=1, one thread, one query
per call (as HMA serves them). FAISS range_search keeps distances < radius, so
threshold T is radius T + 1. Prints one JSON object on stdout.

usage: match-faiss.py BASE QUERIES THRESHOLD MIN_SECONDS
  BASE, QUERIES: raw 32-byte hashes back to back
Match counts are reported for the first 200 queries (the benchmark cross-checks them).
"""
import json
import os
import sys
import time

import faiss
import numpy as np


def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def main():
    base_path, query_path, threshold, min_seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    faiss.omp_set_num_threads(1)
    xb = np.fromfile(base_path, dtype=np.uint8).reshape(-1, 32)
    xq = np.fromfile(query_path, dtype=np.uint8).reshape(-1, 32)
    before = resident_bytes()
    started = time.perf_counter()
    index = faiss.IndexBinaryMultiHash(256, 16, 16)
    index.nflip = 1
    index.add(xb)
    build_ms = (time.perf_counter() - started) * 1000
    index_bytes = resident_bytes() - before

    matches = []
    for q in xq[:200]:
        lims, _, _ = index.range_search(q[None, :], threshold + 1)
        matches.append(int(lims[1]))

    samples = []
    i = 0
    started = time.perf_counter()
    while time.perf_counter() - started < min_seconds or len(samples) < 20:
        q = xq[i % len(xq)][None, :]
        t0 = time.perf_counter()
        index.range_search(q, threshold + 1)
        samples.append((time.perf_counter() - t0) * 1e6)
        i += 1
    total = time.perf_counter() - started
    samples.sort()

    def pct(p):
        return samples[min(len(samples) - 1, max(0, -(-p * len(samples) // 100) - 1))]

    print(json.dumps({
        "build_ms": build_ms,
        "bytes_per_indicator": index_bytes / len(xb),
        "p50_us": pct(50),
        "p99_us": pct(99),
        "qps": len(samples) / total,
        "matches": matches,
        "version": faiss.__version__,
    }))


if __name__ == "__main__":
    main()
