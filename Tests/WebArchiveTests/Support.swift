import CLibZ
import Foundation
import ExhibitTestSupport
import WebArchive

/// The web-archive validators, from the virtualenv scripts/install-deps.sh makes (`make test` runs it).
enum Validators {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let bin = root.appendingPathComponent(".venv-webarchive/bin")
    static func tool(_ name: String) -> String { bin.appendingPathComponent(name).path }
    static func has(_ name: String) -> Bool { FileManager.default.isExecutableFile(atPath: tool(name)) }
    static let absent = "the web-archive validators are absent (.venv-webarchive; run scripts/install-deps.sh): skipped"
}

/// A folder of its own for each test, removed by the caller.
func scratchFolder(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("exhibit-webarchive-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// gzip as an independent implementation (zlib's one-shot compress2 wrapped in the gzip format is
/// not available, so this uses deflate with windowBits 31 directly): for building test members.
func gzipMember(_ bytes: [UInt8]) -> [UInt8] {
    var stream = z_stream()
    _ = deflateInit2_(&stream, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
    defer { deflateEnd(&stream) }
    var input = bytes
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 64)
    let produced = input.withUnsafeMutableBufferPointer { inBuffer in
        output.withUnsafeMutableBufferPointer { outBuffer -> Int in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = uInt(inBuffer.count)
            stream.next_out = outBuffer.baseAddress
            stream.avail_out = uInt(outBuffer.count)
            _ = deflate(&stream, Z_FINISH)
            return outBuffer.count - Int(stream.avail_out)
        }
    }
    return Array(output[0..<produced])
}

/// Decompresses one whole member (test sizes only).
func gunzipMember(_ bytes: [UInt8]) -> [UInt8] {
    var stream = z_stream()
    _ = inflateInit2_(&stream, 31, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
    defer { inflateEnd(&stream) }
    var input = bytes
    var result = [UInt8]()
    var output = [UInt8](repeating: 0, count: 1 << 16)
    input.withUnsafeMutableBufferPointer { inBuffer in
        stream.next_in = inBuffer.baseAddress
        stream.avail_in = uInt(inBuffer.count)
        while true {
            let (status, produced) = output.withUnsafeMutableBufferPointer { outBuffer -> (Int32, Int) in
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = uInt(outBuffer.count)
                let status = inflate(&stream, Z_NO_FLUSH)
                return (status, outBuffer.count - Int(stream.avail_out))
            }
            result += output[0..<produced]
            if status != Z_OK { break }
        }
    }
    return result
}

/// Hands `body` `rounds` damaged copies of `original`, the same ones for the same seed: every
/// third cut at a random length, the others with one to four random bits flipped.
func forEachDamagedCopy(of original: [UInt8], rounds: Int, seed: UInt64, _ body: ([UInt8]) throws -> Void) rethrows {
    var generator = SplitMix(seed: seed)
    for round in 0..<rounds {
        var bytes = original
        if round % 3 == 0 {
            bytes = Array(bytes[0..<Int(generator.next() % UInt64(bytes.count))])
        } else {
            for _ in 0..<(1 + round % 4) {
                let index = Int(generator.next() % UInt64(bytes.count))
                bytes[index] ^= UInt8(1 << (generator.next() % 8))
            }
        }
        try body(bytes)
    }
}

/// The sample capture: one record of every kind Exhibit writes.
struct SampleArchive {
    let path: String
    let records: [WrittenRecord]
    let redactions: [Redaction]
    let pageURL = "https://social.example/alice/status/1"
    let pageBody = Array("<html><head><title>Alice's post</title></head><body>Hello, archive</body></html>".utf8)
    let imageURL = "https://cdn.social.example/img/1.png"

    init(folder: URL, maxRecordSize: UInt64 = 1 << 30) throws {
        path = folder.appendingPathComponent("archive.warc.gz").path
        let writer = try WARCWriter(path: path, maxRecordSize: maxRecordSize)
        let date = Date(timeIntervalSince1970: 1_750_000_000.25)
        try writer.writeWarcinfo(software: "Exhibit 0.test", fields: [("browser", "Chromium 140.0"), ("options", "--wacz")], date: date)
        // The page, over HTTP/2: pseudo-headers, a gzip-encoded body recorded decoded, cookies.
        let response = try writer.writeResponse(
            HTTPResponseHead(status: 200, protocolName: "h2", headers: [
                (":status", "200"), ("content-type", "text/html; charset=utf-8"), ("content-encoding", "gzip"),
                ("content-length", "71"), ("set-cookie", "session=s3cret; HttpOnly"), ("set-cookie", "lang=en"),
            ]),
            targetURI: pageURL, body: writer.makeBody(pageBody), ipAddress: "203.0.113.7", date: date)
        try writer.writeRequest(
            HTTPRequestHead(method: "GET", url: pageURL, protocolName: "h2", headers: [
                (":method", "GET"), (":authority", "social.example"), (":scheme", "https"), (":path", "/alice/status/1"),
                ("user-agent", "Exhibit test"), ("Cookie", "session=s3cret"), ("authorization", "Bearer t0ken"),
            ]),
            concurrentTo: [response.id], date: date)
        // An HTTP/1.1 image with chunked transfer-encoding.
        let image = try writer.writeResponse(
            HTTPResponseHead(status: 200, statusText: "OK", headers: [("Content-Type", "image/png"), ("Transfer-Encoding", "chunked")]),
            targetURI: imageURL, body: writer.makeBody([UInt8](repeating: 0x89, count: 3000)), ipAddress: "2001:db8::1", date: date)
        try writer.writeRequest(HTTPRequestHead(method: "GET", url: imageURL, headers: [("Host", "cdn.social.example")]),
                                concurrentTo: [image.id], date: date)
        // What the capture made, under urn: names that carry the captured URL.
        let screenshot = try writer.writeResource(targetURI: "urn:view:" + pageURL, contentType: "image/png",
                                                  body: writer.makeBody([UInt8](repeating: 7, count: 5000)), concurrentTo: [response.id], date: date)
        try writer.writeResource(targetURI: "urn:pdf:" + pageURL, contentType: "application/pdf",
                                 body: writer.makeBody(Array("%PDF-1.7\n%%EOF\n".utf8)), date: date)
        try writer.writeMetadata(targetURI: "urn:post:" + pageURL, contentType: "application/json",
                                 body: writer.makeBody(Array(#"{"author":"alice","text":"Hello"}"#.utf8)), refersTo: response.id, date: date)
        try writer.writeMetadata(targetURI: "urn:capture:" + pageURL, contentType: "application/json",
                                 body: writer.makeBody(Array(#"{"schema":"exhibit-capture"}"#.utf8)), refersTo: screenshot.id, date: date)
        // Bigger than the limit: cut, and said so.
        let big = writer.makeBody()
        for _ in 0..<4 { try big.append([UInt8](repeating: 0x41, count: 1000)) }
        try writer.writeResponse(HTTPResponseHead(status: 200, headers: [("Content-Type", "text/plain")]),
                                 targetURI: "https://cdn.social.example/big.txt", body: big, date: date)
        try writer.close()
        records = writer.records
        redactions = writer.redactions
    }
}
