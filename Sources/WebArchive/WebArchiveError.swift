import Foundation

/// Failures of writing, reading and checking web archives, each naming the file and, where there
/// is one, the record (by its offset, WARC-Record-ID or target URI).
public enum WebArchiveError: Error, CustomStringConvertible, Sendable, Equatable {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    case compression(String)
    /// The file ended inside a gzip member.
    case truncatedGzip(path: String, memberOffset: UInt64)
    /// zlib refused the bytes of a member (a flipped bit, junk between members).
    case corruptGzip(path: String, memberOffset: UInt64, reason: String)
    /// A gzipped WARC inflated past the most a file of its size may hold (a gzip bomb).
    /// `together`: the limit was that of all the archives one verification reads, not this file's alone.
    case inflatesTooFar(path: String, memberOffset: UInt64, limit: UInt64, together: Bool = false)
    /// A record's header or block is not WARC as WARC 1.1 writes it.
    case malformedRecord(path: String, offset: UInt64, reason: String)
    /// The file ended inside a record's block.
    case truncatedRecord(path: String, offset: UInt64, recordID: String?)
    /// A caller asked for something the format cannot hold (a header value with a line break).
    case invalidInput(String)
    /// A WACZ is not a ZIP, or lacks a file it must have, or a file is not what it should be.
    case malformedPackage(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        case .unwritable(let path, let reason): return "cannot write \(path): \(reason)"
        case .compression(let reason): return "gzip: \(reason)"
        case .truncatedGzip(let path, let offset): return "\(path): the gzip member at offset \(offset) is cut short"
        case .corruptGzip(let path, let offset, let reason): return "\(path): the gzip member at offset \(offset) is corrupt: \(reason)"
        case .inflatesTooFar(let path, let offset, let limit, let together):
            return "\(path): stopped in the gzip member at offset \(offset): "
                + (together ? "the bag's web archives together inflate to more than \(limit) bytes, " : "the file inflates to more than \(limit) bytes, ")
                + "far more than web traffic compresses to its size (a gzip bomb?)"
        case .malformedRecord(let path, let offset, let reason): return "\(path): the record at offset \(offset) is malformed: \(reason)"
        case .truncatedRecord(let path, let offset, let id):
            return "\(path): the record at offset \(offset)\(id.map { " (\($0))" } ?? "") is cut short"
        case .invalidInput(let reason): return "invalid input: \(reason)"
        case .malformedPackage(let path, let reason): return "\(path): \(reason)"
        }
    }
}
