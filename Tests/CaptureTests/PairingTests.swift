import Crypto
import Evidence
import Foundation
import Testing

/// `exhibit pair` and `capture --pair` through the binary, with archives another tool made:
/// Python `warcio` (from PyPI, in `.venv-webarchive`) fetches the fixture page and its API answer
/// and writes a WARC with its own (SHA-1) digests; `wacz create` (py-wacz) packs it as a WACZ; a
/// third WARC has the post's text changed in the page's body.
/// The project's virtualenv with warcio and py-wacz (scripts/install-deps.sh).
let pairingVenv = TestSupport.packageRoot.appendingPathComponent(".venv-webarchive/bin").path

@Suite("Pairing a capture with another tool's web archive", .serialized, .hangGuard,
       .enabled(if: FileManager.default.isExecutableFile(atPath: pairingVenv + "/python"), "warcio absent (.venv-webarchive; run scripts/install-deps.sh)"))
struct PairingTests {
    static let venv = pairingVenv

    struct Made: Sendable {
        let capture: URL
        let warc: URL, wacz: URL, altered: URL, other: URL
    }

    struct Failure: Error, CustomStringConvertible { let description: String; init(_ d: String) { description = d } }

    /// One Mastodon capture with --api, and the archives of the same page made by warcio.
    static let made = Task { () throws -> Made in
        let server = try await TestSupport.baseURL()
        let out = TestSupport.temporaryFolder("pair")
        let run = try await TestSupport.exhibit(["capture", server + "/mastodon/", "--profile", "mastodon", "--out", out.path, "--quiet", "--no-pdf",
                                                 "--api", "--api-base", server + "/platform-api/mastodon"])
        guard run.status == 0, let folder = TestSupport.visibleFolders(in: out).first else { throw Failure("capture: \(run.stderr)") }
        let archives = TestSupport.temporaryFolder("pair-archives")
        let script = TestSupport.packageRoot.appendingPathComponent("Tests/Support/webarchive/make_archive.py").path
        func make(_ name: String, _ arguments: [String]) async throws -> URL {
            let file = archives.appendingPathComponent(name)
            let made = try await TestSupport.run(venv + "/python", [script, file.path] + arguments)
            guard made.status == 0 else { throw Failure("make_archive \(name): \(made.stderr)") }
            return file
        }
        let warc = try await make("browsertrix-like.warc.gz", [server + "/mastodon/", server + "/platform-api/mastodon/api/v1/statuses/1790000000000000000"])
        let wacz = archives.appendingPathComponent("crawl.wacz")
        let packed = try await TestSupport.run(venv + "/wacz", ["create", "-o", wacz.path, warc.path])
        guard packed.status == 0 else { throw Failure("wacz create: \(packed.stderr)") }
        let altered = try await make("altered.warc.gz", [server + "/mastodon/", "--replace", "voorjaar", "najaar"])
        let other = try await make("other-page.warc.gz", [server + "/x/"])
        return Made(capture: out.appendingPathComponent(folder), warc: warc, wacz: wacz, altered: altered, other: other)
    }

    /// A fresh copy of the capture.
    func copy() async throws -> URL {
        let made = try await Self.made.value
        let target = TestSupport.temporaryFolder("paired").appendingPathComponent("bag")
        _ = try await TestSupport.run("/bin/cp", ["-a", made.capture.path, target.path])
        return target
    }

    func sha256(_ url: URL) throws -> String { SHA256.hash(data: try Data(contentsOf: url)).map { String(format: "%02x", $0) }.joined() }

    func pairing(_ bag: URL, _ name: String) throws -> PairingRecord {
        try JSONDecoder().decode(PairingRecord.self, from: Data(contentsOf: bag.appendingPathComponent("pairing/\(name).json")))
    }

