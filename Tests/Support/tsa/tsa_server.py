#!/usr/bin/env python3
"""A loopback RFC 3161 TSA for the tests: `openssl ts -reply` behind http.server.

Prints its port on stdout and serves until its standard input closes (so it ends with the test
process that started it). Paths:
  /rsa /ec /other /short   a real token from that TSA section of openssl-tsa.cnf
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
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        path = self.path.strip("/")
        try:
            if path in ("rsa", "ec", "other", "short"):
                return self.send(200, reply("tsa_" + path, query))
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


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()  # returns when the parent closes our stdin or exits
