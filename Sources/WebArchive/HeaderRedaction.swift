import Crypto
import Foundation

/// One header value the writer replaced: which record, which URL, which header. Never the value.
public struct Redaction: Sendable, Equatable, Codable {
    public let recordID: String
    public let targetURI: String
    public let headerName: String
}

/// Keeps credentials out of the archive. A cookie or token in a WARC would let anyone holding the
/// capture act as the account that made it; its SHA-256 stays, so someone who has the value can
/// still show it was the one sent.
public enum HeaderRedaction {
    /// Header names whose values are replaced, compared case-insensitively.
    public static let redactedNames: Set<String> = ["cookie", "set-cookie", "authorization", "proxy-authorization"]

    /// What the `warcinfo` record says about the redaction, written before any record exists.
    public static let policy = "values of Cookie, Set-Cookie, Authorization and Proxy-Authorization replaced by [redacted sha256:<hex of the value>]"

    /// The replacement for `value`.
    public static func replacement(for value: String) -> String {
        "[redacted sha256:\(WARCDigest.hex(SHA256.hash(data: Data(value.utf8))))]"
    }

    /// `headers` with every redacted value replaced, and the names that were.
    static func redact(_ headers: [(name: String, value: String)]) -> (headers: [(name: String, value: String)], names: [String]) {
        var names = [String]()
        let out = headers.map { field -> (name: String, value: String) in
            guard redactedNames.contains(field.name.lowercased()) else { return field }
            names.append(field.name)
            return (field.name, replacement(for: field.value))
        }
        return (out, names)
    }
}
