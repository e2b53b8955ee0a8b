#!/usr/bin/env python3
"""Frames a capture folder as one input of bag-verify-fuzz (see Fuzz/BagVerifyFuzz): each of its
files that the target knows, as [file number][2-byte length][bytes] chunks. Large payload files
(the PNG, the PDF) are left out; verify then reports them missing, which is a path worth fuzzing.
  scripts/fuzz-seed.py CAPTURE_FOLDER OUTPUT_FILE
"""
import os, sys

names = ["bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt", "tagmanifest-sha256.txt",
         "tagmanifest-sha512.txt", "data/capture.json", "data/post.json", "data/dom.html", "timestamps/127.0.0.1.tsr",
         "timestamps/127.0.0.1.tsq", "timestamps/timestamps.json", "report.html", "signature/manifest-sha256.txt.sig",
         "signature/public-key.pem", "data/screenshot.png", "data/archive.warc.gz", "data/archive.wacz"]
folder, output = sys.argv[1], sys.argv[2]
out = bytearray()
for number, name in enumerate(names):
    path = os.path.join(folder, name)
    if not os.path.isfile(path) or name in ("data/screenshot.png",) or os.path.getsize(path) > 200_000:
        continue
    data = open(path, "rb").read()
    for start in range(0, len(data), 65535):
        chunk = data[start:start + 65535]
        out += bytes([number]) + len(chunk).to_bytes(2, "big") + chunk
open(output, "wb").write(out)
print(f"{output}: {len(out)} bytes")
