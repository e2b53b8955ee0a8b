#!/usr/bin/env python3
"""Writes small files of known formats (PNG 1.0/1.1/1.2, PDF 1.0-2.0, GIF 87a/89a, JFIF
1.00-1.02, WARC 1.0/1.1, JSON, XML, plain text) into a folder, for checking Exhibit's PRONOM
identification against fido's.  usage: make-formats.py DIR"""
import os, struct, sys, zlib

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

def png(extra):
    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    idat = chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
    return b"\x89PNG\r\n\x1a\n" + ihdr + extra + idat + chunk(b"IEND", b"")

files = {
    "png10.png": png(b""),
    "png11.png": png(chunk(b"sRGB", b"\x00")),
    "png12.png": png(chunk(b"iTXt", b"Comment\x00\x00\x00\x00\x00made by a test")),
    "gif87a.gif": b"GIF87a\x01\x00\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
    "gif89a.gif": b"GIF89a\x01\x00\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
    "warc10.warc": b"WARC/1.0\r\nWARC-Type: warcinfo\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000000>\r\nWARC-Date: 2026-01-01T00:00:00Z\r\nContent-Length: 0\r\n\r\n\r\n\r\n",
    "warc11.warc": b"WARC/1.1\r\nWARC-Type: warcinfo\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000000>\r\nWARC-Date: 2026-01-01T00:00:00Z\r\nContent-Length: 0\r\n\r\n\r\n\r\n",
    "data.xml": b'<?xml version="1.0" encoding="UTF-8"?>\n<a>b</a>\n',
    "notes.txt": b"plain words, no signature\n",
}
for version in ["1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "2.0"]:
    files[f"pdf{version.replace('.', '')}.pdf"] = (f"%PDF-{version}\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n").encode("latin-1")
for minor in [0, 1, 2]:
    files[f"jfif10{minor}.jpg"] = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes([minor]) + b"\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
for name, data in files.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
print(len(files))
