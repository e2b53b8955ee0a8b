import Crypto
import Foundation

/// A session or cookie file as read, with what a capture records about it: its format and the
/// SHA-256 of its bytes (which say which login was used without holding it).
public struct LoadedSession: Sendable {
    /// The store's name for it; nil for a file given by its path.
    public let name: String?
    /// The file as it was named (a link is not replaced by its target).
    public let path: String
    public let format: SessionFormat
    public let state: SessionState
    /// Lower-case hex SHA-256 of the file's bytes exactly as read.
    public let sha256: String

    public init(name: String?, path: String, format: SessionFormat, state: SessionState, sha256: String) {
        self.name = name
        self.path = path
        self.format = format
        self.state = state
        self.sha256 = sha256
    }

    /// Reads the private file at `path` and parses it, in any of the formats.
    static func read(_ path: String, name: String?, label: String) throws(SessionError) -> LoadedSession {
        let bytes = try PrivateFile.contents(of: path, label: label)
        let (format, state) = try SessionFile.parse(bytes, path: path)
        let hex = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        return LoadedSession(name: name, path: path, format: format, state: state, sha256: hex)
    }
}

extension LoadedSession: CustomStringConvertible {
    /// Which file, in which format, with how many cookies: never the values in it.
    public var description: String {
        "\(name.map { "session '\($0)' " } ?? "")\(path) (\(format.rawValue), \(state.cookies.count) cookies, sha256 \(sha256))"
    }
}
