#!/usr/bin/env python3
"""Plays the attacker in the verify tests: changes a finished capture the way someone with write
access to the folder (but none of the keys) would, then makes the bag self-consistent again.

  attacker.py retag BAG        rewrite Payload-Oxum and both tag manifests over the bag as it is now
  attacker.py rehash BAG       rewrite both payload manifests over data/ as it is now, then retag
  attacker.py resign BAG       sign manifest-sha256.txt with a new Ed25519 key (replacing the signature)
"""
import hashlib, os, sys


def files(root):
    for folder, _, names in os.walk(root):
        for name in names:
            yield os.path.relpath(os.path.join(folder, name), root)


def retag(root):
    payload = [p for p in files(root) if p.startswith("data/")]
    octets = sum(os.path.getsize(os.path.join(root, p)) for p in payload)
    info = os.path.join(root, "bag-info.txt")
    lines = [l for l in open(info).read().splitlines() if not l.startswith("Payload-Oxum:")]
    lines.append(f"Payload-Oxum: {octets}.{len(payload)}")
    open(info, "w").write("\n".join(lines) + "\n")
    tags = sorted(p for p in files(root) if not p.startswith("data/") and p not in ("tagmanifest-sha256.txt", "tagmanifest-sha512.txt"))
    for algorithm in ("sha256", "sha512"):
        with open(os.path.join(root, f"tagmanifest-{algorithm}.txt"), "w") as out:
            for path in tags:
                digest = hashlib.new(algorithm, open(os.path.join(root, path), "rb").read()).hexdigest()
                out.write(f"{digest}  {path}\n")


def rehash(root):
    payload = sorted(p for p in files(root) if p.startswith("data/"))
    for algorithm in ("sha256", "sha512"):
        with open(os.path.join(root, f"manifest-{algorithm}.txt"), "w") as out:
            for path in payload:
                digest = hashlib.new(algorithm, open(os.path.join(root, path), "rb").read()).hexdigest()
                out.write(f"{digest}  {path}\n")
    retag(root)


def resign(root):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    key = Ed25519PrivateKey.generate()
    manifest = open(os.path.join(root, "manifest-sha256.txt"), "rb").read()
    os.makedirs(os.path.join(root, "signature"), exist_ok=True)
    open(os.path.join(root, "signature/manifest-sha256.txt.sig"), "wb").write(key.sign(manifest))
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    open(os.path.join(root, "signature/public-key.pem"), "wb").write(pem)
    retag(root)


{"retag": retag, "rehash": rehash, "resign": resign}[sys.argv[1]](sys.argv[2])
