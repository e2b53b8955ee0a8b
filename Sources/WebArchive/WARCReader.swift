import Foundation

/// One record's header as read, and where it sits in the file.
public struct WARCRecordInfo: Sendable {
    /// The header fields after the `WARC/1.x` line.
    public let header: WARCFields
    /// The version line, `WARC/1.1` or `WARC/1.0`.
    public let version: String
    /// Offset of the record's gzip member (`.warc.gz`) or of the record itself (`.warc`).
    public let offset: UInt64
    /// Compressed length of its member, or the record's length in a plain file; nil when the
    /// member holds more records than this one.
    public let length: UInt64?
    /// Content-Length: the block's size.
    public let blockLength: UInt64

    public var type: String? { header["WARC-Type"] }
    public var recordID: String? { header["WARC-Record-ID"] }
    public var targetURI: String? { header["WARC-Target-URI"] }
}

/// Reads a `.warc.gz` (any number of gzip members) or plain `.warc` record by record.
///
/// Written for hostile files: a header is at most `maxHeaderBytes`, a block is streamed in
/// chunks and never held whole, a length that runs past the end of the file is a
/// `truncatedRecord` error, and every failure is a `WebArchiveError` naming the file and offset.
public final class WARCReader {
    public let path: String
    /// The most bytes a record's header (all its lines) may take.
    public let maxHeaderBytes: Int
    private let source: WARCByteSource

    /// Opens `path` without following a symlink in its last place; only a regular file is read.
    public init(path: String, maxHeaderBytes: Int = 1 << 20) throws(WebArchiveError) {
        self.path = path
        self.maxHeaderBytes = maxHeaderBytes
        source = try WARCByteSource(path: path)
    }

    /// Reads a file the caller opened (a bag verifier opens it its own careful way); `path` is for
    /// messages only. The handle must be a regular file.
    public convenience init(file: FileHandle, path: String, maxHeaderBytes: Int = 1 << 20) throws(WebArchiveError) {
        try self.init(source: WARCByteSource(file: FileSlice.whole(file, path: path)), maxHeaderBytes: maxHeaderBytes)
    }

    init(source: WARCByteSource, maxHeaderBytes: Int = 1 << 20) {
        self.path = source.path
        self.maxHeaderBytes = maxHeaderBytes
        self.source = source
    }

    /// Reads the next record, handing its block to `block` in chunks of at most 1 MiB; nil after
    /// the last record.
    public func next(block: (ArraySlice<UInt8>) throws -> Void) throws -> WARCRecordInfo? {
        try next(seeing: { _ in }, block: block)
    }

    /// The same, with the record's header handed to `seeing` before its block is read (so a
    /// caller can decide whether to keep the block).
    public func next(seeing: (WARCFields) -> Void, block: (ArraySlice<UInt8>) throws -> Void) throws -> WARCRecordInfo? {
        // Blank lines between records are tolerated, as other readers tolerate them.
        while let byte = try source.peek(), byte == 0x0D || byte == 0x0A { _ = try source.read(max: 1) }
        guard try source.peek() != nil else { return nil }
        let offset = source.position
        let startConsumed = source.consumedOffset
        guard let versionLine = try source.readLine(limit: 64) else { return nil }
        let version = String(decoding: versionLine, as: UTF8.self)
        guard version == "WARC/1.1" || version == "WARC/1.0" else {
            throw WebArchiveError.malformedRecord(path: path, offset: offset, reason: "it does not start with WARC/1.1 or WARC/1.0")
        }
        var lines = [Substring]()
        var headerBytes = 0
        while true {
            guard let line = try source.readLine(limit: maxHeaderBytes) else {
                throw WebArchiveError.truncatedRecord(path: path, offset: offset, recordID: nil)
            }
            if line.isEmpty { break }
            headerBytes += line.count + 2
            guard headerBytes <= maxHeaderBytes else {
                throw WebArchiveError.malformedRecord(path: path, offset: offset, reason: "its header is larger than \(maxHeaderBytes) bytes")
            }
            lines.append(Substring(String(decoding: line, as: UTF8.self)))
        }
        let header: WARCFields
        switch WARCFields.parse(lines: lines) {
        case .success(let fields): header = fields
        case .failure(let failure): throw WebArchiveError.malformedRecord(path: path, offset: offset, reason: failure.reason)
        }
        let id = header["WARC-Record-ID"]
        guard let lengthText = header["Content-Length"], !lengthText.isEmpty, lengthText.count <= 18,
              lengthText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let blockLength = UInt64(lengthText) else {
            throw WebArchiveError.malformedRecord(path: path, offset: offset, reason: "Content-Length is missing or not a number")
        }
        // Said at once rather than after reading to the end of what the file can give.
        guard blockLength <= source.maxDecodedBytes else {
            throw WebArchiveError.malformedRecord(path: path, offset: offset,
                reason: "Content-Length \(blockLength) is more than a file of this size can hold (at most \(source.maxDecodedBytes) bytes)")
        }
        seeing(header)
        var remaining = blockLength
        while remaining > 0 {
            let chunk = try source.read(max: Int(min(remaining, 1 << 20)))
            if chunk.isEmpty { throw WebArchiveError.truncatedRecord(path: path, offset: offset, recordID: id) }
            remaining -= UInt64(chunk.count)
            try block(chunk)
        }
        for _ in 0..<2 {
            // CRLF, or a bare LF as some writers leave it.
            var byte = try source.read(max: 1).first
            if byte == 0x0D { byte = try source.read(max: 1).first }
            guard byte == 0x0A else {
                throw WebArchiveError.malformedRecord(path: path, offset: offset, reason: "the block is not followed by CRLF CRLF (Content-Length wrong?)")
            }
        }
        var length: UInt64?
        if source.isGzip {
            // Ask for the member's end: with one record per member the next read ends it.
            if !source.memberEnded { _ = try source.fill() }
            if source.memberEnded { length = source.consumedOffset - offset }
            else if source.position != offset { length = source.position - offset }
        } else {
            length = source.position - startConsumed
        }
        return WARCRecordInfo(header: header, version: version, offset: offset, length: length, blockLength: blockLength)
    }
}
