import Capture
import DevTools
import ExhibitTestSupport
import FixtureServer
import Foundation
import Testing
import WebArchive

/// Traffic made outside the page's own session (`Fixtures/archive-frames`): a dedicated worker of
/// the page, and a cross-site frame (served from 127.0.0.2) that loads an image, a text and a 3 MB
/// body, and starts a worker of its own. Chromium runs the frame and the workers as targets of
/// their own; their requests belong to the page load and must be in its archive, with the network
/// guard on (it judges them too) and off.
@Suite("Web archive of a page's frames and workers", .serialized, .hangGuard)
struct ArchiveTargetsTests {
    /// The frame's site; nil when 127.0.0.2 cannot be bound here (the tests then say so and stop).
    static let frameSite = Task { () -> FixtureServer? in try? await FixtureServer.start(root: TestSupport.fixtures, host: "127.0.0.2") }

    static func capture(guarded: Bool) async throws -> (CaptureResult, String)? {
        guard let site = await frameSite.value else {
            print("ArchiveTargetsTests: 127.0.0.2 cannot be bound on this machine; the frame's site needs a second loopback address")
            return nil
        }
        var options = TestSupport.fixtureOptions(try await TestSupport.baseURL() + "/archive-frames/?frame=" + site.baseURL)
        options.outputDirectory = TestSupport.temporaryFolder("targets").path
        if guarded {
            options.allowPrivateAddresses = false
            options.allowedPrivateAddresses = ["127.0.0.1", "127.0.0.2"]
        }
        options.pdfLayout = .none
        return (try await CapturePipeline(options: options, browser: LaunchedBrowser()).run(), site.baseURL)
    }

    @Test("requests of a cross-site frame, of the page's and the frame's dedicated workers are recorded with their bodies", arguments: [false, true])
    func recorded(guarded: Bool) async throws {
        guard let (result, frameBase) = try await Self.capture(guarded: guarded) else { return }
        let path = ArchiveRecordingTests.archivePath(result)
        let records = try ArchiveRecordingTests.records(path)
        let base = try await TestSupport.baseURL()
        func body(_ uri: String) -> String? {
            ArchiveRecordingTests.first(records, "response", uri).map { String(decoding: $0.block, as: UTF8.self) }
        }
        // Each begins in one target and is answered in another (the frame's document, the workers'
        // scripts), or is made inside a target of its own (the rest).
        let expected: [(String, String)] = [
            (frameBase + "/archive-frames/frame.html", "A frame of another site."),
            (base + "/archive-frames/worker.js", "A dedicated worker of the page"),
            (frameBase + "/archive-frames/frame-worker.js", "A dedicated worker of the cross-site frame"),
            (frameBase + "/archive-frames/frame.txt", "FRAME-BODY-51c9"),
            (base + "/archive-frames/worker.txt?from=page-worker", "WORKER-BODY-7f3a"),
            (frameBase + "/archive-frames/worker.txt?from=frame-worker", "WORKER-BODY-7f3a"),
        ]
        for (uri, text) in expected {
            let record = ArchiveRecordingTests.first(records, "response", uri)
            #expect(body(uri)?.contains(text) == true, "guarded \(guarded): \(uri) has no body with \(text)")
            #expect(record?.info.header["WARC-Truncated"] == nil, "\(uri): \(String(describing: record?.info.header))")
            // Each response has its request, linked.
            let request = records.first { $0.info.type == "request" && $0.info.targetURI == uri }
            #expect(request != nil && request?.info.header["WARC-Concurrent-To"] == record?.info.recordID, "\(uri)")
        }
        #expect(ArchiveRecordingTests.first(records, "response", frameBase + "/archive-frames/frame-pixel.png") != nil)
        // Streamed inside the frame's session, whole.
        let large = try #require(ArchiveRecordingTests.first(records, "response", frameBase + "/_bytes/3000000"))
        #expect(large.info.header["WARC-Truncated"] == nil && large.block.count > 3_000_000, "\(large.info.header)")
        if let end = large.block.firstRange(of: Array("\r\n\r\n".utf8)) {
            #expect(large.block.count - end.upperBound == 3_000_000)
        }

        let archive = try #require(result.record.archive)
        #expect(archive.failed.isEmpty && archive.bodiesTruncated == 0, "\(archive.failed)")
        // The settle saw the workers' scripts end in the workers' sessions: nothing was left "in flight".
        #expect(!result.record.warnings.contains { $0.message.contains("in flight") || $0.message.contains("could not be checked") },
                "\(result.record.warnings)")
        let info = try #require(records.first { $0.info.type == "warcinfo" })
        let infoText = String(decoding: info.block, as: UTF8.self)
        #expect(infoText.contains("targets: 3 frame(s) and worker(s) besides the page: "), "\(infoText)")
        #expect(infoText.contains("iframe \(frameBase)/archive-frames/frame.html") && infoText.contains("worker \(base)/archive-frames/worker.js"))
        #expect(WARCChecker.check(path: path).passed)
        if ArchiveRecordingTests.hasWarcio {
            let check = try await TestSupport.run(ArchiveRecordingTests.warcio, ["check", path])
            #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        }
    }
}
