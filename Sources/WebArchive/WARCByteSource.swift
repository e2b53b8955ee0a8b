import Foundation

/// The decompressed bytes of a `.warc.gz` or the bytes of a plain `.warc`, read forwards with a
/// small buffer, and where each byte came from: its gzip member's offset, or its own offset.
final class WARCByteSource {
    let path: String
    private let handle: FileHandle
    private let gzip: GzipMemberReader?
    private var buffer = [UInt8]()
    private var bufferIndex = 0
    /// For gzip: the offset of the member the buffered bytes belong to.
    private var bufferMemberStart: UInt64 = 0
    /// For a plain file: the file offset of `buffer[0]`.
    private var bufferFileOffset: UInt64 = 0
    private var plainAtEnd = false

    init(path: String) throws(WebArchiveError) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .unreadable(path: path, reason: "cannot open") }
        self.path = path
        self.handle = handle
        let magic: Data
        do { magic = try handle.read(upToCount: 2) ?? Data(); try handle.seek(toOffset: 0) } catch {
            throw .unreadable(path: path, reason: "\(error)")
        }
        gzip = magic.elementsEqual([0x1F, 0x8B]) ? GzipMemberReader(handle: handle, path: path) : nil
    }

    deinit { try? handle.close() }

    var isGzip: Bool { gzip != nil }

    /// Ensures at least one unread byte is buffered; false at the end of the file.
    func fill() throws(WebArchiveError) -> Bool {
        while bufferIndex == buffer.count {
            if let gzip {
                if gzip.atEnd { return false }
                let memberStart = gzip.memberStart ?? gzip.compressedOffset
                buffer = try gzip.read(max: 256 * 1024)
                bufferIndex = 0
                bufferMemberStart = memberStart
            } else {
                if plainAtEnd { return false }
                bufferFileOffset += UInt64(buffer.count)
                do { buffer = [UInt8](try handle.read(upToCount: 256 * 1024) ?? Data()) } catch {
                    throw .unreadable(path: path, reason: "\(error)")
                }
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