    @Test("a warcio WARC: its SHA-256 and size, its records for the page and the API call with their time gap, the same body; a tag file shown in the report; verify with and without --archive")
    func warc() async throws {
        let made = try await Self.made.value
        let bag = try await copy()
        let manifestBefore = try sha256(bag.appendingPathComponent("manifest-sha256.txt"))
        let run = try await TestSupport.exhibit(["pair", bag.path, made.warc.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("paired: 4 record(s) for the page and its API calls in WARC, gzip browsertrix-like.warc.gz; its main response "), "\(run.stdout)")
        let record = try pairing(bag, "browsertrix-like.warc.gz")
        #expect(record.archive.sha256 == (try sha256(made.warc)) && record.archive.format == "WARC, gzip" && record.archive.includedAs == nil)
        #expect(record.archive.bytes == UInt64(try Data(contentsOf: made.warc).count) && record.archive.recordsInArchive == 4)
        let server = try await TestSupport.baseURL()
        #expect(Set(record.records.map { "\($0.type) \($0.targetURI)" }) == [
            "response \(server)/mastodon/", "request \(server)/mastodon/",
            "response \(server)/platform-api/mastodon/api/v1/statuses/1790000000000000000",
            "request \(server)/platform-api/mastodon/api/v1/statuses/1790000000000000000"])
        #expect(record.records.allSatisfy { ($0.secondsFromCapture ?? -1) >= 0 && ($0.secondsFromCapture ?? 999) < 300 && $0.payloadDigest?.hasPrefix("sha1:") == true })
        #expect(record.body.result == "same" && record.body.postTextInArchive == true && record.body.archiveSHA256 == record.body.exhibitSHA256)
        // A tag file: the payload manifest (what the timestamps stamp) is untouched; the tag manifest covers it.
        #expect(try sha256(bag.appendingPathComponent("manifest-sha256.txt")) == manifestBefore)
        #expect(try String(contentsOf: bag.appendingPathComponent("tagmanifest-sha256.txt"), encoding: .utf8).contains("  pairing/browsertrix-like.warc.gz.json"))
        let report = try String(contentsOf: bag.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(report.contains("<h2>Paired web archives</h2>") && report.contains("browsertrix-like.warc.gz (WARC, gzip, ") && report.contains(record.archive.sha256))

        let plain = try await TestSupport.exhibit(["verify", bag.path])
        #expect(plain.status == 0, "\(plain.stdout)")
        #expect(plain.stdout.contains("ok   pairing/browsertrix-like.warc.gz.json: paired with browsertrix-like.warc.gz (sha256 \(record.archive.sha256.prefix(16))…), which is not at hand: its digest was not checked (give --archive FILE)"))
        let given = try await TestSupport.exhibit(["verify", bag.path, "--archive", made.warc.path])
        #expect(given.status == 0 && given.stdout.contains("the archive given, browsertrix-like.warc.gz, is the one paired"), "\(given.stdout)")
        let wrong = try await TestSupport.exhibit(["verify", bag.path, "--archive", made.altered.path])
        #expect(wrong.status == 1 && wrong.stdout.contains("FAIL altered.warc.gz: --archive given, but no pairing of this capture records an archive with its SHA-256"))
        // The same name, other bytes: named as not the one paired.
        let impostor = TestSupport.temporaryFolder("impostor").appendingPathComponent("browsertrix-like.warc.gz")
        try FileManager.default.copyItem(at: made.altered, to: impostor)
        let swapped = try await TestSupport.exhibit(["verify", bag.path, "--archive", impostor.path])
        #expect(swapped.status == 1 && swapped.stdout.contains("FAIL pairing/browsertrix-like.warc.gz.json: the archive given, browsertrix-like.warc.gz, is not the one paired"), "\(swapped.stdout)")
        // The same archive twice: refused, nothing changed.
        let again = try await TestSupport.exhibit(["pair", bag.path, made.warc.path])
        #expect(again.status == 2 && again.stderr.contains("already paired"))
    }

