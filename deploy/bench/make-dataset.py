#!/usr/bin/env python3
"""Deterministic benchmark tree (the standard shape: 10,000 small compressible JSON files, 100 medium half-random files,
one large random file; 10,101 files, ~457 MB by default).
usage: make-dataset.py DIR [--small N] [--medium N] [--large-mb N] [--seed S]"""
import argparse, os, random

def text_blob(rng, n):
    words = ["sync", "state", "vector", "clock", "backup", "restore", "conflict", "manifest",
             "session", "memory", "settings", "theme", "fontSize", "lastOpenedFile", "true", "false"]
    out, size = [], 0
    while size < n:
        line = '{"%s": "%s", "n": %d}\n' % (rng.choice(words), rng.choice(words), rng.randrange(1 << 30))
        out.append(line); size += len(line)
    return "".join(out)[:n].encode()

def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir"); p.add_argument("--small", type=int, default=10000)
    p.add_argument("--medium", type=int, default=100); p.add_argument("--large-mb", type=int, default=256)
    p.add_argument("--seed", type=int, default=72)
    a = p.parse_args(); rng = random.Random(a.seed)
    for i in range(a.small):
        d = os.path.join(a.dir, "sessions", "d%03d" % (i % 100)); os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "s%05d.json" % i), "wb") as f: f.write(text_blob(rng, rng.randrange(1024, 16384)))
    for i in range(a.medium):
        d = os.path.join(a.dir, "memory"); os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "m%04d.bin" % i), "wb") as f:
            n = rng.randrange(100_000, 2_000_000); half = n // 2
            f.write(rng.randbytes(half)); f.write(text_blob(rng, n - half))
    if a.large_mb:
        d = os.path.join(a.dir, "blobs"); os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "large.bin"), "wb") as f:
            for _ in range(a.large_mb): f.write(rng.randbytes(1 << 20))

if __name__ == "__main__": main()
