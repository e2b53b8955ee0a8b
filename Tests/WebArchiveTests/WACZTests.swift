import Foundation
import Testing
import ExhibitTestSupport
@testable import WebArchive

@Suite struct WACZTests {
    static func makePackage(in folder: URL) throws -> (sample: SampleArchive, wacz: String) {
        let sample = try SampleArchive(folder: folder)
        let wacz = folder.appendingPathComponent("capture.wacz").path
        _ = try WACZPackager.package(warcPath: sample.path, to: wacz,
                                     page: WACZPage(url: sample.pageURL, title: "Alice's post", date: Date(timeIntervalSince1970: 1_750_000_000)),
                                     title: "Exhibit capture of \(sample.pageURL)", software: "Exhibit 0.test")
        return (sample, wacz)
    }

    @Test func ourCheckerPassesThePackageAndNamesATamperedWARC() throws {
        let folder = try scratchFolder("wacz")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (sample, wacz) = try Self.makePackage(in: folder)
        let report = WACZChecker.check(path: wacz)
        #expect(report.passed, "\(report.problems) \(report.warcProblems)")
        #expect(report.resourcesChecked == 3)

        // The WARC is stored, so its bytes sit in the ZIP as they are: change one of the image's.
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: wacz)))
        let warc = try [UInt8](Data(contentsOf: URL(fileURLWithPath: sample.path)))
        let start = try #require(bytes.firstRange(of: warc.prefix(64))).lowerBound
        let image = try #require(sample.records.first { $0.targetURI == sample.imageURL })
        bytes[start + Int(image.offset) + Int(image.length) / 2] ^= 0x20
        try Data(bytes).write(to: URL(fileURLWithPath: wacz))
        let tampered = WACZChecker.check(path: wacz)
        #expect(!tampered.passed)
        #expect(tampered.problems.map(\.resource) == ["archive/data.warc.gz"], "\(tampered.problems)")
        #expect(tampered.warcProblems.first?.offset == image.offset, "\(tampered.warcProblems)")
    }

    @Test func aChangedDatapackageIsCaughtByItsDigest() throws {
        let folder = try scratchFolder("wacz-manifest")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (_, wacz) = try Self.makePackage(in: folder)
        // datapackage.json is deflated, so rewrite the package with one field changed.
        let unpacked = folder.appendingPathComponent("unpacked")
        #expect(try ProcessRunner.run("/usr/bin/python3", ["-c", """
            import sys, zipfile
            src, dst = sys.argv[1], sys.argv[2]
            with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
                for info in zin.infolist():
                    data = zin.read(info.filename)
                    if info.filename == "datapackage.json":
                        data = data.replace(b"Exhibit capture", b"Mallory capture")
                    zout.writestr(info, data)
            """, wacz, unpacked.path]).status == 0)
        let report = WACZChecker.check(path: unpacked.path)
        #expect(report.problems.map(\.resource).contains("datapackage-digest.json"), "\(report.problems)")
    }

    @Test(.enabled(if: Validators.has("wacz"), Comment(rawValue: Validators.absent)))
    func waczValidateAcceptsThePackage() throws {
        let folder = try scratchFolder("wacz-validate")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (_, wacz) = try Self.makePackage(in: folder)
        let result = try ProcessRunner.run(Validators.tool("wacz"), ["validate", "-f", wacz])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect((result.stdout + result.stderr).contains("Validation succeeded"), "\(result.stdout)\(result.stderr)")
    }

    /// cdxj-indexer (what pywb and py-wacz index with) over the same WARC gives the same lines,
    /// except the digest of metadata records, which have none in their header and which it
    /// computes as SHA-1.
    @Test(.enabled(if: Validators.has("cdxj-indexer"), Comment(rawValue: Validators.absent)))
    func theIndexIsTheOneCdxjIndexerWrites() throws {
        let folder = try scratchFolder("cdxj")
        defer { try? FileManager.default.removeItem(at: folder) }
        let sample = try SampleArchive(folder: folder)
        let ours = try CDXJIndexer.index(warcPath: sample.path, filename: "archive.warc.gz")
        let theirs = try ProcessRunner.run(Validators.tool("cdxj-indexer"), ["--sort", sample.path])
        #expect(theirs.status == 0, "\(theirs.stderr)")
        let reference = theirs.stdout.split(separator: "\n").map(String.init)
        #expect(reference.count == ours.count, "\(theirs.stdout)")
        for (line, expected) in zip(ours, reference) {
            if line.mime == "application/json" {
                #expect(line.text.prefix(while: { $0 != "{" }) == expected.prefix(while: { $0 != "{" }))
            } else {
                #expect(line.text == expected)
            }
        }
        #expect(SURT.key("https://www.Example.com:8080/a/B?z=1&a=2") == "com,example:8080)/a/b?a=2&z=1")
        #expect(SURT.key("http://[::1]:8080/x") == "::1:8080)/x")
        #expect(SURT.key("urn:view:https://social.example/") == "urn:view:https://social.example")
    }

    /// A HEAD or a POST of the page's URL must not be what a replay finds for the page: its key
    /// carries `__wb_method`. A POST's key is cdxj-indexer's `--post-append` key up to the form
    /// fields it also appends; a HEAD's cdxj-indexer leaves unmarked (the same key as the page's
    /// GET, so its replay could serve the empty HEAD), and Exhibit marks it too.
    @Test(.enabled(if: Validators.has("cdxj-indexer"), Comment(rawValue: Validators.absent)))
    func headAndPostAreKeyedByTheirMethod() throws {
        let folder = try scratchFolder("cdxj-methods")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("methods.warc.gz").path
        let writer = try WARCWriter(path: path, maxRecordSize: 1 << 20)
        let date = Date(timeIntervalSince1970: 1_750_000_000)
        let url = "https://social.example/alice/status/1?lang=en"
        for (method, body) in [("GET", "<p>the page</p>"), ("HEAD", ""), ("POST", "")] {
            let requestBody: WARCBody? = method == "POST" ? try writer.makeBody(Array("reply=hello".utf8)) : nil
            let requestID = WARCWriter.newRecordID(), responseID = WARCWriter.newRecordID()
            var headers: [(name: String, value: String)] = [("Host", "social.example")]
            if method == "POST" { headers.append(("Content-Type", "application/x-www-form-urlencoded")) }
            try writer.writeRequest(HTTPRequestHead(method: method, url: url, headers: headers), body: requestBody,
                                    concurrentTo: [responseID], id: requestID, date: date)
            try writer.writeResponse(HTTPResponseHead(status: 200, headers: [("Content-Type", "text/html")]), targetURI: url,
                                     body: writer.makeBody(Array(body.utf8)), id: responseID, concurrentTo: [requestID], date: date)
        }
        try writer.close()
        let ours = try CDXJIndexer.index(warcPath: path, filename: "methods.warc.gz")
        let theirs = try ProcessRunner.run(Validators.tool("cdxj-indexer"), ["--post-append", "--sort", path])
        #expect(theirs.status == 0, "\(theirs.stderr)")
        let reference = theirs.stdout.split(separator: "\n").map { String($0.prefix { $0 != " " }) }
        let keys = ours.map(\.urlKey)
        #expect(keys.count == 3 && reference.count == 3, "\(keys) \(reference)")
        #expect(keys.contains("example,social)/alice/status/1?lang=en"))
        #expect(keys.contains("example,social)/alice/status/1?__wb_method=head&lang=en"))
        #expect(keys.contains("example,social)/alice/status/1?__wb_method=post&lang=en"))
        #expect(reference.filter { $0 == "example,social)/alice/status/1?lang=en" }.count == 2, "\(reference)")
        let theirPost = reference.first { $0.contains("__wb_method=post") }
        #expect(theirPost?.hasPrefix("example,social)/alice/status/1?__wb_method=post&lang=en&") == true, "\(reference)")
    }
}
