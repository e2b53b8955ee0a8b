import Capture
import DevTools
import ExhibitTestSupport
import Foundation
import Testing
import WebArchive

/// `--warc`: the capture's traffic and files as `data/archive.warc.gz`, judged by warcio (an
/// implementation Exhibit did not write) and by the bag it sits in.
@Suite("Web archive of a capture (--warc)", .serialized, .hangGuard)
struct ArchiveRecordingTests {
    /// warcio from the virtualenv scripts/install-deps.sh makes.
    static let warcio = TestSupport.packageRoot.appendingPathComponent(".venv-webarchive/bin/warcio").path
    static var hasWarcio: Bool { FileManager.default.isExecutableFile(atPath: warcio) }

    /// The sample thread, captured once with the archive on.
    static let sample = Task { () throws -> CaptureResult in
        var options = TestSupport.fixtureOptions(try await TestSupport.baseURL() + "/sample-thread/")
        options.outputDirectory = TestSupport.temporaryFolder("warc").path
        options.recordWARC = true
        return try await CapturePipeline(options: options, browser: LaunchedBrowser()).run()
    }

    static func archivePath(_ result: CaptureResult) -> String {
        result.folder.appendingPathComponent("data/archive.warc.gz").path
    }

    /// Every record's header and block, read with Exhibit's reader (the checks below compare what
    /// it reads with what the bag and warcio say).
    static func records(_ path: String) throws -> [Record] {
        let reader = try WARCReader(path: path)
        var out: [Record] = []
        while true {
            var block: [UInt8] = []
            guard let info = try reader.next(block: { block += $0 }) else { return out }
            out.append(Record(info: info, block: block))
        }
    }

    struct Record {
        let info: WARCRecordInfo
        let block: [UInt8]
    }

    /// The first record of `type` for `uri`.
    static func first(_ records: [Record], _ type: String, _ uri: String) -> Record? {
        records.first { $0.info.type == type && $0.info.targetURI == uri }
    }

    @Test("warcio check passes every digest of data/archive.warc.gz", .enabled(if: hasWarcio, "warcio absent (.venv-webarchive; run scripts/install-deps.sh)"))
    func warcioPasses() async throws {
        let result = try await Self.sample.value
        let check = try await TestSupport.run(Self.warcio, ["check", "-v", Self.archivePath(result)])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(!check.stdout.contains("fail") && !check.stdout.contains("not checked"), "\(check.stdout)")
        #expect(check.stdout.contains("digest pass"), "\(check.stdout)")
        print("warcio check -v (sample thread):\n\(check.stdout)")
    }

    @Test("Exhibit's own checker finds no problem, and the record counts agree with capture.json")
    func checkerPasses() async throws {
        let result = try await Self.sample.value
        let report = WARCChecker.check(path: Self.archivePath(result))
        #expect(report.passed, "\(report.problems)")
        let archive = try #require(result.record.archive)
        #expect(report.recordsRead == archive.records)
        #expect(archive.file == "archive.warc.gz")
        #expect(archive.responses > 5 && archive.requests >= archive.responses, "\(archive)")
        #expect(result.record.steps.contains { $0.name.rawValue == "archive" })
        #expect(result.record.files.contains { $0.name == "archive.warc.gz" && $0.mediaType == "application/warc" })
    }

    @Test("the page's own response is recorded with status 200 and a reply's text in its body; requests and responses are linked")
    func pageResponse() async throws {
        let result = try await Self.sample.value
        let records = try Self.records(Self.archivePath(result))
        #expect(records.first?.info.type == "warcinfo")
        let url = result.record.finalURL
        let page = try #require(Self.first(records, "response", url), "no response for \(url)")
        let text = String(decoding: page.block, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200 "), "\(text.prefix(200))")
        #expect(text.contains("Goed nieuws voor de buurt. Komt er ook een fietsenstalling bij de kade?"))
        #expect(page.info.header["WARC-IP-Address"] == "127.0.0.1")
        let request = try #require(Self.first(records, "request", url))
        #expect(request.info.header.values("WARC-Concurrent-To").contains(page.info.recordID ?? "-"))
        #expect(page.info.header.values("WARC-Concurrent-To").contains(request.info.recordID ?? "-"))
        #expect(String(decoding: request.block, as: UTF8.self).hasPrefix("GET /sample-thread/ HTTP/1.1\r\n"))
    }

    @Test("screenshot, PDF and post.json are resource and metadata records under urn: names, the screenshot's digest the bag's")
    func capturedFiles() async throws {
        let result = try await Self.sample.value
        let records = try Self.records(Self.archivePath(result))
        let url = result.record.finalURL
        let screenshot = try #require(Self.first(records, "resource", "urn:view:" + url))
        #expect(screenshot.info.header["Content-Type"] == "image/png")
        let manifest = try String(contentsOf: result.folder.appendingPathComponent("manifest-sha256.txt"), encoding: .utf8)
        let line = try #require(manifest.split(separator: "\n").first { $0.hasSuffix(" data/screenshot.png") })
        let hash = String(line.prefix { $0 != " " })
        #expect(screenshot.info.header["WARC-Payload-Digest"] == "sha256:" + hash)
        #expect(screenshot.info.header["WARC-Block-Digest"] == "sha256:" + hash)
        #expect(Self.first(records, "resource", "urn:pdf:" + url) != nil)
        let post = try #require(Self.first(records, "metadata", "urn:post:" + url))
        #expect(post.block == [UInt8](try Data(contentsOf: result.folder.appendingPathComponent("data/post.json"))))
        // The archive is payload, hashed after its last write.
        #expect(manifest.contains(" data/archive.warc.gz"))
    }

    @Test("exhibit verify says the bag with its archive is VALID")
    func verifies() async throws {
        let result = try await Self.sample.value
        let verify = try await TestSupport.exhibit(["verify", result.folder.path])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("verdict: VALID"), "\(verify.stdout)")
    }

