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
    private var memory = [UInt8]()
    private var file: FileHandle?
    private var filePath: String?
    private var hasher = SHA256()
    private var finishedDigest: SHA256.Digest?
    /// Bytes kept (what the record will hold).
    public private(set) var storedLength: UInt64 = 0
    /// Bytes offered, kept or not.
    public private(set) var receivedLength: UInt64 = 0

    /// A body of at most `limit` bytes.
    public init(limit: UInt64 = 1 << 30, memoryLimit: Int = 1 << 20) {
        self.limit = limit
        self.memoryLimit = memoryLimit
    }

    /// A body holding `bytes` (cut at `limit`).
    public convenience init(_ bytes: some DataProtocol, limit: UInt64 = 1 << 30) throws(WebArchiveError) {
        self.init(limit: limit, memoryLimit: max(1 << 20, min(Int(clamping: limit), bytes.count)))
        try append(bytes)
    }

    deinit {
        try? file?.close()
        if let filePath { unlink(filePath) }
    }

    /// True when bytes were offered beyond `limit`.
    public var truncated: Bool { receivedLength > storedLength }

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
        if file == nil && memory.count + kept.count <= memoryLimit {
            memory += kept
            return
        }
        let handle = try spillFile()
        do { try handle.write(contentsOf: kept) } catch { throw .unwritable(path: filePath ?? "temporary file", reason: "\(error)") }
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
        if let file, let filePath {
            do { try file.seek(toOffset: 0) } catch { throw WebArchiveError.unreadable(path: filePath, reason: "\(error)") }
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

    /// Moves what is in memory to a temporary file and returns its handle.
    private func spillFile() throws(WebArchiveError) -> FileHandle {
        if let file { return file }
        var template = Array((NSTemporaryDirectory() + "/exhibit-warc-body-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return mkstemp(base)
        }
        guard descriptor >= 0 else { throw .unwritable(path: NSTemporaryDirectory(), reason: "mkstemp: errno \(errno)") }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        file = handle
        filePath = path
        do { try handle.write(contentsOf: memory) } catch { throw .unwritable(path: path, reason: "\(error)") }
        memory = []
        return handle
    }
}
