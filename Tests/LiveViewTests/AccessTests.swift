import ExhibitTestSupport
import Foundation
import LiveView
import Testing

/// Who may reach the live view: only the token's holder, only under loopback names, and the
/// WebSocket only from the page itself. Raw requests, so every header is the test's to choose.
@Suite("Live view: who may connect", .serialized, .hangGuard)
struct AccessTests {
    static func token(of server: LiveViewServer) throws -> String {
        let parts = server.url.split(separator: "/")
        return String(try #require(parts.last))
    }

    /// A server, its inputs, and a raw WebSocket client connected to it as its page would be.
    static func rawViewer(reading: Bool = true) async throws -> (LiveViewServer, InputTap, RawConnection) {
        // The idle limit is for connections that never upgrade; under a CI machine's load the
        // upgrade itself has taken longer than 10 s, and the viewer under test was closed.
        let server = try await LiveViewServer.start(title: "Site", idleLimit: .seconds(120))
        let tap = await InputTap.reading(server)
        do {
            return (server, tap, try await RawConnection.webSocket(port: server.port, path: "/\(try token(of: server))/ws",
                                                                   reading: reading))
        } catch {
            await server.stop()
            throw error
        }
    }

    @Test("the URL is http://127.0.0.1:PORT/TOKEN/ with a new 64-hex-digit token each start")
    func urlAndToken() async throws {
        let first = try await LiveViewServer.start(title: "One")
        let second = try await LiveViewServer.start(title: "Two")
        #expect(first.url == "http://127.0.0.1:\(first.port)/\(try Self.token(of: first))/")
        let token = try Self.token(of: first)
        #expect(token.count == 64 && token.allSatisfy(\.isHexDigit))
        #expect(token != (try Self.token(of: second)))
        #expect(first.port != second.port)
        await first.stop()
        await second.stop()
    }

    @Test("idle connections without the token cannot lock the person out: each is closed after the idle limit, and the page answers again")
    func idleConnectionsAreClosed() async throws {
        let server = try await LiveViewServer.start(title: "Site")
        let token = try Self.token(of: server)
        // More idle connections than the server has slots, as a local user could open.
        var idle: [RawConnection] = []
        for _ in 0..<70 { if let connection = try? await RawConnection.open(port: server.port) { idle.append(connection) } }
        try await Task.sleep(for: .seconds(12))
        let response = try await RawConnection.exchange(port: server.port, RawRequest(path: "/\(token)/", host: "127.0.0.1:\(server.port)"))
        #expect(response.status == 200)
        for connection in idle { await connection.close() }
        await server.stop()
    }

    @Test("every path without the exact token is the same bare 404, and no WebSocket")
    func wrongToken() async throws {
        let server = try await LiveViewServer.start(title: "Site")
        let token = try Self.token(of: server)
        let host = "127.0.0.1:\(server.port)"
        let other = String(token.reversed())
        let paths = ["/", "/favicon.ico", "/ws", "/\(token)", "/\(token.dropLast())/", "/\(token)0/", "/\(token.uppercased())/",
                     "/\(other)/", "/\(other)/ws", "/\(token)/other", "/\(token)/ws/", "//\(token)/", "/x/\(token)/",
                     "/\(token)%2F", "*"]
        var bodies: Set<String> = []
        for path in paths {
            let response = try await RawConnection.exchange(port: server.port, RawRequest(path: path, host: host))
            #expect(response.status == 404, "\(path): \(response.status)")
            #expect(!response.bodyText.contains(token.prefix(8)))
            bodies.insert(response.bodyText)
        }
        #expect(bodies == ["Not Found\n"])
        for path in ["/\(other)/ws", "/ws", "/\(token.dropLast())/ws"] {
            let upgrade = try await RawConnection.exchange(port: server.port, RawRequest(path: path, host: host, webSocket: true))
            #expect(upgrade.status == 404, "\(path): \(upgrade.status)")
        }
        await server.stop()
    }

    @Test("the page comes with no-store, no-referrer, frame denial and a policy that allows only its own script, style and socket")
    func pageHeaders() async throws {
        let server = try await LiveViewServer.start(title: #"Log in to <b>"Bluesky"</b> & co"#)
        let token = try Self.token(of: server)
        let response = try await RawConnection.exchange(port: server.port, RawRequest(path: "/\(token)/?from=tunnel", host: "127.0.0.1:\(server.port)"))
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "text/html; charset=utf-8")
        #expect(response.header("Cache-Control") == "no-store")
        #expect(response.header("Referrer-Policy") == "no-referrer")
        #expect(response.header("X-Frame-Options") == "DENY")
        let policy = try #require(response.header("Content-Security-Policy"))
        #expect(policy.hasPrefix("default-src 'none'; script-src 'nonce-"))
        #expect(policy.contains("connect-src ws://127.0.0.1:\(server.port) ws://localhost:\(server.port);"))
        #expect(policy.contains("frame-ancestors 'none'") && !policy.contains("unsafe"))
        let page = response.bodyText
        #expect(page.contains("Log in to &lt;b&gt;&quot;Bluesky&quot;&lt;/b&gt; &amp; co"))
        #expect(!page.contains("<b>"))
        // Nothing is loaded from anywhere: no src= or href= but the picture's, filled in by the script.
        #expect(!page.contains("src=\"") && !page.contains("href="))
        // The nonce changes with every response.
        let again = try await RawConnection.exchange(port: server.port, RawRequest(path: "/\(token)/", host: "localhost:\(server.port)"))
        #expect(again.status == 200 && again.header("Content-Security-Policy") != policy)
        await server.stop()
    }

    @Test("the WebSocket needs the token, a loopback Host with this port, and no Origin or this server's own")
    func webSocketGuards() async throws {
        let server = try await LiveViewServer.start(title: "Site")
        let port = server.port
        let path = "/\(try Self.token(of: server))/ws"
        func upgrade(host: String?, origin: String? = nil, extra: [String] = []) async throws -> Int {
            try await RawConnection.exchange(port: port, RawRequest(path: path, host: host, origin: origin, webSocket: true,
                                                                     extraHeaders: extra)).status
        }
        #expect(try await upgrade(host: "127.0.0.1:\(port)") == 101)
        #expect(try await upgrade(host: "localhost:\(port)") == 101)
        #expect(try await upgrade(host: "LOCALHOST:\(port)", origin: "http://localhost:\(port)") == 101)
        #expect(try await upgrade(host: "127.0.0.1:\(port)", origin: "http://127.0.0.1:\(port)") == 101)
        // DNS rebinding: a foreign name that resolves to 127.0.0.1 arrives with its own Host.
        for host in ["attacker.example:\(port)", "127.0.0.1", "localhost", "127.0.0.1:\(port + 1)", "127.0.0.2:\(port)",
                     "0.0.0.0:\(port)", "[::1]:\(port)", "localhost.:\(port)"] {
            #expect(try await upgrade(host: host) != 101, "Host \(host)")
        }
        #expect(try await upgrade(host: nil) != 101)
        #expect(try await upgrade(host: "127.0.0.1:\(port)", extra: ["Host: attacker.example:\(port)"]) != 101)
        // A page of another origin: another site, another port, an opaque origin, https.
        for origin in ["http://attacker.example", "http://attacker.example:\(port)", "http://127.0.0.1:\(port + 1)",
                       "https://127.0.0.1:\(port)", "null", "http://127.0.0.1:\(port)/", "file://"] {
            #expect(try await upgrade(host: "127.0.0.1:\(port)", origin: origin) == 403, "Origin \(origin)")
        }
        #expect(try await upgrade(host: "127.0.0.1:\(port)", origin: "http://127.0.0.1:\(port)",
                                  extra: ["Origin: http://attacker.example"]) != 101)
        await server.stop()
    }

    @Test("with the token but a renamed port (an SSH tunnel to another local port), the page says which address to use")
    func renamedPort() async throws {
        let server = try await LiveViewServer.start(title: "Site")
        let response = try await RawConnection.exchange(port: server.port,
                                                        RawRequest(path: "/\(try Self.token(of: server))/", host: "localhost:9999"))
        #expect(response.status == 421)
        #expect(response.bodyText.contains("http://127.0.0.1:\(server.port)/") && response.bodyText.contains("ssh -L \(server.port):127.0.0.1:\(server.port)"))
        await server.stop()
    }

    @Test("a raw client's fragmented, oversized, binary and malformed messages are dropped; the connection and the server go on")
    func rawMessages() async throws {
        let (server, tap, socket) = try await Self.rawViewer()
        let big = String(repeating: "x", count: 70_000)
        let third = String(repeating: "y", count: 30_000)
        try await socket.send(RawConnection.text(#"{"type":"text","text":"\#(big)"}"#))
        try await socket.send(RawConnection.text(#"{"type":"text","text":""#, fin: false))
        try await socket.send(RawConnection.text(third, fin: false, continuation: true))
        try await socket.send(RawConnection.text(third, fin: false, continuation: true))
        try await socket.send(RawConnection.text(third + #""}"#, continuation: true))
        try await socket.send(RawConnection.frame(opcode: 0x2, Array(#"{"type":"done"}"#.utf8)))
        try await socket.send(RawConnection.text("{not json"))
        try await socket.send(RawConnection.text(#"{"type":"mouse","kind":"mousePressed","x":1,"y":1}"#))  // no frame yet
        try await socket.send(RawConnection.text(#"{"type":"te"#, fin: false))
        try await socket.send(RawConnection.text(#"xt","text":"fragmented ok"}"#, continuation: true))
        try await socket.send(RawConnection.frame(opcode: 0x9, Array("ping?".utf8)))
        let pong = try await socket.wait { bytes, _ in bytes.firstRange(of: [0x8A, 5] + Array("ping?".utf8)) != nil }
        #expect(pong.firstRange(of: [0x8A, 5] + Array("ping?".utf8)) != nil, "no pong")
        try await socket.send(RawConnection.text(#"{"type":"done"}"#))
        let inputs = try await tap.wait { $0.contains(.done) }
        #expect(inputs == [.text("fragmented ok"), .done])
        await socket.close()
        await server.stop()
    }

    @Test("stop() closes the pages' sockets with 1001, stops listening and ends the inputs")
    func stop() async throws {
        let (server, tap, socket) = try await Self.rawViewer()
        await server.stop()
        let goodbye = try await socket.wait { _, closed in closed }
        // A close frame (0x88) with code 1001 (0x03E9).
        #expect(goodbye.firstRange(of: [0x88]).map { Array(goodbye[$0.lowerBound...].prefix(4)) }?.suffix(2) == [0x03, 0xE9])
        _ = try await tap.wait { _ in false }
        #expect(await tap.finished)
        await #expect(throws: (any Error).self) { try await RawConnection.open(port: server.port) }
        await server.stop()
    }
}
