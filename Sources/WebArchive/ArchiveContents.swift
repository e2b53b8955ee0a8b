import CLibZ
import Crypto
import Foundation

/// What kind of web archive a file is, told by its first bytes (never by its name).
public enum ArchiveFormat: String, Codable, Sendable {
    case warc = "WARC"
    case warcGzip = "WARC, gzip"
    case wacz = "WACZ"

    /// `WARC/` → WARC; gzip magic → gzipped WARC; `PK\u{3}\u{4}` → WACZ; else nil.
    public static func detect(path: String) throws(WebArchiveError) -> ArchiveFormat? {
        let file = try FileSlice.open(path: path)
        let head = try file.read(upToCount: 5)
        if head.starts(with: Array("WARC/".utf8)) { return .warc }
        if head.starts(with: [0x1f, 0x8b]) { return .warcGzip }
        if head.starts(with: [0x50, 0x4b, 0x03, 0x04]) { return .wacz }
        return nil
    }
}

/// One record of another tool's archive, as a pairing records it: no body, only what identifies it.
public struct ArchivedRecord: Codable, Sendable, Equatable {
    public var type: String
    public var targetURI: String
    public var date: String?
    public var recordID: String?
    /// `WARC-Payload-Digest` as the archive states it (algorithm and encoding are the writer's).
    public var payloadDigest: String?
    /// The HTTP status of a response record.
    public var httpStatus: Int?
    /// The WARC inside a WACZ the record is in; nil for a plain WARC.
    public var entry: String?
}

/// The records of a WARC or WACZ made by any tool, read once, with the HTTP payloads of a few
/// chosen URIs decoded (chunked transfer undone, gzip inflated) for comparing bodies. The file is
/// hostile input: read through the bounded readers, every gzip member under the decode budget.
public struct ArchiveContents: Sendable {
    public let format: ArchiveFormat
    /// The records for the URIs asked for (`recordsFor`), or every record when none were named.
    public let records: [ArchivedRecord]
    /// Every record the archive holds, kept or not.
    public let recordCount: Int
    /// A few target URIs of the records not kept, for messages.
    public let otherURIs: [String]
    /// Decoded HTTP payload of the first response record for each URI asked for, at most
    /// `maxBody` bytes; with the reason when it could not be decoded.
    public let bodies: [String: Body]

    public struct Body: Sendable {
        public let bytes: [UInt8]
        /// SHA-256 (hex) of the payload as decoded.
        public let sha256: String
        /// Set when the payload could not be decoded whole (an unknown Content-Encoding, a cut body).
        public let problem: String?
    }

    /// The most records listed; an archive of a whole site holds more, and a pairing needs a few.
    public static let maxRecords = 200_000

    /// Reads `path`. Throws ``WebArchiveError`` for a file that is not a WARC or WACZ, or that
    /// cannot be read to its end (truncated, corrupt gzip, a member that inflates without end).
    public static func read(path: String, bodiesFor uris: Set<String>, recordsFor kept: Set<String>? = nil,
                            maxBody: Int = 16 << 20) throws(WebArchiveError) -> ArchiveContents {
        guard let format = try ArchiveFormat.detect(path: path) else {
            throw .malformedPackage(path: path, reason: "neither a WARC (WARC/1.x), a gzipped WARC nor a WACZ (ZIP): its first bytes say none of these")
        }
        var scan = Scan(kept: kept)
        var bodies: [String: Body] = [:]
        switch format {
        case .warc, .warcGzip:
            let file = try FileSlice.open(path: path)
            let budget = DecodeBudget(compressedBytes: file.length)
            try Self.scan(WARCReader(source: WARCByteSource(file: file, budget: budget)), entry: nil, uris: uris, maxBody: maxBody,
                          scan: &scan, bodies: &bodies)
        case .wacz:
            let file = try FileSlice.open(path: path)
            let directory = try ZIPDirectory(file: file.handle, path: path)
            let budget = DecodeBudget(compressedBytes: file.length)
            let warcs = directory.entries.filter { $0.name.hasPrefix("archive/") && !$0.isDirectory }
            guard !warcs.isEmpty else { throw .malformedPackage(path: path, reason: "the package holds no WARC under archive/") }
            for entry in warcs {
                guard entry.isStored else { throw .malformedPackage(path: path, reason: "\(entry.name) is compressed again; a WACZ stores its WARCs") }
                try Self.scan(WARCReader(source: WARCByteSource(file: directory.slice(entry), budget: budget)), entry: entry.name, uris: uris,
                              maxBody: maxBody, scan: &scan, bodies: &bodies)
            }
        }
        return ArchiveContents(format: format, records: scan.records, recordCount: scan.count, otherURIs: scan.others, bodies: bodies)
    }

    /// What a scan keeps: the records asked for, a count of all, and a few other URIs.
    struct Scan {
        let kept: Set<String>?
        var records: [ArchivedRecord] = []
        var count = 0
        var others: [String] = []
    }

