import Foundation

/// The decompressed bytes of a `.warc.gz` or the bytes of a plain `.warc`, read forwards with a
/// small buffer, and where each byte came from: its gzip member's offset, or its own offset.
final class WARCByteSource {
    let path: String
    private let file: FileSlice
    private let gzip: GzipMemberReader?
    private var buffer = [UInt8]()
    private var bufferIndex = 0
    /// For gzip: the offset of the member the buffered bytes belong to.
    private var bufferMemberStart: UInt64 = 0
    /// For a plain file: the file offset of `buffer[0]`.
    private var bufferFileOffset: UInt64 = 0
    private var plainAtEnd = false
    /// Decompressed bytes produced so far.
    private var decoded: UInt64 = 0
    /// The most bytes this source will hand out: the file's own size for a plain WARC, and for a
    /// gzipped one ``Expansion/limit(compressed:)`` of it, so a member that inflates without end
    /// (a gzip bomb) is stopped with an error instead of being read for hours.
    let maxDecodedBytes: UInt64

    /// How far a `.warc.gz` may inflate. Deflate can reach about 1032:1; web traffic (text
    /// compresses 5-20:1, images and video not at all) with a screenshot and a PDF in the same
    /// file stays far below 100:1, and the floor leaves room for a small file holding one very
    /// repetitive body.
    enum Expansion {
        static let floor: UInt64 = 256 << 20
        static let ratio: UInt64 = 100

        static func limit(compressed: UInt64, floor: UInt64 = floor) -> UInt64 {
            let (scaled, overflow) = compressed.multipliedReportingOverflow(by: ratio)
            return overflow ? .max : scaled.addingReportingOverflow(floor).overflow ? .max : scaled + floor
        }
    }

    convenience init(path: String) throws(WebArchiveError) {
        try self.init(file: FileSlice.open(path: path))
    }

    /// Shared by every archive one verification reads, so that many small files cannot each take
    /// the floor: nil reads this file alone.
    private let budget: DecodeBudget?

    init(file: FileSlice, expansionLimit: UInt64? = nil, budget: DecodeBudget? = nil) throws(WebArchiveError) {
        self.path = file.path
        self.file = file
        self.budget = budget
        let magic = try file.peekStart(2)
        gzip = magic.elementsEqual([0x1F, 0x8B]) ? GzipMemberReader(file: file) : nil
        maxDecodedBytes = gzip == nil ? file.length : (expansionLimit ?? Expansion.limit(compressed: file.length))
    }

    var isGzip: Bool { gzip != nil }

    /// Ensures at least one unread byte is buffered; false at the end of the file.
    func fill() throws(WebArchiveError) -> Bool {
        while bufferIndex == buffer.count {
            if let gzip {
                if gzip.atEnd { return false }
                let memberStart = gzip.memberStart ?? gzip.compressedOffset
                buffer = try gzip.read(max: 256 * 1024)
                decoded += UInt64(buffer.count)
                guard decoded <= maxDecodedBytes else {
                    throw .inflatesTooFar(path: path, memberOffset: memberStart, limit: maxDecodedBytes)
                }
                if let budget, !budget.spend(UInt64(buffer.count)) {
                    throw .inflatesTooFar(path: path, memberOffset: memberStart, limit: budget.limit, together: true)
                }
                bufferIndex = 0
                bufferMemberStart = memberStart
            } else {
                if plainAtEnd { return false }
                bufferFileOffset += UInt64(buffer.count)
                buffer = try file.read(upToCount: 256 * 1024)
                bufferIndex = 0
                if buffer.isEmpty { plainAtEnd = true; return false }
            }
        }
        return true
    }

    /// Where the next byte lies: its member's offset (gzip) or its own offset (plain).
    var position: UInt64 { gzip == nil ? bufferFileOffset + UInt64(bufferIndex) : bufferMemberStart }

    /// For gzip: true when the member holding the last byte read has ended with it.
    var memberEnded: Bool { gzip?.memberStart == nil && bufferIndex == buffer.count }

    /// Compressed bytes consumed so far (gzip) or the plain position.
    var consumedOffset: UInt64 { gzip?.compressedOffset ?? position }

    /// The next byte without consuming it; nil at the end.
    func peek() throws(WebArchiveError) -> UInt8? {
        guard try fill() else { return nil }
        return buffer[bufferIndex]
    }

    /// Reads one line ending in LF (the CR before it is dropped), at most `limit` bytes; nil at
    /// the end of the file. A longer line is an error, so a hostile header cannot grow memory.
    func readLine(limit: Int) throws(WebArchiveError) -> [UInt8]? {
        var line = [UInt8]()
        while true {
            guard try fill() else { return line.isEmpty ? nil : line }
            let slice = buffer[bufferIndex...]
            if let newline = slice.firstIndex(of: 0x0A) {
                line += buffer[bufferIndex..<newline]
                bufferIndex = newline + 1
                if line.last == 0x0D { line.removeLast() }
                guard line.count <= limit else { throw .malformedRecord(path: path, offset: position, reason: "a header line is longer than \(limit) bytes") }
                return line
            }
            line += slice
            bufferIndex = buffer.count
            guard line.count <= limit else { throw .malformedRecord(path: path, offset: position, reason: "a header line is longer than \(limit) bytes") }
        }
    }

    /// Up to `max` bytes; empty only at the end of the file.
    func read(max: Int) throws(WebArchiveError) -> ArraySlice<UInt8> {
        guard try fill() else { return [] }
        let end = Swift.min(buffer.count, bufferIndex + max)
        defer { bufferIndex = end }
        return buffer[bufferIndex..<end]
    }
}

/// How many decompressed bytes one verification may still inflate, over every web archive it
/// reads: a bag of a thousand small gzip bombs is stopped as one bomb is.
public final class DecodeBudget: @unchecked Sendable {
    /// The bytes allowed in all.
    public let limit: UInt64
    private var spent: UInt64 = 0
    private let lock = NSLock()

    /// A budget for archives of `compressedBytes` in all: the ratio and floor one file would get
    /// (a test gives a smaller floor, to see the budget bite without inflating 256 MiB).
    public init(compressedBytes: UInt64, floor: UInt64? = nil) {
        limit = WARCByteSource.Expansion.limit(compressed: compressedBytes, floor: floor ?? WARCByteSource.Expansion.floor)
    }

    init(limit: UInt64) { self.limit = limit }

    /// Takes `bytes` from the budget; false once it is spent.
    func spend(_ bytes: UInt64) -> Bool {
        lock.withLock {
            spent = spent.addingReportingOverflow(bytes).overflow ? .max : spent + bytes
            return spent <= limit
        }
    }
}
