#!/usr/bin/env python3
"""Plays the attacker in the verify tests: changes a finished capture the way someone with write
access to the folder (but none of the keys) would, then makes the bag self-consistent again.

  attacker.py retag BAG        rewrite Payload-Oxum and both tag manifests over the bag as it is now
  attacker.py rehash BAG       rewrite both payload manifests over data/ as it is now, then retag
  attacker.py resign BAG       sign manifest-sha256.txt with a new Ed25519 key (replacing the signature)

The web archive (data/archive.warc.gz, data/archive.wacz), each followed by rehash:
  attacker.py warc-body BAG FILE URI    change one byte of the body of FILE's response for URI
                                        (FILE .wacz: of the WARC inside, datapackage.json and
                                        datapackage-digest.json rewritten to match)
  attacker.py warc-drop-last BAG        remove the last record of data/archive.warc.gz (the rest stay valid)
  attacker.py warc-capture-id BAG ID    make data/archive.warc.gz's warcinfo name capture ID, digests recomputed
  attacker.py wacz-entry BAG ENTRY      change one byte of ENTRY inside data/archive.wacz (datapackage.json untouched)
"""
import gzip, hashlib, io, json, os, re, sys, zipfile, zlib


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


def members(data):
    """Each gzip member of a .warc.gz with its decompressed record: (compressed, plain)."""
    out = []
    while data:
        inflater = zlib.decompressobj(31)
        plain = inflater.decompress(data) + inflater.flush()
        used = len(data) - len(inflater.unused_data)
        out.append((data[:used], plain))
        data = inflater.unused_data
    return out


def split_record(plain):
    head, _, rest = plain.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?im)^Content-Length:\s*(\d+)", head).group(1))
    return head, rest[:length]


def field(head, name):
    match = re.search(rb"(?im)^" + re.escape(name.encode()) + rb":\s*(.*?)\r?$", head)
    return match.group(1).decode() if match else None


def change_body_byte(warc, uri):
    """The WARC's bytes with one body byte of the response for uri changed, its member re-gzipped,
    so the gzip stays valid and only the record's digests can tell."""
    out, done = [], False
    for compressed, plain in members(warc):
        head, block = split_record(plain)
        if not done and field(head, "WARC-Type") == "response" and field(head, "WARC-Target-URI") == uri:
            body_start = block.index(b"\r\n\r\n") + 4
            assert len(block) > body_start, "the response has no body"
            index = body_start + (len(block) - body_start) // 2
            block = block[:index] + bytes([block[index] ^ 0x01]) + block[index + 1:]
            compressed = gzip.compress(head + b"\r\n\r\n" + block + b"\r\n\r\n")
            done = True
        out.append(compressed)
    assert done, f"no response record for {uri}"
    return b"".join(out)


def rewrite_wacz(root, change, update_datapackage):
    """Rewrites data/archive.wacz entry by entry (each kept stored or deflated as it was), with
    change(name, data) applied; datapackage.json and its digest recomputed when asked."""
    path = os.path.join(root, "data/archive.wacz")
    with zipfile.ZipFile(path) as zin:
        entries = [(info, change(info.filename, zin.read(info.filename))) for info in zin.infolist()]
    contents = {info.filename: data for info, data in entries}
    if update_datapackage:
        package = json.loads(contents["datapackage.json"])
        for resource in package["resources"]:
            data = contents[resource["path"]]
            resource["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
            resource["bytes"] = len(data)
        contents["datapackage.json"] = (json.dumps(package) + "\n").encode()
        digest = hashlib.sha256(contents["datapackage.json"]).hexdigest()
        contents["datapackage-digest.json"] = (json.dumps({"path": "datapackage.json", "hash": "sha256:" + digest}) + "\n").encode()
    with zipfile.ZipFile(path, "w") as zout:
        for info, _ in entries:
            zout.writestr(info, contents[info.filename])


def warc_body(root, name, uri):
    if name.endswith(".wacz"):
        rewrite_wacz(root, lambda entry, data: change_body_byte(data, uri) if entry.startswith("archive/") else data, True)
    else:
        path = os.path.join(root, name)
        data = open(path, "rb").read()
        open(path, "wb").write(change_body_byte(data, uri))
    rehash(root)


def warc_drop_last(root):
    path = os.path.join(root, "data/archive.warc.gz")
    parts = members(open(path, "rb").read())
    open(path, "wb").write(b"".join(compressed for compressed, _ in parts[:-1]))
    rehash(root)


def warc_capture_id(root, capture_id):
    path = os.path.join(root, "data/archive.warc.gz")
    parts = members(open(path, "rb").read())
    head, block = split_record(parts[0][1])
    assert field(head, "WARC-Type") == "warcinfo"
    block = re.sub(rb"(?m)^captureId: .*?(\r?)$", b"captureId: " + capture_id.encode() + rb"\1", block)
    head = re.sub(rb"(?im)^Content-Length: \d+", b"Content-Length: " + str(len(block)).encode(), head)
    head = re.sub(rb"(?im)^WARC-Block-Digest: [^\r\n]*", b"WARC-Block-Digest: sha256:" + hashlib.sha256(block).hexdigest().encode(), head)
    first = gzip.compress(head + b"\r\n\r\n" + block + b"\r\n\r\n")
    open(path, "wb").write(first + b"".join(compressed for compressed, _ in parts[1:]))
    rehash(root)


def wacz_entry(root, entry):
    def change(name, data):
        if name != entry:
            return data
        index = len(data) // 2
        return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1:]
    rewrite_wacz(root, change, False)
    rehash(root)


actions = {"retag": retag, "rehash": rehash, "resign": resign, "warc-body": warc_body, "warc-drop-last": warc_drop_last,
           "warc-capture-id": warc_capture_id, "wacz-entry": wacz_entry}
actions[sys.argv[1]](*sys.argv[2:])
