import Crypto
import Foundation

/// A record's body, filled in chunks before it is written.
///
/// A WARC header carries the block's length and digest, so the whole body must be seen before the
/// first byte of its record is written. Up to `memoryLimit` bytes stay in memory; past that the
/// body goes to a temporary file, so a 200 MB response never sits in memory whole. Bytes beyond
/// `limit` (the writer's maximum record size) are counted but not kept, and the record says it
/// was truncated.
public final class WARCBody {
    /// The most bytes kept; the rest are dropped and `truncated` is set.
    public let limit: UInt64
    /// Bytes kept in memory before the body moves to a temporary file.
    public let memoryLimit: Int
    /// Where the temporary file goes; the system's temporary folder when nil.
    public let spoolDirectory: String?
    private var memory = [UInt8]()
    /// The spool file. It is opened only for each write and read, so that hundreds of large bodies
    /// recorded at once do not hold hundreds of descriptors.
    private var filePath: String?
    private var stated: Truncation?
    private var hasher = SHA256()
    private var finishedDigest: SHA256.Digest?
    /// Bytes kept (what the record will hold).
    public private(set) var storedLength: UInt64 = 0
    /// Bytes offered, kept or not.
    public private(set) var receivedLength: UInt64 = 0

    /// A body of at most `limit` bytes.
    public init(limit: UInt64 = 1 << 30, memoryLimit: Int = 1 << 20, spoolDirectory: String? = nil) {
        self.limit = limit
        self.memoryLimit = memoryLimit
        self.spoolDirectory = spoolDirectory
    }

    /// Why a record's block is shorter than what it stood for: WARC 1.1's `WARC-Truncated` values.
    public enum Truncation: String, Sendable {
        /// More than the maximum record size (or a body not fetched at all).
        case length
        /// The transfer was still going when recording had to stop (a response that never ends).
        case time
        /// The connection broke off before the end.
        case disconnect
        case unspecified
    }

    /// A body holding `bytes` (cut at `limit`).
    public convenience init(_ bytes: some DataProtocol, limit: UInt64 = 1 << 30) throws(WebArchiveError) {
        self.init(limit: limit, memoryLimit: max(1 << 20, min(Int(clamping: limit), bytes.count)))
        try append(bytes)
    }

    deinit {
        if let filePath { unlink(filePath) }
    }

    /// True when bytes were offered beyond `limit`, or the body was said to be cut short.
    public var truncated: Bool { truncation != nil }

    /// The `WARC-Truncated` value: what ``markTruncated(_:)`` said, else `length` when bytes beyond
    /// `limit` were dropped, else nil.
    public var truncation: Truncation? {
        if receivedLength > storedLength { return .length }
        return stated
    }

    /// Says the body is not all there was (a transfer cut off, a response still arriving).
    public func markTruncated(_ reason: Truncation) {
        if stated == nil { stated = reason }
    }

    /// How many of the body's bytes are held in memory now (at most ``memoryLimit``; the rest is
    /// in the spool file).
    public var bytesInMemory: Int { memory.count }

    /// Counts `length` bytes of the body that were never offered (a body the caller could not or
    /// would not fetch): nothing is stored, and the record says `WARC-Truncated: length`.
    public func countNotKept(_ length: UInt64) {
        receivedLength += max(length, 1)
    }

    /// Adds the next chunk.
    public func append(_ bytes: some DataProtocol) throws(WebArchiveError) {
        guard finishedDigest == nil else { throw .invalidInput("a body cannot grow after it was written") }
        receivedLength += UInt64(bytes.count)
        let room = limit - storedLength
        guard room > 0 else { return }
        let kept = UInt64(bytes.count) <= room ? Array(bytes) : Array(bytes.prefix(Int(room)))
        hasher.update(data: kept)
        storedLength += UInt64(kept.count)
        if filePath == nil && memory.count + kept.count <= memoryLimit {
            memory += kept
            return
        }
        try spill(kept)
    }

    /// SHA-256 of the bytes kept (the payload digest); the body is sealed from then on.
    var digest: SHA256.Digest {
        if let finishedDigest { return finishedDigest }
        let digest = hasher.finalize()
        finishedDigest = digest
        return digest
    }

    /// Calls `body` with the kept bytes in order, at most 1 MiB at a time.
    func forEachChunk(_ body: ([UInt8]) throws -> Void) throws {
        if let filePath {
            guard let file = FileHandle(forReadingAtPath: filePath) else {
                throw WebArchiveError.unreadable(path: filePath, reason: "the spool file cannot be opened")
            }
            defer { try? file.close() }
            while true {
                let chunk: Data
                do { chunk = try file.read(upToCount: 1 << 20) ?? Data() } catch {
                    throw WebArchiveError.unreadable(path: filePath, reason: "\(error)")
                }
                if chunk.isEmpty { break }
                try body([UInt8](chunk))
            }
        } else if !memory.isEmpty {
            try body(memory)
        }
    }

    /// Appends `bytes` to the spool file, creating it (with what was in memory first) on first use.
    private func spill(_ bytes: [UInt8]) throws(WebArchiveError) {
        let path: String
        if let filePath {
            path = filePath
        } else {
            let folder = spoolDirectory ?? NSTemporaryDirectory()
            var template = Array((folder + "/exhibit-warc-body-XXXXXX").utf8CString)
            let descriptor = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
                guard let base = buffer.baseAddress else { return -1 }
                return mkstemp(base)
            }
            guard descriptor >= 0 else { throw .unwritable(path: folder, reason: "mkstemp: \(String(cString: strerror(errno)))") }
            close(descriptor)
            path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            filePath = path
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw .unwritable(path: path, reason: "the spool file cannot be opened")
        }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            if !memory.isEmpty { try handle.write(contentsOf: memory) }
            try handle.write(contentsOf: bytes)
        } catch { throw .unwritable(path: path, reason: "\(error)") }
        memory = []
    }
}
