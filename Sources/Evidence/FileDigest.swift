import Crypto
import Foundation

/// Size and digests of one file, computed in a single streaming pass.
public struct FileDigest: Sendable, Equatable, Codable {
    /// Size in bytes.
    public let size: UInt64
    /// Lower-case hex SHA-256.
    public let sha256: String
    /// Lower-case hex SHA-512.
    public let sha512: String

    /// Reads the file in 1 MiB chunks; the whole file is never held in memory.
    public init(fileAt path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw EvidenceError.unreadable(path: path, reason: "cannot open")
        }
        defer { try? handle.close() }
        try self.init(reading: handle, path: path)
    }

    /// Digests what `handle` reads, to its end; `path` names it in errors.
    init(reading handle: FileHandle, path: String) throws {
        var sha256 = SHA256(), sha512 = SHA512()
        var size: UInt64 = 0
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() }
            catch { throw EvidenceError.unreadable(path: path, reason: "\(error)") }
            if chunk.isEmpty { break }
            sha256.update(data: chunk)
            sha512.update(data: chunk)
            size += UInt64(chunk.count)
        }
        self.size = size
        self.sha256 = sha256.finalize().hexString
        self.sha512 = sha512.finalize().hexString
    }
}

extension FileDigest {
    /// SHA-256 of bytes in memory, lower-case hex (for small tag data such as a manifest).
    public static func sha256Hex(_ bytes: some DataProtocol) -> String { SHA256.hash(data: bytes).hexString }
}

extension Digest {
    /// Lower-case hexadecimal form, as BagIt manifests and `sha256sum` write it.
    var hexString: String { map { String(format: "%02x", $0) }.joined() }
}

/// Failures of the evidence package, each naming the file concerned.
public enum EvidenceError: Error, CustomStringConvertible, Sendable {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    case payloadMismatch(String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        case .unwritable(let path, let reason): return "cannot write \(path): \(reason)"
        case .payloadMismatch(let detail): return "bag payload does not match its file list: \(detail)"
        }
    }
}
