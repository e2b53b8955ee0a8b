import Crypto
import Foundation

/// One line of a CDXJ index.
public struct CDXJLine: Sendable, Equatable {
    public let urlKey: String
    public let timestamp: String
    public let url: String
    public let mime: String?
    public let status: String?
    public let digest: String?
    public let length: UInt64
    public let offset: UInt64
    public let filename: String

    /// `urlkey timestamp {"url": …, "mime": …, "status": …, "digest": …, "length": …, "offset": …, "filename": …}`,
    /// fields in cdxj-indexer's order and form (numbers as strings), so pywb reads it as its own.
    public var text: String {
        var pairs: [(String, JSONValue)] = [("url", .string(url))]
        if let mime { pairs.append(("mime", .string(mime))) }
        if let status { pairs.append(("status", .string(status))) }
        if let digest { pairs.append(("digest", .string(digest))) }
        pairs += [("length", .string(String(length))), ("offset", .string(String(offset))), ("filename", .string(filename))]
        return "\(urlKey) \(timestamp) \(JSONText.object(pairs))"
    }
}

/// Indexes a WARC the way pywb's cdxj-indexer does: one line for each response, revisit,
/// resource and metadata record (not requests, not `application/warc-fields`), sorted by key
/// and time, as replay tools binary-search them. A response to a request other than GET (a HEAD,
/// a POST) has `__wb_method=<method>` added to its URL's query before the key is made, as
/// cdxj-indexer does: otherwise a HEAD of the page in the same second could be replayed as the page.
public enum CDXJIndexer {
    /// The index of the WARC at `path`, sorted; `filename` is the name the lines give the WARC
    /// (its path inside a WACZ's `archive/`).
    public static func index(warcPath path: String, filename: String) throws(WebArchiveError) -> [CDXJLine] {
        let reader = try WARCReader(path: path)
        var lines = [(line: CDXJLine, recordID: String?)]()
        /// The method of each request, by the response it names in `WARC-Concurrent-To`.
        var methods: [String: String] = [:]
        while true {
            var head = HTTPHeadCollector()
            var payload = SHA256()
            let next: WARCRecordInfo?
            do { next = try reader.next { chunk in head.update(chunk); payload.update(data: chunk) } } catch {
                throw (error as? WebArchiveError) ?? .unreadable(path: path, reason: "\(error)")
            }
            guard let info = next else { break }
            if info.type == "request", let method = head.method {
                for response in info.header.values("WARC-Concurrent-To") { methods[response] = method }
                continue
            }
            guard let type = info.type, ["response", "revisit", "resource", "metadata"].contains(type),
                  let url = info.targetURI else { continue }
            let contentType = info.header["Content-Type"] ?? ""
            if (type == "resource" || type == "metadata") && contentType == "application/warc-fields" { continue }
            let date = info.header["WARC-Date"].flatMap(WARCDate.parse) ?? Date(timeIntervalSince1970: 0)
            var mime: String?, status: String?
            switch type {
            case "revisit": mime = "warc/revisit"
            case "response":
                status = head.status
                mime = head.contentType.map(mediaType)
            default: mime = mediaType(contentType)
            }
            let digest = info.header["WARC-Payload-Digest"] ?? "sha256:" + WARCDigest.hex(payload.finalize())
            lines.append((CDXJLine(urlKey: SURT.key(url), timestamp: WARCDate.timestamp14(date), url: url, mime: mime,
                                   status: status, digest: digest, length: info.length ?? 0, offset: info.offset, filename: filename),
                          type == "response" ? info.recordID : nil))
        }
        let keyed = lines.map { entry -> CDXJLine in
            guard let id = entry.recordID, let method = methods[id], method.uppercased() != "GET" else { return entry.line }
            let line = entry.line
            let marked = line.url + (line.url.contains("?") ? "&" : "?") + "__wb_method=" + method.lowercased()
            return CDXJLine(urlKey: SURT.key(marked), timestamp: line.timestamp, url: line.url, mime: line.mime, status: line.status,
                            digest: line.digest, length: line.length, offset: line.offset, filename: line.filename)
        }
        // Sorted as `sort` in the C locale sorts the lines, which is how pywb expects them.
        return keyed.sorted { Array($0.text.utf8).lexicographicallyPrecedes(Array($1.text.utf8)) }
    }

    /// The index as file contents: one line each, newline-terminated.
    public static func text(_ lines: [CDXJLine]) -> String { lines.map { $0.text + "\n" }.joined() }

    /// `text/html; charset=utf-8` → `text/html`, as cdxj-indexer cuts at `;` or white space.
    private static func mediaType(_ value: String) -> String {
        String(value.prefix { $0 != ";" && !$0.isWhitespace })
    }
}

/// Reads a response's status and Content-Type from the start of its block, keeping at most the
/// first 64 KiB (a head longer than that yields neither).
struct HTTPHeadCollector {
    private var bytes = [UInt8]()
    private var done = false
    private(set) var status: String?
    private(set) var contentType: String?
    /// A request's method (its first word), when the block is a request's.
    private(set) var method: String?

    mutating func update(_ chunk: ArraySlice<UInt8>) {
        guard !done else { return }
        bytes += chunk.prefix(65536 - bytes.count)
        guard let end = bytes.firstRange(of: [0x0D, 0x0A, 0x0D, 0x0A]) else {
            if bytes.count >= 65536 { done = true }
            return
        }
        done = true
        let lines = String(decoding: bytes[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        if let first = lines.first {
            let parts = first.split(separator: " ", maxSplits: 2)
            if parts.count >= 2, parts[1].allSatisfy(\.isNumber) { status = String(parts[1]) }
            if parts.count == 3, parts[2].hasPrefix("HTTP/"), parts[0].allSatisfy({ $0.isLetter }) { method = String(parts[0]) }
        }
        if case .success(let fields) = WARCFields.parse(lines: lines.dropFirst().map { Substring($0) }) {
            contentType = fields["Content-Type"]
        }
    }
}
