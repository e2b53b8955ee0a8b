import Foundation
import Testing
import ExhibitTestSupport
@testable import WebArchive

@Suite struct WARCWriterTests {
    @Test func everyRecordKindReadsBackWithDigestsThatMatch() throws {
        let folder = try scratchFolder("kinds")
        defer { try? FileManager.default.removeItem(at: folder) }
        let sample = try SampleArchive(folder: folder, maxRecordSize: 3500)
        #expect(sample.records.map(\.type) == ["warcinfo", "response", "request", "response", "request", "resource", "resource",
                                               "metadata", "metadata", "response"])
        let report = WARCChecker.check(path: sample.path)
        #expect(report.passed, "\(report.problems)")
        #expect(report.recordsRead == 10)

        // Read it back and look at what the writer promised.
        let reader = try WARCReader(path: sample.path)
        var blocks = [String: [UInt8]]()
        var infos = [WARCRecordInfo]()
        while true {
            var block = [UInt8]()
            guard let info = try reader.next(block: { block += $0 }) else { break }
            infos.append(info)
            blocks[info.recordID ?? ""] = block
        }
        #expect(infos.map(\.offset) == sample.records.map(\.offset))
        #expect(infos.map(\.length) == sample.records.map { Optional($0.length) })
        #expect(infos.allSatisfy { $0.version == "WARC/1.1" })
        #expect(infos[0].header["WARC-Date"] == "2025-06-15T15:06:40.250Z")

        let page = String(decoding: blocks[sample.records[1].id] ?? [], as: UTF8.self)
        #expect(page.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(!page.contains(":status"))
        #expect(page.contains("X-Original-Content-Encoding: gzip\r\n"))
        #expect(page.contains("X-Original-Content-Length: 71\r\n"))
        #expect(page.contains("Content-Length: \(sample.pageBody.count)\r\n"))
        #expect(!page.contains("s3cret"))
        #expect(page.contains("set-cookie: " + HeaderRedaction.replacement(for: "session=s3cret; HttpOnly")))
        #expect(page.hasSuffix("\r\n\r\n" + String(decoding: sample.pageBody, as: UTF8.self)))
        #expect(infos[1].header["WARC-IP-Address"] == "203.0.113.7")

        let request = String(decoding: blocks[sample.records[2].id] ?? [], as: UTF8.self)
        #expect(request.hasPrefix("GET /alice/status/1 HTTP/1.1\r\nHost: social.example\r\n"))
        #expect(!request.contains(":authority") && !request.contains("s3cret") && !request.contains("t0ken"))
        #expect(infos[2].header.values("WARC-Concurrent-To") == [sample.records[1].id])

        let image = String(decoding: blocks[sample.records[3].id] ?? [], as: UTF8.self)
        #expect(image.contains("X-Original-Transfer-Encoding: chunked\r\n") && !image.contains("\r\nTransfer-Encoding"))

        #expect(infos[7].header["WARC-Payload-Digest"] == nil, "metadata has no payload digest")
        #expect(infos[7].header["WARC-Refers-To"] == sample.records[1].id)
        #expect(infos[9].header["WARC-Truncated"] == "length")
        #expect(sample.records[9].truncated && !sample.records[1].truncated)
        let info = String(decoding: blocks[sample.records[0].id] ?? [], as: UTF8.self)
        #expect(info.contains("software: Exhibit 0.test\r\n") && info.contains("browser: Chromium 140.0\r\n") && info.contains("redaction: "))

        #expect(sample.redactions.map(\.headerName) == ["set-cookie", "set-cookie", "Cookie", "authorization"])
        #expect(sample.redactions.allSatisfy { $0.targetURI == sample.pageURL })
        #expect(sample.redactions[2].recordID == sample.records[2].id)
    }

    @Test func aHeaderValueCannotStartAnotherField() throws {
        let folder = try scratchFolder("inject")
        defer { try? FileManager.default.removeItem(at: folder) }
        let writer = try WARCWriter(path: folder.appendingPathComponent("a.warc.gz").path)
        #expect(throws: WebArchiveError.self) {
            try writer.writeResponse(HTTPResponseHead(status: 200, headers: [("X-Evil", "a\r\nWARC-Type: revisit")]),
                                     targetURI: "https://example.org/", body: writer.makeBody([]))
        }
    }

    /// 200 MB streamed through in 1 MiB chunks: the body goes to a temporary file (never more than
    /// its memory limit held at once), the gzip member is written as it is compressed, and reading
    /// it back streams too. The process's resident memory is not asserted here: the whole suite
    /// shares one process (a parallel test moves 300 MB), so that figure belongs to a benchmark.
    @Test func aHugeBodyNeverSitsInMemoryWhole() throws {
        let folder = try scratchFolder("huge")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("huge.warc.gz").path
        let writer = try WARCWriter(path: path)
        let body = writer.makeBody()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var mostInMemory = 0
        for index in 0..<200 {
            for position in stride(from: 0, to: chunk.count, by: 4096) { chunk[position] = UInt8(truncatingIfNeeded: index &+ position >> 12) }
            try body.append(chunk)
            mostInMemory = max(mostInMemory, body.bytesInMemory)
        }
        #expect(mostInMemory <= body.memoryLimit, "\(mostInMemory) bytes held in memory")
        #expect(body.storedLength == 200 << 20)
        try writer.writeResponse(HTTPResponseHead(status: 200, headers: [("Content-Type", "application/octet-stream")]),
                                 targetURI: "https://cdn.example/huge.bin", body: body)
        try writer.close()
        let report = WARCChecker.check(path: path)
        #expect(report.passed, "\(report.problems)")
        #expect(report.recordsRead == 1)
    }
}
