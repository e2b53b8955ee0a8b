import Foundation
import Testing
@testable import Evidence

/// How `exhibit verify` turns what the web-archive checkers found into check lines, on bags built
/// by hand (plain `.warc` text, so every byte is visible in the test).
@Suite("Evidence: the web archive's check lines")
struct ArchiveVerificationTests {
    static let captureId = "5a1e0c3d-0000-4000-8000-000000000001"

    /// A plain WARC record with `block` and a block digest, right or wrong.
    static func record(_ type: String, uri: String, block: String, rightDigest: Bool) throws -> String {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("exhibit-block-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try Data(block.utf8).write(to: scratch)
        let digest = rightDigest ? try FileDigest(fileAt: scratch.path).sha256 : String(repeating: "0", count: 64)
        return "WARC/1.1\r\nWARC-Type: \(type)\r\nWARC-Record-ID: <urn:uuid:\(UUID().uuidString.lowercased())>\r\n"
            + (type == "warcinfo" ? "" : "WARC-Target-URI: \(uri)\r\n")
            + "WARC-Block-Digest: sha256:\(digest)\r\nContent-Length: \(block.utf8.count)\r\n\r\n\(block)\r\n\r\n"
    }

    static func warcinfo() throws -> String {
        try record("warcinfo", uri: "", block: "software: Exhibit test\r\ncaptureId: \(captureId)\r\n", rightDigest: true)
    }

    static func captureJSON(records: Int, file: String = "archive.warc", extra: String = "") -> String {
        #"{"captureId": "\#(captureId)", "archive": {"file": "\#(file)", "records": \#(records), "responses": 0\#(extra)}}"#
    }

    static func checks(_ bag: TemporaryBag) -> [BagCheck] {
        ArchiveVerification(root: bag.root, files: BagFiles.inventory(bag.root).files).checks()
    }

    @Test("a sound archive is one ok line: records, digests, and what capture.json says")
    func soundArchive() throws {
        let warc = try Self.warcinfo() + Self.record("resource", uri: "urn:view:https://example.org/", block: "pixels", rightDigest: true)
        let bag = try TemporaryBag(files: ["archive.warc": warc, "capture.json": Self.captureJSON(records: 2)])
        defer { bag.remove() }
        let checks = Self.checks(bag)
        #expect(checks == [BagCheck(subject: "data/archive.warc", ok: true,
                                    detail: "2 records, 2 digests match; as capture.json says: 2 records, 0 responses, capture \(Self.captureId)")],
                "\(checks)")
    }

    @Test("thirty failing records give twenty FAIL lines, each naming its record, and one saying how many more")
    func linesAreCapped() throws {
        var warc = try Self.warcinfo()
        for index in 0..<30 { warc += try Self.record("resource", uri: "https://example.org/\(index)", block: "body \(index)", rightDigest: false) }
        let bag = try TemporaryBag(files: ["archive.warc": warc, "capture.json": Self.captureJSON(records: 31)])
        defer { bag.remove() }
        let checks = Self.checks(bag)
        #expect(checks.count == ArchiveVerification.maxLines + 1 && checks.allSatisfy { !$0.ok && $0.subject == "data/archive.warc" }, "\(checks)")
        for (index, check) in checks.prefix(ArchiveVerification.maxLines).enumerated() {
            #expect(check.detail.hasPrefix("block digest of the record for https://example.org/\(index) (<urn:uuid:"), "\(check.detail)")
            #expect(check.detail.contains(" does not match: the header says sha256:000"), "\(check.detail)")
        }
        #expect(checks.last?.detail == "and 10 more problem(s) not shown")
    }

    @Test("a target URI of 100 KB is cut in the line that quotes it")
    func longLinesAreCut() throws {
        let uri = "https://example.org/" + String(repeating: "a", count: 100_000)
        let warc = try Self.warcinfo() + Self.record("resource", uri: uri, block: "x", rightDigest: false)
        let bag = try TemporaryBag(files: ["archive.warc": warc, "capture.json": Self.captureJSON(records: 2)])
        defer { bag.remove() }
        let line = try #require(Self.checks(bag).first)
        #expect(!line.ok && line.detail.count <= ArchiveVerification.maxLineCharacters + 1 && line.detail.hasSuffix("…"))
    }

    @Test("what capture.json names is checked as what it names: a missing archive, a WACZ that is no ZIP, a malformed archive object")
    func theRecordsPromises() throws {
        let missing = try TemporaryBag(files: ["capture.json": Self.captureJSON(records: 2)])
        defer { missing.remove() }
        #expect(Self.checks(missing) == [BagCheck(subject: "data/archive.warc", ok: false,
                                                  detail: "capture.json names it as the capture's web archive, but it is missing")])

        let notZIP = try TemporaryBag(files: ["archive.warc": try Self.warcinfo(), "package.bin": "not a zip",
                                              "capture.json": Self.captureJSON(records: 1, extra: #", "wacz": "package.bin""#)])
        defer { notZIP.remove() }
        let package = Self.checks(notZIP).filter { $0.subject == "data/package.bin" }
        #expect(package.count == 1 && package.first?.ok == false && package.first?.detail.contains("not a ZIP file") == true, "\(package)")

        let malformed = try TemporaryBag(files: ["capture.json": #"{"captureId": "x", "archive": "archive.warc"}"#])
        defer { malformed.remove() }
        #expect(Self.checks(malformed) == [BagCheck(subject: "data/capture.json", ok: false, detail: "its archive object is not an object")])
    }

    @Test("the bag's archives share one inflation budget, made only of files that were opened: capture.json naming a huge file outside the bag cannot enlarge it")
    func budgetOfOpenedFilesOnly() throws {
        // Two gzipped WARCs of 15 MB of one letter each (about 1,000 to 1): each within its own
        // limit, together past 100 times their sizes (the floor lowered to 0 for the test).
        let block = String(repeating: "A", count: 15_000_000)
        let warc = try Self.warcinfo() + Self.record("resource", uri: "urn:view:https://example.org/", block: block, rightDigest: true)
        // A sparse 100 GiB file beside the bag: counted, it would raise the budget past anything.
        let outsideName = "outside-\(UUID().uuidString).bin"
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent(outsideName)
        #expect(FileManager.default.createFile(atPath: outside.path, contents: nil))
        defer { try? FileManager.default.removeItem(at: outside) }
        let handle = try FileHandle(forWritingTo: outside)
        try handle.truncate(atOffset: 100 << 30)
        try handle.close()
        let bag = try TemporaryBag(files: ["capture.json": Self.captureJSON(records: 2, file: "../../\(outsideName)")])
        defer { bag.remove() }
        for name in ["one.warc.gz", "two.warc.gz"] {
            let plain = bag.root.appendingPathComponent("data/\(name).plain")
            try Data(warc.utf8).write(to: plain)
            let gzip = Process()
            gzip.executableURL = URL(fileURLWithPath: "/bin/sh")
            gzip.arguments = ["-c", "gzip -c \"$0\" > \"$1\" && rm \"$0\"", plain.path, bag.root.appendingPathComponent("data/\(name)").path]
            try gzip.run()
            gzip.waitUntilExit()
            #expect(gzip.terminationStatus == 0)
        }
        var verification = ArchiveVerification(root: bag.root, files: BagFiles.inventory(bag.root).files)
        verification.budgetFloor = 0
        let checks = verification.checks()
        #expect(checks.contains { $0.subject == "data/../../\(outsideName)" && !$0.ok }, "\(checks)")
        #expect(checks.contains { !$0.ok && $0.detail.contains("together inflate to more than") }, "\(checks)")
    }

    @Test("a bag without an archive gets no archive lines")
    func noArchive() throws {
        let bag = try TemporaryBag(files: ["capture.json": #"{"captureId": "x"}"#, "screenshot.png": "pixels"])
        defer { bag.remove() }
        #expect(Self.checks(bag).isEmpty)
    }
}
