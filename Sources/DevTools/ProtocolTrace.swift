import Foundation
import Logging
import Synchronization

/// A protocol log: every DevTools message sent and received, written as it passes, one JSON
/// object a line, with what ``TraceRedaction`` leaves out replaced.
///
/// Each line is
/// `{"t":1.234567,"utc":"2026-11-25T14:48:08.123Z","dir":"send","session":"…"|null,"message":{…}}`:
/// `t` is monotonic seconds since the trace was opened and never decreases from one line to the
/// next, `utc` the wall-clock time, `dir` `send` or `recv`, `session` the flattened session the
/// message belongs to, and `message` the message (keys sorted). A message that is not a JSON
/// object is written as `{"unparsed": <length in bytes>}`, never its text.
///
/// Every line is written before ``record(_:_:)`` returns, so a trace of a capture that hung or
/// crashed holds everything up to that moment. A failed write is logged once as a warning and
/// ends the trace; the capture goes on, since the trace is a diagnostic, not part of the evidence.
public final class ProtocolTrace: Sendable {
    /// Whether Exhibit sent the message or received it.
    public enum Direction: String, Sendable {
        case send
        case recv
    }

    /// The file being written.
    public let path: String
    private let opened = ContinuousClock.now
    private struct State {
        var file: FileHandle?
        /// The method of every command sent and not yet answered, by id: a response names only
        /// the id, and what to redact in it depends on the method.
        var pending: [Int: String] = [:]
        var lastTime = 0.0
    }
    private let state: Mutex<State>
    /// Values that are never written, wherever they appear (see ``redactEverywhere(_:)``).
    private let secrets = Mutex<[(raw: String, forms: [String])]>([])

    /// Creates the file at `path` (mode 0600, since it may hold page content) and starts the
    /// trace. An existing file is never overwritten or appended to.
    public init(creatingFileAt path: String) throws(ProtocolTraceError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let code = errno
            if code == EEXIST { throw .fileExists(path: path) }
            throw .cannotCreate(path: path, reason: String(cString: strerror(code)))
        }
        self.path = path
        state = Mutex(State(file: FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)))
    }

    /// Never writes these values (a session's cookie and storage values), in whatever field or
    /// header they travel: web apps copy credentials into headers of their own (`x-csrf-token`),
    /// URLs and page text, which no rule by name can know. Each is replaced by `[redacted]` as
    /// it is, percent-encoded and as JSON writes it. Values under 6 characters are left alone:
    /// they would redact ordinary words.
    public func redactEverywhere(_ values: [String]) {
        let added = values.filter { $0.count >= 6 }.map { value -> (raw: String, forms: [String]) in
            var forms = [value]
            if let encoded = value.addingPercentEncoding(withAllowedCharacters: .alphanumerics), encoded != value { forms.append(encoded) }
            if let data = try? JSONSerialization.data(withJSONObject: [value], options: [.withoutEscapingSlashes]) {
                let json = String(decoding: data, as: UTF8.self).dropFirst(2).dropLast(2)
                if json != value { forms.append(String(json)) }
            }
            return (value, forms)
        }
        secrets.withLock { $0 += added }
    }

    /// Writes one message as it was sent or received.
    public func record(_ direction: Direction, _ message: Data) {
        let elapsed = (ContinuousClock.now - opened).seconds
        let utc = Date().formatted(Self.utcFormat)
        guard state.withLock({ $0.file != nil }) else { return }
        var session: String?
        var body = Data(#"{"unparsed":\#(message.count)}"#.utf8)
        if let object = (try? JSONSerialization.jsonObject(with: message)) as? [String: Any] {
            let id = object["id"] as? Int
            let method = object["method"] as? String
            let resultOf: String? = state.withLock { state in
                guard let id else { return nil }
                if direction == .send {
                    state.pending[id] = method
                    return nil
                }
                return state.pending.removeValue(forKey: id)
            }
            session = object["sessionId"] as? String
            let redacted = TraceRedaction.redact(object, resultOf: resultOf)
            if let data = try? JSONSerialization.data(withJSONObject: redacted, options: [.sortedKeys, .withoutEscapingSlashes]) {
                body = data
            }
            let secrets = self.secrets.withLock { $0 }
            if !secrets.isEmpty {
                var text = String(decoding: body, as: UTF8.self)
                for secret in secrets { for form in secret.forms { text = text.replacingOccurrences(of: form, with: TraceRedaction.redacted) } }
                body = Data(text.utf8)
            }
        }
        let sessionField = session.flatMap { try? JSONEncoder().encode($0) }.map { String(decoding: $0, as: UTF8.self) } ?? "null"
        state.withLock { state in
            guard let file = state.file else { return }
            // Messages are redacted outside the lock, so a line may come a moment late; its time never goes back.
            state.lastTime = max(state.lastTime, elapsed)
            var line = Data((#"{"t":"# + String(format: "%.6f", state.lastTime) + #","utc":"\#(utc)","dir":"\#(direction.rawValue)","#
                             + #""session":\#(sessionField),"message":"#).utf8)
            line.append(body)
            line.append(contentsOf: Array("}\n".utf8))
            do {
                try file.write(contentsOf: line)
            } catch {
                devToolsLog.warning("protocol trace stopped: writing \(path) failed: \(error)")
                try? file.close()
                state.file = nil
            }
        }
    }

    /// Stops the trace and closes its file; later messages are not written.
    public func close() {
        state.withLock { state in
            try? state.file?.close()
            state.file = nil
        }
    }

    private static let utcFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}

/// Why a protocol trace could not be started.
public enum ProtocolTraceError: Error, CustomStringConvertible, Sendable {
    /// Something is already at the path; a trace never replaces a file.
    case fileExists(path: String)
    /// The file could not be created (no such folder, no permission, …).
    case cannotCreate(path: String, reason: String)

    public var description: String {
        switch self {
        case .fileExists(let path): return "trace file \(path) already exists (a trace never overwrites a file)"
        case .cannotCreate(let path, let reason): return "cannot create trace file \(path): \(reason)"
        }
    }
}
