import ExhibitTestSupport
import Foundation
import Testing

/// `exhibit verify` reads the capture's web archive record by record. Each attack is made on a
/// copy of one `--warc --wacz` capture of the sample thread by `Tests/Support/attacker/attacker.py`,
/// which then rewrites both payload manifests and both tag manifests (the capture has no key and no
/// timestamp), so the bag's own hashes all match and only the archive's checks can catch it.
@Suite("exhibit verify checks the web archive", .serialized, .hangGuard)
struct ArchiveVerifyTests {
    struct Captured: Sendable {
        let folder: URL
        let pageURL: String
        let captureId: String
    }

    struct StepFailure: Error, CustomStringConvertible { let description: String }

    static let original = Task { () throws -> Captured in
        let out = TestSupport.temporaryFolder("archive-verify")
        let run = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + "/sample-thread/", "--out", out.path,
                                                 "--quiet", "--warc", "--wacz"])
        guard run.status == 0 else { throw StepFailure(description: "capture: \(run.stderr)") }
        let folder = URL(fileURLWithPath: run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let record = try TestSupport.decodeRecord(folder)
        return Captured(folder: folder, pageURL: record.finalURL, captureId: record.captureId)
    }

    /// A fresh copy of the capture, changed by `attacker.py action` when one is given.
    func attacked(_ action: String? = nil, _ arguments: String...) async throws -> (URL, Captured) {
        let captured = try await Self.original.value
        let bag = TestSupport.temporaryFolder("archive-attacked").appendingPathComponent("bag")
        let cp = try await TestSupport.run("/bin/cp", ["-a", captured.folder.path, bag.path])
        guard cp.status == 0 else { throw StepFailure(description: "cp: \(cp.stderr)") }
        if let action {
            let script = TestSupport.packageRoot.appendingPathComponent("Tests/Support/attacker/attacker.py").path
            let run = try await TestSupport.run("/usr/bin/env", ["python3", script, action, bag.path] + arguments)
            guard run.status == 0 else { throw StepFailure(description: "attacker \(action): \(run.stderr)") }
        }
        return (bag, captured)
    }

    func verify(_ bag: URL, _ extra: [String] = []) async throws -> TestSupport.Output {
        try await TestSupport.exhibit(["verify", bag.path] + extra)
    }

    /// INVALID with exit 1; the payload's own checks all pass (the attacker rewrote the manifests),
    /// and the FAIL lines for `subject` are returned.
    func failLines(_ run: TestSupport.Output, _ subject: String, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        #expect(run.status == 1, "exit \(run.status)\n\(run.stdout)", sourceLocation: sourceLocation)
        #expect(run.stdout.split(separator: "\n").last?.hasPrefix("verdict: INVALID") == true, "\(run.stdout)", sourceLocation: sourceLocation)
        #expect(run.stdout.contains("ok   data/archive.warc.gz: SHA-256 and SHA-512 match"), "\(run.stdout)", sourceLocation: sourceLocation)
        return run.stdout.split(separator: "\n").map(String.init).filter { $0.hasPrefix("FAIL \(subject): ") }
    }

    @Test("the untouched capture is VALID, with one ok line for the WARC and one for the WACZ, in text and JSON")
    func control() async throws {
        let (bag, captured) = try await attacked()
        let run = try await verify(bag)
        #expect(run.status == 0, "\(run.stdout)")
        #expect(run.stdout.contains("verdict: VALID"), "\(run.stdout)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        let warc = try #require(lines.first { $0.hasPrefix("ok   data/archive.warc.gz: ") && $0.contains("records") }, "\(run.stdout)")
        let record = try TestSupport.decodeRecord(bag)
        let archive = try #require(record.archive)
        #expect(warc.contains("\(archive.records) records, ") && warc.contains(" digests match; as capture.json says: ")
                && warc.contains("capture \(captured.captureId)"), "\(warc)")
        let wacz = try #require(lines.first { $0.hasPrefix("ok   data/archive.wacz: ") && $0.contains("datapackage") }, "\(run.stdout)")
        #expect(wacz.contains("3 resources match datapackage.json") && wacz.contains("archive/data.warc.gz: \(archive.records) records")
                && wacz.contains("the same bytes as data/archive.warc.gz"), "\(wacz)")
        print("exhibit verify (sample thread with --warc --wacz):\n\(run.stdout)")

        let json = try await verify(bag, ["--json"])
        #expect(json.status == 0)
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let checks = report?["checks"] as? [[String: Any]] ?? []
        #expect(checks.contains { $0["subject"] as? String == "data/archive.warc.gz" && $0["ok"] as? Bool == true
                                  && ($0["detail"] as? String)?.contains("digests match") == true }, "\(json.stdout)")
        #expect(checks.contains { $0["subject"] as? String == "data/archive.wacz" && $0["ok"] as? Bool == true
                                  && ($0["detail"] as? String)?.contains("datapackage") == true }, "\(json.stdout)")
    }

    @Test("one byte of the page's body changed in the WARC (manifests rewritten): INVALID, the record named by its URI")
    func warcBodyChanged() async throws {
        let (bag, captured) = try await attacked("warc-body", "data/archive.warc.gz", try await Self.original.value.pageURL)
        let run = try await verify(bag)
        let fails = failLines(run, "data/archive.warc.gz")
        #expect(fails.count == 1, "\(run.stdout)")
        let line = try #require(fails.first)
        #expect(line.contains("block digest and payload digest of the record for \(captured.pageURL) (<urn:uuid:"), "\(line)")
        #expect(line.contains("do not match: the header says sha256:"), "\(line)")
        // The WACZ still holds the original WARC: it is fine in itself, but no longer the bag's WARC.
        let wacz = failLines(run, "data/archive.wacz")
        #expect(wacz.count == 1 && wacz.first?.contains("archive/data.warc.gz is not the same file as data/archive.warc.gz") == true,
                "\(run.stdout)")
        print("exhibit verify (one body byte changed):\n\(run.stdout)")
    }

    @Test("warcio, the independent validator, also fails the WARC whose body byte was changed",
          .enabled(if: ArchiveRecordingTests.hasWarcio, "warcio absent (.venv-webarchive; run scripts/install-deps.sh)"))
    func warcioFailsTheChangedWARC() async throws {
        let (bag, captured) = try await attacked("warc-body", "data/archive.warc.gz", try await Self.original.value.pageURL)
        let check = try await TestSupport.run(ArchiveRecordingTests.warcio, ["check", "-v", bag.appendingPathComponent("data/archive.warc.gz").path])
        #expect(check.status != 0, "\(check.stdout)")
        #expect(check.stdout.contains("block digest failed") && check.stdout.contains("payload digest failed"), "\(check.stdout)")
        // warcio names the failing record by its id, in the line before its results: the page's response.
        let path = bag.appendingPathComponent("data/archive.warc.gz").path
        let page = try #require(try ArchiveRecordingTests.records(path).first { $0.info.type == "response" && $0.info.targetURI == captured.pageURL })
        let lines = check.stdout.split(separator: "\n").map(String.init)
        let failed = try #require(lines.firstIndex { $0.contains("block digest failed") })
        #expect(lines[..<failed].last?.contains("WARC-Record-ID \(page.info.recordID ?? "-") response") == true, "\(check.stdout)")
        #expect(lines.filter { $0.contains("digest failed") }.count == 2, "only the changed record fails: \(check.stdout)")
        print("warcio check -v (one body byte changed):\n\(check.stdout)")
    }

    @Test("one byte of the WARC inside the WACZ changed, datapackage.json and its digest rewritten to match: the record is named")
    func waczWARCChanged() async throws {
        let (bag, captured) = try await attacked("warc-body", "data/archive.wacz", try await Self.original.value.pageURL)
        let run = try await verify(bag)
        let fails = failLines(run, "data/archive.wacz")
        #expect(fails.contains { $0.contains("archive/data.warc.gz: block digest and payload digest of the record for \(captured.pageURL) (<urn:uuid:") },
                "\(run.stdout)")
        #expect(fails.contains { $0.contains("archive/data.warc.gz is not the same file as data/archive.warc.gz") }, "\(run.stdout)")
        // datapackage.json was made to match, so no resource hash fails: only the records can tell.
        #expect(!fails.contains { $0.contains("datapackage.json says") }, "\(run.stdout)")
        #expect(!run.stdout.contains("FAIL data/archive.warc.gz"), "\(run.stdout)")
    }

    @Test("one byte of a resource datapackage.json lists changed (pages.jsonl): the resource is named")
    func waczResourceChanged() async throws {
        let (bag, _) = try await attacked("wacz-entry", "pages/pages.jsonl")
        let run = try await verify(bag)
        let fails = failLines(run, "data/archive.wacz")
        #expect(fails.count == 1 && fails.first?.contains("pages/pages.jsonl: its SHA-256 is ") == true
                && fails.first?.contains(", datapackage.json says sha256:") == true, "\(run.stdout)")
    }

    @Test("another valid WARC swapped in: one record fewer fails the count capture.json gives")
    func recordDropped() async throws {
        let (bag, _) = try await attacked("warc-drop-last")
        let run = try await verify(bag)
        let archive = try #require(try TestSupport.decodeRecord(bag).archive)
        let fails = failLines(run, "data/archive.warc.gz")
        #expect(fails.contains { $0.hasSuffix("holds \(archive.records - 1) records, capture.json says \(archive.records)") }, "\(run.stdout)")
        #expect(fails.count == 1, "every record left is valid: \(run.stdout)")
    }

    @Test("a WARC whose warcinfo names another capture (its digest recomputed) is refused")
    func otherCapture() async throws {
        let (bag, captured) = try await attacked("warc-capture-id", "00000000-0000-4000-8000-000000000000")
        let run = try await verify(bag)
        let fails = failLines(run, "data/archive.warc.gz")
        #expect(fails == ["FAIL data/archive.warc.gz: its warcinfo record names capture 00000000-0000-4000-8000-000000000000, "
                          + "capture.json is capture \(captured.captureId)"], "\(run.stdout)")
    }

    @Test("the WARC replaced by a symlink out of the bag, or named by capture.json outside it: FAIL, never read")
    func pathsOutsideTheBag() async throws {
        let (bag, _) = try await attacked()
        let warc = bag.appendingPathComponent("data/archive.warc.gz")
        try FileManager.default.removeItem(at: warc)
        try FileManager.default.createSymbolicLink(atPath: warc.path, withDestinationPath: "/etc/passwd")
        let run = try await TestSupport.exhibit(["verify", bag.path])
        #expect(run.status == 1, "\(run.stdout)")
        #expect(run.stdout.contains("FAIL data/archive.warc.gz: capture.json names it as the capture's web archive, but it is not a regular file (symlink)"),
                "\(run.stdout)")
        #expect(!run.stdout.contains("root:"), "\(run.stdout)")

        let (other, _) = try await attacked()
        let recordURL = other.appendingPathComponent("data/capture.json")
        let text = try String(contentsOf: recordURL, encoding: .utf8)
        try Data(text.replacingOccurrences(of: #""file" : "archive.warc.gz""#, with: #""file" : "../../../../../etc/passwd""#)
            .replacingOccurrences(of: #""file":"archive.warc.gz""#, with: #""file":"../../../../../etc/passwd""#).utf8).write(to: recordURL)
        #expect(try String(contentsOf: recordURL, encoding: .utf8).contains("etc/passwd"), "the record's archive.file was not found to change")
        let script = TestSupport.packageRoot.appendingPathComponent("Tests/Support/attacker/attacker.py").path
        #expect(try await TestSupport.run("/usr/bin/env", ["python3", script, "rehash", other.path]).status == 0)
        let escaped = try await verify(other)
        #expect(escaped.status == 1, "\(escaped.stdout)")
        #expect(escaped.stdout.contains("FAIL data/../../../../../etc/passwd: capture.json names it as the capture's web archive, but it is not a path inside the bag"),
                "\(escaped.stdout)")
    }
}
