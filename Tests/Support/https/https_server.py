#!/usr/bin/env python3
"""Serves a folder over HTTPS on 127.0.0.1 for the tests, with a throwaway certificate.

Usage: https_server.py ROOT CERT KEY. Prints the port on its first line; exits when its standard
input closes (the test process ended)."""
import http.server
import ssl
import sys
import threading
from functools import partial

root, cert, key = sys.argv[1:4]


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=root))
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.minimum_version = ssl.TLSVersion.TLSv1_2
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
