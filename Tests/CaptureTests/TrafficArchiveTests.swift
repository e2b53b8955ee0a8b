@testable import Capture
import DevTools
import Foundation
import Testing
import WebArchive

/// What `TrafficArchive` makes of recorded traffic a fixture page cannot easily produce: a body too
/// big to fetch, a request that failed, repeated headers joined by CDP, an IPv6 address.
@Suite("The web archive of recorded traffic")
struct TrafficArchiveTests {
    static func response(_ json: String) throws -> NetworkCommands.Response {
        try JSONDecoder().decode(NetworkCommands.Response.self, from: Data(json.utf8))
    }

    @Test("a body left out is WARC-Truncated with the reason, a failed request is listed, CDP's joined Set-Cookie lines are two redacted fields")
    func truncatedFailedAndRedacted() async throws {
        let data = TestSupport.temporaryFolder("traffic-archive")
        defer { try? FileManager.default.removeItem(at: data) }
        try Data([0x89, 0x50, 0x4E, 0x47]).write(to: data.appendingPathComponent("screenshot.png"))
        try Data(#"{"text":"hello"}"#.utf8).write(to: data.appendingPathComponent("post.json"))
        let page = try Self.response(#"""
            {"url": "http://example.test/p", "status": 200, "statusText": "OK", "mimeType": "text/html", "protocol": "http/1.1",
             "remoteIPAddress": "[::1]", "headers": {"Content-Type": "text/html", "Set-Cookie": "a=secret-one\nb=secret-two"}}
            """#)
        let video = try Self.response(#"""
            {"url": "http://example.test/v.mp4", "status": 200, "statusText": "OK", "mimeType": "video/mp4", "protocol": "h2",
             "headers": {"content-type": "video/mp4"}}
            """#)
        var exchanges = [
            RecordedExchange(requestId: "1", networkId: "1", url: "http://example.test/p", method: "GET", requestHeaders: ["Accept": "text/html"]),
            RecordedExchange(requestId: "2", networkId: "2", url: "http://example.test/v.mp4", method: "GET", requestHeaders: [:]),
            RecordedExchange(requestId: "3", networkId: "3", url: "http://example.test/gone.js", method: "GET", requestHeaders: [:]),
            RecordedExchange(requestId: "4", networkId: "4", url: "http://example.test/live", method: "POST", requestHeaders: ["Content-Type": "text/plain"]),
            // Answered, then broken off before any body was handed over, with no reason recorded for the body.
            RecordedExchange(requestId: "5", networkId: "5", url: "http://example.test/aborted.mp4", method: "GET", requestHeaders: [:]),
        ]
        exchanges[4].response = video
        exchanges[4].failure = "net::ERR_ABORTED (cancelled)"
        exchanges[4].ended = true
        exchanges[0].response = page
        exchanges[0].body = RecordedBody(try WARCBody(Array("<p>hello</p>".utf8)))
        // A response still arriving when the capture ended, to a POST whose body is recorded.
        exchanges[3].requestBody = RecordedBody(try WARCBody(Array("posted-payload".utf8)))
        exchanges[3].response = try Self.response(#"{"url": "http://example.test/live", "status": 200, "statusText": "OK", "mimeType": "text/event-stream", "headers": {}}"#)
        let partial = WARCBody()
        try partial.append(Array("data: first\n\n".utf8))
        partial.markTruncated(.time)
        exchanges[3].body = RecordedBody(partial)
        exchanges[3].bodyCut = "still arriving when the capture ended; recorded as far as it came"
        exchanges[1].response = video
        exchanges[1].encodedLength = 20_000_000
        exchanges[1].bodyOmitted = "not recorded: 20000000 bytes on the wire"
        exchanges[2].failure = "net::ERR_CONNECTION_REFUSED"
        let traffic = RecordedTraffic(exchanges: exchanges, rawRequestHeaders: ["1": [["Accept": "text/html", "Cookie": "a=secret-one"]]],
                                      rawResponses: [:])
        let archive = try TrafficArchive(traffic: traffic, captureId: "test", browserProduct: "Chrome/1", pageURL: "http://example.test/p",
                                         data: data).write()
        #expect(archive.responses == 4 && archive.requests == 5 && archive.bodiesTruncated == 3 && archive.requestsFailed == 2, "\(archive)")
        #expect(archive.failed.contains { $0.url == "http://example.test/aborted.mp4" && $0.error.contains("cut short") }, "\(archive.failed)")
        #expect(archive.failed.first?.url == "http://example.test/gone.js" && archive.failed.first?.error == "net::ERR_CONNECTION_REFUSED")
        #expect(archive.redactedHeaders.map(\.name) == ["cookie", "set-cookie"] && archive.redactedHeaders.map(\.count) == [1, 2], "\(archive.redactedHeaders)")
        // warcinfo, 5 requests, 4 responses, the screenshot, post.json (no PDF in this folder).
        #expect(archive.records == 12)
        let path = data.appendingPathComponent("archive.warc.gz").path
        #expect(WARCChecker.check(path: path).passed)
        let text = try await ArchiveRecordingTests.gunzipped(path)
        #expect(!text.contains("secret-one") && !text.contains("secret-two"))
        #expect(text.contains("Set-Cookie: " + HeaderRedaction.replacement(for: "a=secret-one")))
        #expect(text.contains("Set-Cookie: " + HeaderRedaction.replacement(for: "b=secret-two")))
        #expect(text.contains("WARC-Truncated: length\r\n") && text.contains("Exhibit-Body-Omitted: not recorded: 20000000 bytes on the wire\r\n"))
        #expect(text.contains("WARC-IP-Address: ::1\r\n"))
        #expect(text.contains("WARC-Truncated: time\r\n") && text.contains("Exhibit-Body-Cut: still arriving when the capture ended"))
        #expect(text.contains("POST /live HTTP/1.1\r\n") && text.contains("posted-payload"))
        // An answered response with no body handed over never reads as an empty, whole one.
        #expect(text.contains("Exhibit-Body-Omitted: not recorded: the transfer failed (net::ERR_ABORTED (cancelled))\r\n"), "\(text)")
        // An HTTP/2 response is written as HTTP/1.1, the head replay tools parse.
        #expect(text.contains("HTTP/1.1 200 OK\r\nContent-Length: 0\r\ncontent-type: video/mp4") || text.contains("content-type: video/mp4"))
        if FileManager.default.isExecutableFile(atPath: ArchiveRecordingTests.warcio) {
            let check = try await TestSupport.run(ArchiveRecordingTests.warcio, ["check", "-v", path])
            #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        }
    }
}
