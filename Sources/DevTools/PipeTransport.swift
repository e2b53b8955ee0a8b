import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// DevTools over the pipes of `--remote-debugging-pipe`: Chromium reads commands on its fd 3 and
/// writes answers and events on its fd 4, each message a JSON text ended by a NUL byte.
///
/// Nothing listens on a port, so no other local user can reach the browser, which the loopback
/// WebSocket cannot promise on a shared host. Only a browser Exhibit starts can be driven so.
final class PipeTransport: MessageTransport, Sendable {
    let messages: AsyncThrowingStream<ByteBuffer, Error>
    private let toBrowser: FileHandle
    private let sink: AsyncThrowingStream<ByteBuffer, Error>.Continuation
    private let closed = NIOLockedValueBox(false)
    /// Writes can block while Chromium is busy; they wait here, in order, off the cooperative pool.
    private let writes = DispatchQueue(label: "exhibit.devtools-pipe.write")

    /// A browser that dies while a command is written would otherwise end Exhibit with SIGPIPE; the
    /// write then fails with EPIPE instead, which the connection reports.
    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// `toBrowser` is the write end of the browser's fd 3, `fromBrowser` the read end of its fd 4.
    init(toBrowser: FileHandle, fromBrowser: FileHandle, maxMessageSize: Int = WebSocketTransport.defaultMaxMessageSize) {
        _ = Self.ignoreBrokenPipes
        self.toBrowser = toBrowser
        (messages, sink) = AsyncThrowingStream<ByteBuffer, Error>.makeStream()
        let sink = self.sink
        let thread = Thread {
            Self.read(fromBrowser.fileDescriptor, into: sink, limit: maxMessageSize)
            try? fromBrowser.close()
        }
        thread.name = "exhibit.devtools-pipe.read"
        thread.start()
    }

    /// Splits the byte stream at NULs until end of file, a read error or a message over `limit`.
    private static func read(_ descriptor: Int32, into sink: AsyncThrowingStream<ByteBuffer, Error>.Continuation, limit: Int) {
        var pending = ByteBuffer()
        let chunkSize = 1 << 20
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, chunkSize) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 {
                sink.finish(throwing: DevToolsError.connectionClosed("reading the DevTools pipe failed: \(String(cString: strerror(errno)))"))
                return
            }
            if count == 0 {
                sink.finish()
                return
            }
            var start = 0
            for index in 0..<count where chunk[index] == 0 {
                pending.writeBytes(chunk[start..<index])
                sink.yield(pending)
                pending = ByteBuffer()
                start = index + 1
            }
            pending.writeBytes(chunk[start..<count])
            if pending.readableBytes > limit {
                sink.finish(throwing: DevToolsError.connectionClosed("a message exceeded the DevTools pipe size limit of \(limit) bytes"))
                return
            }
        }
    }

    func send(_ text: ByteBuffer) async throws {
        guard !closed.withLockedValue({ $0 }) else { throw DevToolsError.connectionClosed("the DevTools pipe is closed") }
        var framed = text
        framed.writeInteger(UInt8(0))
        let message = framed
        let descriptor = toBrowser.fileDescriptor
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            writes.async {
                let failure: Int32? = message.withUnsafeReadableBytes { bytes in
                    var offset = 0
                    while offset < bytes.count {
                        let written = Glibc.write(descriptor, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
                        if written < 0 {
                            if errno == EINTR { continue }
                            return errno
                        }
                        offset += written
                    }
                    return nil
                }
                if let failure {
                    continuation.resume(throwing: DevToolsError.connectionClosed("writing to the DevTools pipe failed: \(String(cString: strerror(failure)))"))
                } else {
                    continuation.resume()
                }
            }
        }
    }

    /// Closes Exhibit's end of fd 3 (Chromium takes that as the end of the session) and ends the
    /// message stream. The reader stops at the browser's end of file.
    func close() async {
        let wasClosed = closed.withLockedValue { closed in
            defer { closed = true }
            return closed
        }
        guard !wasClosed else { return }
        // Queued behind any write still in progress; killing the browser unblocks that one.
        let toBrowser = self.toBrowser
        writes.async { try? toBrowser.close() }
        sink.finish()
    }
}