    private static func scan(_ reader: WARCReader, entry: String?, uris: Set<String>, maxBody: Int,
                             scan: inout Scan, bodies: inout [String: Body]) throws(WebArchiveError) {
        while true {
            var block: [UInt8] = []
            var wanted = false
            let info: WARCRecordInfo?
            do {
                info = try reader.next(seeing: { header in
                    wanted = header["WARC-Type"] == "response" && header["WARC-Target-URI"].map { uris.contains($0) && bodies[$0] == nil } == true
                }, block: { chunk in
                    // Only the first response for a wanted URI keeps its block, bounded (head + body).
                    if wanted, block.count < maxBody + PayloadHasher.maxHead { block += chunk.prefix(maxBody + PayloadHasher.maxHead - block.count) }
                })
            } catch let error as WebArchiveError { throw error } catch { throw .malformedPackage(path: reader.path, reason: "\(error)") }
            guard let info else { return }
            scan.count += 1
            let uri = info.targetURI ?? ""
            var status: Int?
            if info.type == "response", wanted {
                let (head, payload) = split(block)
                status = head.flatMap(statusCode)
                bodies[uri] = decode(head: head ?? "", payload: payload, maxBody: maxBody)
            }
            // Only the records asked for are kept: a crafted archive of millions of records with
            // megabyte headers must not be held in memory.
            if let kept = scan.kept, !kept.contains(uri) {
                if scan.others.count < 3, !uri.isEmpty, !scan.others.contains(uri) { scan.others.append(String(uri.prefix(200))) }
                continue
            }
            guard scan.records.count < maxRecords else { continue }
            scan.records.append(ArchivedRecord(type: info.type ?? "", targetURI: uri, date: info.header["WARC-Date"], recordID: info.recordID,
                                          payloadDigest: info.header["WARC-Payload-Digest"], httpStatus: status, entry: entry))
        }
    }

    /// The HTTP head (as text) and the payload after it.
    static func split(_ block: [UInt8]) -> (String?, [UInt8]) {
        guard let end = block.withUnsafeBytes(PayloadHasher.endOfHead) else { return (nil, block) }
        return (String(decoding: block[..<end], as: UTF8.self), Array(block[(end + 4)...]))
    }

    static func statusCode(_ head: String) -> Int? {
        head.split(separator: "\r\n", maxSplits: 1).first.flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) }
    }

    static func header(_ head: String, _ name: String) -> String? {
        for line in head.split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            if line[..<colon].lowercased() == name { return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }

    /// The payload as the page would have read it: chunked transfer undone, gzip inflated.
    static func decode(head: String, payload: [UInt8], maxBody: Int) -> Body {
        var bytes = payload
        var problem: String?
        if header(head, "transfer-encoding")?.lowercased().contains("chunked") == true {
            if let plain = dechunk(bytes) { bytes = plain } else { problem = "its chunked transfer encoding could not be undone" }
        }
        switch header(head, "content-encoding")?.lowercased() {
        case nil, "identity"?: break
        case "gzip"?, "x-gzip"?:
            if let plain = gunzip(bytes, max: maxBody) { bytes = plain } else { problem = "its gzip body could not be inflated (cut, corrupt or over \(maxBody) bytes)" }
        case let other?:
            problem = "its Content-Encoding \(other.prefix(40)) is not decoded by Exhibit; compared as stored"
        }
        if bytes.count > maxBody { bytes = Array(bytes.prefix(maxBody)); problem = problem ?? "longer than \(maxBody) bytes; compared in part" }
        return Body(bytes: bytes, sha256: WARCDigest.hex(SHA256.hash(data: bytes)), problem: problem)
    }

    static func dechunk(_ data: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = [], index = 0
        while index < data.count {
            guard let lineEnd = data[index...].firstIndex(of: 0x0A) else { return nil }
            let line = String(decoding: data[index..<lineEnd], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let size = Int(line.split(separator: ";").first ?? "", radix: 16), size >= 0 else { return nil }
            index = lineEnd + 1
            if size == 0 { return out }
            // Compared without adding: a chunk size near Int.max must not overflow.
            guard size <= data.count - index else { return nil }
            out += data[index..<(index + size)]
            index += size
            if index < data.count, data[index] == 0x0D { index += 1 }
            if index < data.count, data[index] == 0x0A { index += 1 }
        }
        return nil
    }

    static func gunzip(_ data: [UInt8], max: Int) -> [UInt8]? {
        var stream = z_stream()
        guard czlib_inflate_init_gzip(&stream) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var input = data
        return input.withUnsafeMutableBufferPointer { inBuffer -> [UInt8]? in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = uInt(inBuffer.count)
            while true {
                let status = buffer.withUnsafeMutableBufferPointer { outBuffer -> Int32 in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = uInt(outBuffer.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                out += buffer[0..<(buffer.count - Int(stream.avail_out))]
                if out.count > max { return nil }
                if status == Z_STREAM_END { return out }
                if status != Z_OK { return nil }
                if stream.avail_in == 0 && stream.avail_out != 0 { return nil }
            }
        }
    }
}