    @Test("a py-wacz WACZ with --include: copied into the bag as a tag file and checked by verify; changed afterwards, verify fails")
    func waczIncluded() async throws {
        let made = try await Self.made.value
        let bag = try await copy()
        let run = try await TestSupport.exhibit(["pair", bag.path, made.wacz.path, "--include"])
        #expect(run.status == 0, "\(run.stderr)")
        let record = try pairing(bag, "crawl.wacz")
        #expect(record.archive.format == "WACZ" && record.archive.includedAs == "pairing/archives/crawl.wacz" && record.records.allSatisfy { $0.entry == "archive/browsertrix-like.warc.gz" })
        #expect(try sha256(bag.appendingPathComponent("pairing/archives/crawl.wacz")) == record.archive.sha256)
        let verify = try await TestSupport.exhibit(["verify", bag.path])
        #expect(verify.status == 0 && verify.stdout.contains("ok   pairing/archives/crawl.wacz: the paired archive crawl.wacz as pairing/crawl.wacz.json records it"), "\(verify.stdout)")
        // Replaced by another archive with the tag manifests rewritten: the pairing's own digest says so.
        try FileManager.default.removeItem(at: bag.appendingPathComponent("pairing/archives/crawl.wacz"))
        try FileManager.default.copyItem(at: made.altered, to: bag.appendingPathComponent("pairing/archives/crawl.wacz"))
        let script = TestSupport.packageRoot.appendingPathComponent("Tests/Support/attacker/attacker.py").path
        #expect(try await TestSupport.run("/usr/bin/env", ["python3", script, "retag", bag.path]).status == 0)
        let tampered = try await TestSupport.exhibit(["verify", bag.path])
        #expect(tampered.status == 1 && tampered.stdout.contains("FAIL pairing/archives/crawl.wacz: the paired archive is not the one pairing/crawl.wacz.json records"), "\(tampered.stdout)")
    }

    @Test("an archive whose body differs: not the same payload, the post's text not in it, and where the texts part")
    func differentBody() async throws {
        let made = try await Self.made.value
        let bag = try await copy()
        let run = try await TestSupport.exhibit(["pair", bag.path, made.altered.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("body different from Exhibit's (the post's text is not in it)"), "\(run.stdout)")
        let body = try pairing(bag, "altered.warc.gz").body
        #expect(body.result == "different" && body.postTextInArchive == false && body.postTextInExhibit == true && body.archiveSHA256 != body.exhibitSHA256)
        #expect(body.difference?.contains("the archive “…eden starten in het najaar van 2027.") == true && body.difference?.contains("Exhibit “…eden starten in het voorjaar") == true,
                "\(body.difference ?? "")")
    }

    @Test("truncated, not gzip though named so, not an archive, or no record for the page: one line, exit 2, the capture unchanged")
    func refused() async throws {
        let made = try await Self.made.value
        let bag = try await copy()
        let folder = TestSupport.temporaryFolder("bad-archives")
        let whole = try Data(contentsOf: made.warc)
        let truncated = folder.appendingPathComponent("cut.warc.gz"), notGzip = folder.appendingPathComponent("plain.warc.gz")
        let text = folder.appendingPathComponent("notes.wacz")
        try whole.prefix(whole.count - 200).write(to: truncated)
        try Data("WARC is what this is not\n".utf8).write(to: notGzip)
        try Data("PK but not a zip".utf8).write(to: text)
        func listing() throws -> [String: String] {
            var files: [String: String] = [:]
            for file in BagFiles.inventory(bag).files { files[file] = try sha256(bag.appendingPathComponent(file)) }
            return files
        }
        let before = try listing()
        for (archive, message) in [(truncated, "cut.warc.gz is not a whole WARC: unreadable"),
                                   (notGzip, "plain.warc.gz is not a WARC, a gzipped WARC or a WACZ (its first bytes say none of these); it is named .gz but is not gzip"),
                                   (text, "notes.wacz is not a WARC, a gzipped WARC or a WACZ"),
                                   (made.other, "other-page.warc.gz has no record for \(try await TestSupport.baseURL())/mastodon/ (2 records, e.g. for")] {
            let run = try await TestSupport.exhibit(["pair", bag.path, archive.path])
            #expect(run.status == 2, "\(archive.lastPathComponent): \(run.stderr)")
            #expect(run.stderr.hasPrefix("exhibit: error: not paired: \(message)") && run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
            #expect(try listing() == before, "\(archive.lastPathComponent) changed the capture")
        }
    }

