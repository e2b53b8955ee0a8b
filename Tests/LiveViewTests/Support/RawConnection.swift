import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A TCP connection that sends exactly the bytes it is given: requests with any Host or Origin,
/// and WebSocket frames no browser would send.
final class RawConnection: Sendable {
    private let channel: any Channel
    private let inbox: Inbox

    private init(channel: any Channel, inbox: Inbox) {
        self.channel = channel
        self.inbox = inbox
    }

    static func open(port: Int) async throws -> RawConnection {
        let inbox = Inbox()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(InboxHandler(inbox: inbox)) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, inbox: inbox)
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
    }

    func close() async { try? await channel.close() }

    func resumeReading() async throws {
        try await channel.setOption(.autoRead, value: true).get()
        channel.read()
    }

    /// Waits until `done` holds for the bytes received and whether the peer has closed, or until
    /// `timeout`; returns what was received.
    func wait(timeout: Duration = .seconds(10), until done: ([UInt8], Bool) -> Bool) async throws -> [UInt8] {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            let (bytes, closed) = inbox.state.withLock { ($0.bytes, $0.closed) }
            if done(bytes, closed) || closed { return bytes }
            try await Task.sleep(for: .milliseconds(10))
        }
        return inbox.state.withLock { $0.bytes }
    }

    /// Sends one HTTP request and returns the response: once complete by its Content-Length, at a
    /// 101's head, or when the server closes.
    static func exchange(port: Int, _ request: RawRequest) async throws -> RawResponse {
        let connection = try await open(port: port)
        let bytes: [UInt8]
        do {
            try await connection.send(Array(request.text.utf8))
            bytes = try await connection.wait { bytes, _ in RawResponse(bytes)?.isComplete == true }
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
        guard let response = RawResponse(bytes) else { throw TimedOut(what: "a response to \(request.text)") }
        return response
    }

    /// Opens a WebSocket at `path` as a browser at this server would; throws unless upgraded.
    /// With `reading` false nothing more is read until ``resumeReading()``: a page on a congested
    /// tunnel, whose socket buffers fill up.
    static func webSocket(port: Int, path: String, reading: Bool = true) async throws -> RawConnection {
        let connection = try await open(port: port)
        try await connection.send(Array(RawRequest(path: path, host: "127.0.0.1:\(port)", webSocket: true).text.utf8))
        let bytes = try await connection.wait { bytes, _ in RawResponse(bytes)?.isComplete == true }
        if !reading { try await connection.channel.setOption(.autoRead, value: false).get() }
        guard let response = RawResponse(bytes), response.status == 101 else {
            await connection.close()
            throw TimedOut(what: "an upgraded WebSocket")
        }
        connection.inbox.state.withLock { $0.bytes = [] }
        return connection
    }

    /// A client's WebSocket frame: masked, as RFC 6455 requires of clients.
    static func frame(opcode: UInt8, fin: Bool = true, _ payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        switch payload.count {
        case ..<126: bytes.append(0x80 | UInt8(payload.count))
        case ..<65536: bytes += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xff)]
        default:
            bytes.append(0x80 | 127)
            bytes += (0..<8).reversed().map { UInt8((UInt64(payload.count) >> (UInt64($0) * 8)) & 0xff) }
        }
        let mask: [UInt8] = [0x37, 0xfa, 0x21, 0x3d]
        bytes += mask
        bytes += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        return bytes
    }

    /// The server's messages in `bytes` (unmasked frames, each whole, as this server sends them):
    /// opcode and payload; an incomplete last frame is left out.
    static func messages(in bytes: [UInt8]) -> [(opcode: UInt8, payload: ArraySlice<UInt8>)] {
        var messages: [(opcode: UInt8, payload: ArraySlice<UInt8>)] = []
        var index = 0
        while index + 2 <= bytes.count {
            var length = Int(bytes[index + 1] & 0x7f)
            var start = index + 2
            if length == 126, start + 2 <= bytes.count {
                length = Int(bytes[start]) << 8 | Int(bytes[start + 1])
                start += 2
            } else if length == 127, start + 8 <= bytes.count {
                length = bytes[start..<start + 8].reduce(0) { $0 << 8 | Int($1) }
                start += 8
            } else if length >= 126 {
                break
            }
            guard start + length <= bytes.count else { break }
            messages.append((bytes[index] & 0x0f, bytes[start..<start + length]))
            index = start + length
        }
        return messages
    }

    static func text(_ string: String, fin: Bool = true, continuation: Bool = false) -> [UInt8] {
        frame(opcode: continuation ? 0x0 : 0x1, fin: fin, Array(string.utf8))
    }

    private final class Inbox: Sendable {
        let state = Mutex<(bytes: [UInt8], closed: Bool)>(([], false))
    }

    private final class InboxHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let inbox: Inbox
        init(inbox: Inbox) { self.inbox = inbox }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            inbox.state.withLock { $0.bytes += buffer.readableBytesView }
        }

        func channelInactive(context: ChannelHandlerContext) {
            inbox.state.withLock { $0.closed = true }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}

/// An HTTP/1.1 GET as the tests need it: any path, Host and Origin, an upgrade or not.
struct RawRequest {
    var path: String
    /// nil: no Host header at all.
    var host: String?
    var origin: String?
    var webSocket = false
    var extraHeaders: [String] = []

    var text: String {
        var lines = ["GET \(path) HTTP/1.1"]
        if let host { lines.append("Host: \(host)") }
        if let origin { lines.append("Origin: \(origin)") }
        if webSocket {
            lines += ["Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13",
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="]
        }
        lines += extraHeaders
        return lines.joined(separator: "\r\n") + "\r\n\r\n"
    }
}

/// An HTTP response read from raw bytes.
struct RawResponse {
    let status: Int
    /// Header names lowercased.
    let headers: [String: [String]]
    let body: [UInt8]
    let isComplete: Bool

    var bodyText: String { String(decoding: body, as: UTF8.self) }

    func header(_ name: String) -> String? { headers[name.lowercased()]?.first }

    init?(_ bytes: [UInt8]) {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = bytes.firstRange(of: separator) else { return nil }
        let head = String(decoding: bytes[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        guard let statusLine = head.first, statusLine.hasPrefix("HTTP/1.1 "),
              let status = Int(statusLine.dropFirst(9).prefix(3)) else { return nil }
        var headers: [String: [String]] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased(), default: []].append(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        self.status = status
        self.headers = headers
        let rest = Array(bytes[end.upperBound...])
        if status == 101 {
            body = []
            isComplete = true
        } else {
            let length = headers["content-length"]?.first.flatMap { Int($0) } ?? 0
            body = Array(rest.prefix(length))
            isComplete = rest.count >= length
        }
    }
}
