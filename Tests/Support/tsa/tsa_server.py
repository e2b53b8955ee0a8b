#!/usr/bin/env python3
"""A loopback RFC 3161 TSA for the tests: `openssl ts -reply` behind http.server.

Prints its port on stdout and serves until its standard input closes (so it ends with the test
process that started it). Paths:
  /rsa /ec /ec384 /other /short   a real token from that TSA section of openssl-tsa.cnf
  /pss                     an RSA token whose signed attributes are signed again with RSA-PSS
                           (openssl pkeyutl, salt 32, SHA-256), its SignerInfo saying rsassaPss
  /wrong-nonce             a real RSA token for the same digest but another query's nonce
  /http500                 HTTP 500
  /garbage                 200 with bytes that are not ASN.1
  /reject                  200 with a TimeStampResp whose status is rejection (2)
  /slow                    answers after 30 s
"""
import http.server, os, subprocess, sys, tempfile, threading, time

folder = sys.argv[1]
lock = threading.Lock()  # `openssl ts -reply` updates one serial file


def openssl(*args, stdin=None):
    return subprocess.run(["openssl", *args], cwd=folder, input=stdin, capture_output=True, check=True).stdout


def tlv(data, offset):
    """(tag, header length, content length) of the DER element at offset."""
    tag, first = data[offset], data[offset + 1]
    if first < 0x80:
        return tag, 2, first
    count = first & 0x7F
    return tag, 2 + count, int.from_bytes(data[offset + 2:offset + 2 + count], "big")


def parse(data, offset=0, end=None):
    """A DER tree as [tag, children-or-bytes]; constructed tags (bit 0x20) are walked."""
    end = len(data) if end is None else end
    nodes = []
    while offset < end:
        tag, header, length = tlv(data, offset)
        body = data[offset + header:offset + header + length]
        nodes.append([tag, parse(body) if tag & 0x20 else body])
        offset += header + length
    return nodes


def encode(nodes):
    out = b""
    for tag, value in nodes:
        body = encode(value) if isinstance(value, list) else value
        n = len(body)
        length = bytes([n]) if n < 0x80 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, "big")
        out += bytes([tag]) + length + body
    return out


def to_pss(token_response):
    """Re-sign an RSA token's signed attributes with RSA-PSS and say so in its SignerInfo."""
    response = parse(token_response)[0]
    signed_data = response[1][1][1][1][1][0]         # TimeStampResp.timeStampToken.content[0].SignedData
    signer = signed_data[1][-1][1][0]                 # signerInfos[0]
    fields = signer[1]
    attributes = next(f for f in fields if f[0] == 0xA0)
    to_sign = encode([[0x31, attributes[1]]])
    with tempfile.TemporaryDirectory() as tmp:
        data, sig = os.path.join(tmp, "attrs"), os.path.join(tmp, "sig")
        open(data, "wb").write(to_sign)
        openssl("pkeyutl", "-sign", "-inkey", "tsa-rsa.key", "-rawin", "-digest", "sha256", "-in", data, "-out", sig,
                "-pkeyopt", "rsa_padding_mode:pss", "-pkeyopt", "rsa_pss_saltlen:32", "-pkeyopt", "rsa_mgf1_md:sha256")
        signature = open(sig, "rb").read()
    sha256 = [0x30, [[0x06, bytes.fromhex("608648016503040201")], [0x05, b""]]]
    mgf1 = [0x30, [[0x06, bytes.fromhex("2a864886f70d010108")], sha256]]
    pss = [0x30, [[0x06, bytes.fromhex("2a864886f70d01010a")],
                  [0x30, [[0xA0, [sha256]], [0xA1, [mgf1]], [0xA2, [[0x02, b"\x20"]]]]]]]
    index = fields.index(attributes)
    fields[index + 1] = pss                           # signatureAlgorithm
    fields[index + 2] = [0x04, signature]             # signature
    return encode([response])


def reply(section, query):
    with lock, tempfile.TemporaryDirectory() as tmp:
        q, r = os.path.join(tmp, "q.tsq"), os.path.join(tmp, "r.tsr")
        open(q, "wb").write(query)
        openssl("ts", "-reply", "-config", "openssl-tsa.cnf", "-section", section, "-queryfile", q, "-out", r)
        return open(r, "rb").read()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, status, body, kind="application/timestamp-reply"):
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first (the /slow route outlives its timeout on purpose)

    def do_POST(self):
        query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        path = self.path.strip("/")
        try:
            if path in ("rsa", "ec", "ec384", "other", "short"):
                return self.send(200, reply("tsa_" + path, query))
            if path == "pss":
                return self.send(200, to_pss(reply("tsa_rsa", query)))
            if path == "wrong-nonce":
                digest = query[query.index(b"\x04\x20") + 2:][:32]
                other = openssl("ts", "-query", "-digest", digest.hex(), "-sha256", "-cert")
                return self.send(200, reply("tsa_rsa", other))
            if path == "http500":
                return self.send(500, b"internal error", "text/plain")
            if path == "garbage":
                return self.send(200, b"this is not a timestamp response\n" * 3)
            if path == "reject":
                text = b"request refused by policy"
                status_string = b"\x30" + bytes([len(text) + 2]) + b"\x0c" + bytes([len(text)]) + text
                info = b"\x02\x01\x02" + status_string
                body = b"\x30" + bytes([len(info) + 2]) + b"\x30" + bytes([len(info)]) + info
                return self.send(200, body)
            if path == "slow":
                time.sleep(30)
                return self.send(200, reply("tsa_rsa", query))
            self.send(404, b"no such TSA", "text/plain")
        except Exception as error:  # a broken fixture must show, not hang the test
            self.send(500, str(error).encode(), "text/plain")


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client that hung up is not an error of the TSA under test


server = Server(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()  # returns when the parent closes our stdin or exits