    @Test("capture --pair: the capture is paired once sealed; a truncated archive is refused before anything is captured")
    func captureWithPair() async throws {
        let made = try await Self.made.value
        let server = try await TestSupport.baseURL()
        let out = TestSupport.temporaryFolder("capture-pair")
        let run = try await TestSupport.exhibit(["capture", server + "/mastodon/", "--profile", "mastodon", "--out", out.path, "--no-pdf", "--no-warc",
                                                 "--pair", made.warc.path, "--include"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("  paired: 2 record(s) for the page and its API calls in WARC, gzip browsertrix-like.warc.gz"), "\(run.stderr)")
        let bag = out.appendingPathComponent(try #require(TestSupport.visibleFolders(in: out).first))
        let record = try pairing(bag, "browsertrix-like.warc.gz")
        // Without its own web archive, Exhibit has no body to compare, and says so.
        #expect(record.body.result == "not compared" && record.body.reason?.contains("--no-warc") == true)
        #expect(FileManager.default.fileExists(atPath: bag.appendingPathComponent("pairing/archives/browsertrix-like.warc.gz").path))
        #expect(try await TestSupport.exhibit(["verify", bag.path]).status == 0)

        let cut = TestSupport.temporaryFolder("cut").appendingPathComponent("cut.warc.gz")
        let whole = try Data(contentsOf: made.warc)
        try whole.prefix(whole.count / 2).write(to: cut)
        let empty = TestSupport.temporaryFolder("capture-pair-refused")
        let refused = try await TestSupport.exhibit(["capture", server + "/mastodon/", "--out", empty.path, "--pair", cut.path])
        #expect(refused.status == 2 && refused.stderr.hasPrefix("exhibit: error: --pair: cut.warc.gz is not a whole WARC"), "\(refused.stderr)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: empty.path)) ?? []).isEmpty)
    }

    @Test("compare CAPTURE ARCHIVE: the archive's records and body against the capture, read only; another page's archive exits 2")
    func compareWithArchive() async throws {
        let made = try await Self.made.value
        let bag = try await copy()
        let same = try await TestSupport.exhibit(["compare", bag.path, made.warc.path])
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        #expect(same.stdout.contains("the page's body is the one Exhibit received"))
        #expect(same.stdout.contains("replies, counts and pictures are not compared: an archive keeps the traffic, not a rendering"))
        let altered = try await TestSupport.exhibit(["compare", bag.path, made.altered.path])
        #expect(altered.status == 1, "\(altered.stdout)")
        #expect(altered.stdout.contains("the page's body differs from the one Exhibit received: the archive “…eden starten in het najaar"))
        #expect(altered.stdout.contains("the post's text (post.json) is not in the archive's body"))
        let other = try await TestSupport.exhibit(["compare", bag.path, made.other.path])
        #expect(other.status == 2 && other.stderr.hasPrefix("exhibit: error: not the same page: other-page.warc.gz has no record for "), "\(other.stderr)")
        let html = try await TestSupport.exhibit(["compare", bag.path, made.warc.path, "--html", TestSupport.temporaryFolder("x").appendingPathComponent("c.html").path])
        #expect(html.status == 2 && html.stderr.contains("a web archive has none"))
        // Nothing was written: compare does not pair.
        #expect(!FileManager.default.fileExists(atPath: bag.appendingPathComponent("pairing").path))
    }

    @Test("a pairing rewritten to name its archive like a check line cannot hide an --archive that matches nothing; a pairing folder that is a link is not written through")
    func forged() async throws {
        let made = try await Self.made.value
        let bag = try await copy()
        #expect(try await TestSupport.exhibit(["pair", bag.path, made.warc.path]).status == 0)
        let file = bag.appendingPathComponent("pairing/browsertrix-like.warc.gz.json")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        var archive = try #require(json["archive"] as? [String: Any])
        archive["fileName"] = "x, the archive given, altered.warc.gz,"
        archive["sha256"] = String(repeating: "0", count: 64)
        json["archive"] = archive
        try JSONSerialization.data(withJSONObject: json).write(to: file)
        let script = TestSupport.packageRoot.appendingPathComponent("Tests/Support/attacker/attacker.py").path
        #expect(try await TestSupport.run("/usr/bin/env", ["python3", script, "retag", bag.path]).status == 0)
        let verify = try await TestSupport.exhibit(["verify", bag.path, "--archive", made.altered.path])
        #expect(verify.status == 1 && verify.stdout.contains("FAIL altered.warc.gz: --archive given, but no pairing of this capture records an archive with its SHA-256"),
                "\(verify.stdout)")

        let other = try await copy()
        let elsewhere = TestSupport.temporaryFolder("elsewhere")
        try FileManager.default.createSymbolicLink(at: other.appendingPathComponent("pairing"), withDestinationURL: elsewhere)
        let run = try await TestSupport.exhibit(["pair", other.path, made.warc.path, "--include"])
        #expect(run.status == 2 && run.stderr.contains("not a regular file"), "\(run.stderr)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: elsewhere.path)) ?? []).isEmpty)
    }
}