    @Test("a cookie the server set is in the archive only as its hash, in the Set-Cookie and in the Cookie sent back")
    func cookiesRedacted() async throws {
        let out = TestSupport.temporaryFolder("warc-cookie")
        let run = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + "/archive-cookie/", "--out", out.path,
                                                 "--quiet", "--warc", "--no-pdf"])
        #expect(run.status == 0, "\(run.stderr)")
        let folder = URL(fileURLWithPath: run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let path = folder.appendingPathComponent("data/archive.warc.gz").path
        let text = try await Self.gunzipped(path)
        #expect(!text.isEmpty)
        #expect(!text.contains("as-Rk4Vp9Tn2Wq7Lc3M"), "the cookie's value is in the archive")
        let setCookie = "archive_session=as-Rk4Vp9Tn2Wq7Lc3M; Path=/; HttpOnly; SameSite=Lax"
        #expect(text.contains("Set-Cookie: " + HeaderRedaction.replacement(for: setCookie)), "no redacted Set-Cookie")
        #expect(text.contains("Cookie: " + HeaderRedaction.replacement(for: "archive_session=as-Rk4Vp9Tn2Wq7Lc3M")), "no redacted Cookie")
        let record = try TestSupport.decodeRecord(folder)
        let redacted = try #require(record.archive?.redactedHeaders)
        #expect(redacted.contains { $0.name == "set-cookie" && $0.count >= 1 } && redacted.contains { $0.name == "cookie" && $0.count >= 1 },
                "\(redacted)")
        let capture = try String(contentsOf: folder.appendingPathComponent("data/capture.json"), encoding: .utf8)
        #expect(!capture.contains("as-Rk4Vp9Tn2Wq7Lc3M"))
        #expect(WARCChecker.check(path: path).passed)
        if Self.hasWarcio {
            let check = try await TestSupport.run(Self.warcio, ["check", "-v", path])
            #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
            print("warcio check -v (archive-cookie):\n\(check.stdout)")
        }
        let verify = try await TestSupport.exhibit(["verify", folder.path])
        #expect(verify.status == 0 && verify.stdout.contains("verdict: VALID"), "\(verify.stdout)")
    }

    @Test("--wacz packs the same archive as data/archive.wacz, which wacz validate accepts and the bag covers")
    func waczPackage() async throws {
        let out = TestSupport.temporaryFolder("wacz")
        let run = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + "/archive-cookie/", "--out", out.path,
                                                 "--quiet", "--wacz", "--no-pdf"])
        #expect(run.status == 0, "\(run.stderr)")
        let folder = URL(fileURLWithPath: run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let path = folder.appendingPathComponent("data/archive.wacz").path
        let record = try TestSupport.decodeRecord(folder)
        #expect(record.archive?.wacz == "archive.wacz" && record.options.recordWARC && record.options.packageWACZ)
        #expect(record.files.contains { $0.name == "archive.wacz" } && record.files.contains { $0.name == "archive.warc.gz" })
        let report = WACZChecker.check(path: path)
        #expect(report.passed, "\(report)")
        let wacz = TestSupport.packageRoot.appendingPathComponent(".venv-webarchive/bin/wacz").path
        if FileManager.default.isExecutableFile(atPath: wacz) {
            let validate = try await TestSupport.run(wacz, ["validate", "-f", path])
            #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")
            print("wacz validate -f (archive-cookie):\n\(validate.stdout)\(validate.stderr)")
        }
        let verify = try await TestSupport.exhibit(["verify", folder.path])
        #expect(verify.status == 0 && verify.stdout.contains("verdict: VALID"), "\(verify.stdout)")
        // The record with its archive object and options still matches the published schema.
        let schema = TestSupport.packageRoot.appendingPathComponent("Schemas/capture.schema.json").path
        let check = try await TestSupport.run("/usr/bin/env", ["python3", "-c", """
            import json, sys, jsonschema
            jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
            print("valid")
            """, folder.appendingPathComponent("data/capture.json").path, schema])
        #expect(check.status == 0 && check.stdout.contains("valid"), "\(check.stderr)")
    }

    @Test("the archive is on by default, and options recorded before it was (or before --warc existed) read as off")
    func onByDefault() throws {
        #expect(CaptureOptions(url: "http://127.0.0.1/").recordWARC == true)
        #expect(CaptureOptions(url: "http://127.0.0.1/").maxRecordSize == 1 << 30)
        let older = try JSONDecoder().decode(CaptureOptions.self, from: Data(#"{"url": "http://127.0.0.1/"}"#.utf8))
        #expect(older.recordWARC == false && older.packageWACZ == false)
    }

    /// The whole WARC decompressed by gzip itself (every member), for searching as text.
    static func gunzipped(_ path: String) async throws -> String {
        let run = try await TestSupport.run("/usr/bin/env", ["gzip", "-dc", path])
        #expect(run.status == 0, "\(run.stderr)")
        return run.stdout
    }
}
