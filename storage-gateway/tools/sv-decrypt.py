#!/usr/bin/env python3
"""Decrypt one object of an encrypted SyncVault store without SyncVault (format in ../README.md).

usage: sv-decrypt.py STORE_ROOT STORE_NAME KEY [--passphrase-env VAR] > plaintext
  STORE_ROOT  a local copy of the store (the folder holding .syncvault/keys/ and the object files)
  STORE_NAME  the store's name in the gateway configuration (part of the associated data)
  KEY         the object key, e.g. docs/report.pdf (the file STORE_ROOT/KEY is read)
The passphrase is read from the environment variable named by --passphrase-env (default SYNCVAULT_PASSPHRASE).
Needs Python 3.8+ and the `cryptography` package; zstd-compressed objects also need `zstandard`.
"""
import argparse, base64, glob, hashlib, hmac, json, os, struct, sys, zlib
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives import hashes


def master_key(root, passphrase):
    files = sorted(glob.glob(os.path.join(root, ".syncvault", "keys", "*.json")))
    for path in files:
        with open(path) as f:
            k = json.load(f)
        if k["format"] != 1 or k["kdf"] != "scrypt" or k["cipher"] != "AES-256-GCM":
            continue
        kek = hashlib.scrypt(passphrase.encode(), salt=base64.b64decode(k["salt"]), n=k["n"], r=k["r"], p=k["p"],
                             maxmem=256 * 1024 * 1024, dklen=32)
        try:
            master = AESGCM(kek).decrypt(base64.b64decode(k["nonce"]), base64.b64decode(k["wrappedKey"]),
                                         ("syncvault-key-v1:" + k["keyId"]).encode())
        except Exception:
            continue
        key_id = hmac.new(master, b"syncvault-master-key-id", hashlib.sha256).hexdigest()[:16]
        if key_id == k["masterKeyId"]:
            return master
    sys.exit("the passphrase opens none of the %d key files" % len(files))


def decrypt(master, store, key, f, out):
    header = f.read(10)
    if len(header) < 10 or header[:4] != b"SVGW" or header[4] != 1:
        sys.exit("not a SyncVault encrypted object (format 1)")
    compression = header[5]
    segment_size = struct.unpack(">I", header[6:10])[0]
    aad = header + store.encode() + b"\0" + key.encode()
    tink_header = f.read(40)  # 1 byte length (40), 32 bytes salt, 7 bytes nonce prefix
    if len(tink_header) != 40 or tink_header[0] != 40:
        sys.exit("bad streaming AEAD header")
    salt, prefix = tink_header[1:33], tink_header[33:40]
    object_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=aad).derive(master)
    aes = AESGCM(object_key)
    index = 0
    size = segment_size - 40  # the first segment shares its room with the header
    segment = f.read(size)
    while True:
        following = f.read(segment_size)
        last = len(following) == 0
        nonce = prefix + struct.pack(">I", index) + (b"\1" if last else b"\0")
        out(aes.decrypt(nonce, segment, None))  # raises on any tampering
        if last:
            return compression
        segment, index = following, index + 1


def main():
    a = argparse.ArgumentParser()
    a.add_argument("root"); a.add_argument("store"); a.add_argument("key")
    a.add_argument("--passphrase-env", default="SYNCVAULT_PASSPHRASE")
    args = a.parse_args()
    passphrase = os.environ.get(args.passphrase_env)
    if not passphrase:
        sys.exit("set %s to the passphrase" % args.passphrase_env)
    master = master_key(args.root, passphrase)
    with open(os.path.join(args.root, args.key), "rb") as f:
        peek = f.read(10); f.seek(0)
        compression = peek[5] if len(peek) == 10 else 0
        sink = sys.stdout.buffer
        if compression == 1:
            inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            write = lambda b: sink.write(inflater.decompress(b))
        elif compression == 2:
            import zstandard
            zstd = zstandard.ZstdDecompressor().decompressobj()
            write = lambda b: sink.write(zstd.decompress(b))
        else:
            write = sink.write
        decrypt(master, args.store, args.key, f, write)
        if compression == 1:
            sink.write(inflater.flush())
        sink.flush()


if __name__ == "__main__":
    main()
