import Crypto
import Foundation

/// What the writer wrote for one record: enough to index it, link to it and report it.
public struct WrittenRecord: Sendable, Equatable {
    public let id: String
    public let type: String
    public let targetURI: String?
    /// Offset of the record's gzip member in the file, and the member's compressed length.
    public let offset: UInt64
    public let length: UInt64
    public let blockDigest: String
    public let payloadDigest: String?
    public let truncated: Bool
}

/// Writes a WARC 1.1 file, `.warc.gz` with one gzip member per record, one record at a time.
///
/// Not thread-safe: one capture writes its archive from one task. Bodies are streamed from
/// `WARCBody`, so memory stays bounded whatever their size.
public final class WARCWriter {
    public let path: String
    /// Bodies longer than this are cut, and their record says `WARC-Truncated: length`.
    public let maxRecordSize: UInt64
    private let handle: FileHandle
    private var offset: UInt64 = 0
    private var closed = false
    /// Every header value replaced so far; the capture lists them (the `warcinfo` record, written
    /// first, can only state the policy).
    public private(set) var redactions: [Redaction] = []
    /// Every record written so far, in order.
    public private(set) var records: [WrittenRecord] = []

    /// The longest record header written: what ``WARCReader`` accepts by default.
    public static let maxHeaderBytes = 1 << 20

    /// Creates (or empties) the file at `path`.
    public init(path: String, maxRecordSize: UInt64 = 1 << 30) throws(WebArchiveError) {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw .unwritable(path: path, reason: "cannot create the file")
        }
        self.path = path
        self.maxRecordSize = maxRecordSize
        self.handle = handle
    }

    deinit { try? handle.close() }

    /// An empty body limited to this writer's maximum record size, to fill chunk by chunk.
    public func makeBody() -> WARCBody { WARCBody(limit: maxRecordSize) }

    /// A body holding `bytes`, cut at the maximum record size.
    public func makeBody(_ bytes: some DataProtocol) throws(WebArchiveError) -> WARCBody {
        try WARCBody(bytes, limit: maxRecordSize)
    }

    /// A new `<urn:uuid:…>` record id, for callers that link records before writing them.
    public static func newRecordID() -> String { "<urn:uuid:\(UUID().uuidString.lowercased())>" }

    /// The first record: who wrote the file and how. `fields` are written as `application/warc-fields`
    /// after `software` and the redaction policy.
    @discardableResult
    public func writeWarcinfo(software: String, fields: [(name: String, value: String)] = [], date: Date = Date()) throws(WebArchiveError) -> WrittenRecord {
        var info = WARCFields([("software", software), ("format", "WARC File Format 1.1"),
                               ("conformsTo", "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"),
                               ("redaction", HeaderRedaction.policy)])
        for (name, value) in fields { info.append(name, value) }
        let body = try makeBody(info.serialized())
        var extra = WARCFields()
        extra.append("WARC-Filename", (path as NSString).lastPathComponent)
        return try write(type: "warcinfo", id: Self.newRecordID(), date: date, targetURI: nil, fields: extra,
                         contentType: "application/warc-fields", head: [], body: body, payloadDigest: false)
    }

    /// A response: the head as the browser reported it (pseudo-headers dropped, credentials
    /// redacted, transport headers kept as `X-Original-…`) and the decoded body. `extraFields` are
    /// added to the WARC header (why a body was left out, for one).
    @discardableResult
    public func writeResponse(_ response: HTTPResponseHead, targetURI: String, body: WARCBody, ipAddress: String? = nil,
                              id: String = WARCWriter.newRecordID(), concurrentTo: [String] = [],
                              extraFields: [(name: String, value: String)] = [],
                              date: Date = Date()) throws(WebArchiveError) -> WrittenRecord {
        let (headers, redactedNames) = HeaderRedaction.redact(response.headers)
        var redactedResponse = response
        redactedResponse.headers = headers
        let (line, httpFields) = HTTPHeadWriter.responseHead(redactedResponse, storedLength: body.storedLength)
        let head = try HTTPHeadWriter.serialize(line: line, fields: httpFields)
        var extra = WARCFields(extraFields)
        if let ipAddress { extra.append("WARC-IP-Address", ipAddress) }
        for other in concurrentTo { extra.append("WARC-Concurrent-To", other) }
        let record = try write(type: "response", id: id, date: date, targetURI: targetURI, fields: extra,
                               contentType: "application/http;msgtype=response", head: head, body: body, payloadDigest: true)
        note(redactedNames, record: record)
        return record
    }

    /// A request, linked to its response by `WARC-Concurrent-To`.
    @discardableResult
    public func writeRequest(_ request: HTTPRequestHead, body: WARCBody? = nil, concurrentTo: [String] = [],
                             id: String = WARCWriter.newRecordID(), date: Date = Date()) throws(WebArchiveError) -> WrittenRecord {
        let (headers, redactedNames) = HeaderRedaction.redact(request.headers)
        var redactedRequest = request
        redactedRequest.headers = headers
        let (line, httpFields) = HTTPHeadWriter.requestHead(redactedRequest)
        let head = try HTTPHeadWriter.serialize(line: line, fields: httpFields)
        var extra = WARCFields()
        for other in concurrentTo { extra.append("WARC-Concurrent-To", other) }
        let record = try write(type: "request", id: id, date: date, targetURI: request.url, fields: extra,
                               contentType: "application/http;msgtype=request", head: head, body: body ?? makeBody(),
                               payloadDigest: true)
        note(redactedNames, record: record)
        return record
    }

    /// A file made by the capture (screenshot, PDF) stored as it is.
    @discardableResult
    public func writeResource(targetURI: String, contentType: String, body: WARCBody, concurrentTo: [String] = [],
                              extraFields: [(name: String, value: String)] = [],
                              id: String = WARCWriter.newRecordID(), date: Date = Date()) throws(WebArchiveError) -> WrittenRecord {
        var extra = WARCFields(extraFields)
        for other in concurrentTo { extra.append("WARC-Concurrent-To", other) }
        return try write(type: "resource", id: id, date: date, targetURI: targetURI, fields: extra,
                         contentType: contentType, head: [], body: body, payloadDigest: true)
    }

    /// Data about other records (post.json, capture.json); WARC 1.1 gives metadata no payload digest.
    @discardableResult
    public func writeMetadata(targetURI: String, contentType: String, body: WARCBody, refersTo: String? = nil,
                              concurrentTo: [String] = [], extraFields: [(name: String, value: String)] = [],
                              id: String = WARCWriter.newRecordID(), date: Date = Date()) throws(WebArchiveError) -> WrittenRecord {
        var extra = WARCFields(extraFields)
        if let refersTo { extra.append("WARC-Refers-To", refersTo) }
        for other in concurrentTo { extra.append("WARC-Concurrent-To", other) }
        return try write(type: "metadata", id: id, date: date, targetURI: targetURI, fields: extra,
                         contentType: contentType, head: [], body: body, payloadDigest: false)
    }

    /// Flushes and closes the file.
    public func close() throws(WebArchiveError) {
        guard !closed else { return }
        closed = true
        do { try handle.synchronize(); try handle.close() } catch { throw .unwritable(path: path, reason: "\(error)") }
    }

    private func note(_ names: [String], record: WrittenRecord) {
        redactions += names.map { Redaction(recordID: record.id, targetURI: record.targetURI ?? "", headerName: $0) }
    }

    private func write(type: String, id: String, date: Date, targetURI: String?, fields extra: WARCFields,
                       contentType: String, head: [UInt8], body: WARCBody, payloadDigest: Bool) throws(WebArchiveError) -> WrittenRecord {
        guard !closed else { throw .unwritable(path: path, reason: "the writer is closed") }
        let payload = body.digest
        // The block digest covers the HTTP head too, which is only known once the body's length
        // is, so the body is read a second time (from memory or its temporary file).
        var blockHasher = SHA256()
        blockHasher.update(data: head)
        do { try body.forEachChunk { blockHasher.update(data: $0) } } catch { throw wrap(error) }
        let blockDigest = WARCDigest.label(blockHasher.finalize())
        let payloadLabel = payloadDigest ? WARCDigest.label(payload) : nil

        var header = WARCFields()
        header.append("WARC-Type", type)
        header.append("WARC-Record-ID", id)
        header.append("WARC-Date", WARCDate.warcDate(date))
        if let targetURI { header.append("WARC-Target-URI", targetURI) }
        for (name, value) in extra.fields { header.append(name, value) }
        header.append("Content-Type", contentType)
        header.append("WARC-Block-Digest", blockDigest)
        if let payloadLabel { header.append("WARC-Payload-Digest", payloadLabel) }
        if let truncation = body.truncation { header.append("WARC-Truncated", truncation.rawValue) }
        header.append("Content-Length", String(UInt64(head.count) + body.storedLength))
        let headerBytes = Array("WARC/1.1\r\n".utf8) + (try header.serialized()) + [0x0D, 0x0A]
        // A header the reader would refuse (a page's 2 MB URL) is never written: the archive would
        // read as damaged from that record on, and its capture verify as INVALID.
        guard headerBytes.count <= Self.maxHeaderBytes else {
            throw .invalidInput("a WARC header of \(headerBytes.count) bytes (a target URI that long?), more than the \(Self.maxHeaderBytes) a reader accepts")
        }

        let start = offset
        do {
            let gzip = try GzipMemberWriter()
            let sink: (UnsafeRawBufferPointer) throws -> Void = { [handle] bytes in
                try handle.write(contentsOf: Data(bytes))
                self.offset += UInt64(bytes.count)
            }
            try gzip.write(headerBytes, to: sink)
            try gzip.write(head, to: sink)
            try body.forEachChunk { try gzip.write($0, to: sink) }
            try gzip.write([0x0D, 0x0A, 0x0D, 0x0A], to: sink)
            try gzip.finish(to: sink)
        } catch { throw wrap(error) }
        let record = WrittenRecord(id: id, type: type, targetURI: targetURI, offset: start, length: offset - start,
                                   blockDigest: blockDigest, payloadDigest: payloadLabel, truncated: body.truncated)
        records.append(record)
        return record
    }

    private func wrap(_ error: any Error) -> WebArchiveError {
        (error as? WebArchiveError) ?? .unwritable(path: path, reason: "\(error)")
    }
}
