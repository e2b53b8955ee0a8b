import ExhibitTestSupport
import Foundation
import Testing

/// Attacks on `exhibit verify`, each tried through the binary on a real capture that is
/// timestamped by the loopback TSA and signed: the capture is copied, changed the way someone with
/// write access to the folder (but no key) would change it, made self-consistent again by
/// `Tests/Support/attacker/attacker.py` where that helps the attacker, and must then be INVALID,
/// with the rule that failed named. A wrong VALID is the worst failure Exhibit can have.
@Suite("exhibit verify cannot be fooled", .serialized, .hangGuard)
struct VerifyAttackTests {
    struct Captured: Sendable {
        let folder: URL
        let keyBase: String
        let caFile: String
        let fingerprint: String
    }

    /// One capture for every attack: stamped by the loopback TSA and signed.
    static let original = Task { () throws -> Captured in
        let tsa = try await LoopbackTSA.shared.value
        let keys = TestSupport.temporaryFolder("attack-keys").appendingPathComponent("signer").path
        let keygen = try await TestSupport.exhibit(["keygen", "--out", keys])
        guard keygen.status == 0 else { throw StepFailure("keygen: \(keygen.stderr)") }
        let out = TestSupport.temporaryFolder("attack")
        let run = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + "/sample-thread/", "--out", out.path,
                                                 "--tsa", tsa.url("rsa"), "--tsa-roots", tsa.caFile, "--sign-key", keys + ".key", "--quiet"])
        guard run.status == 0, let name = TestSupport.visibleFolders(in: out).first else { throw StepFailure("capture: \(run.stderr)") }
        let folder = out.appendingPathComponent(name)
        let record = try TestSupport.decodeRecord(folder)
        return Captured(folder: folder, keyBase: keys, caFile: tsa.caFile, fingerprint: record.signature?.publicKeyFingerprint ?? "")
    }

    struct StepFailure: Error, CustomStringConvertible { let description: String; init(_ d: String) { description = d } }

    /// A fresh copy of the capture to attack.
    func copy() async throws -> (URL, Captured) {
        let captured = try await Self.original.value
        let target = TestSupport.temporaryFolder("attacked").appendingPathComponent("bag")
        let cp = try await TestSupport.run("/bin/cp", ["-a", captured.folder.path, target.path])
        guard cp.status == 0 else { throw StepFailure("cp: \(cp.stderr)") }
        return (target, captured)
    }

    func attacker(_ action: String, _ bag: URL) async throws {
        let script = TestSupport.packageRoot.appendingPathComponent("Tests/Support/attacker/attacker.py").path
        let run = try await TestSupport.run("/usr/bin/env", ["python3", script, action, bag.path])
        guard run.status == 0 else { throw StepFailure("attacker \(action): \(run.stderr)") }
    }

    func verify(_ bag: URL, _ extra: [String] = []) async throws -> TestSupport.Output {
        let captured = try await Self.original.value
        return try await TestSupport.exhibit(["verify", bag.path, "--trust-roots", captured.caFile] + extra)
    }

    /// INVALID (exit 1), with a FAIL line for `subject` saying `reason`.
    func expectInvalid(_ run: TestSupport.Output, _ subject: String, _ reason: String,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(run.status == 1, "exit \(run.status)\n\(run.stdout)", sourceLocation: sourceLocation)
        #expect(run.stdout.split(separator: "\n").last?.hasPrefix("verdict: INVALID") == true, "\(run.stdout)", sourceLocation: sourceLocation)
        #expect(run.stdout.contains("FAIL \(subject): ") && run.stdout.contains(reason), "wanted FAIL \(subject): …\(reason)\n\(run.stdout)",
                sourceLocation: sourceLocation)
    }

    @Test("the untouched capture is VALID, timestamped and signed by the key its record names")
    func control() async throws {
        let (bag, captured) = try await copy()
        let run = try await verify(bag, ["--require-timestamp", "--expect-key", captured.keyBase + ".pub.pem"])
        #expect(run.status == 0, "\(run.stdout)")
        #expect(run.stdout.contains("verdict: VALID") && run.stdout.contains("signed by \(captured.fingerprint)"), "\(run.stdout)")
        #expect(run.stdout.contains("ok   report.html: the timestamps it shows are verified tokens"), "\(run.stdout)")
        #expect(run.stdout.contains("ok   timestamps/timestamps.json: lists exactly the verified tokens"))
        // Secrets on disk: the private key is 0600, and the record names the key by fingerprint, never by path.
        let mode = try FileManager.default.attributesOfItem(atPath: captured.keyBase + ".key")[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        let record = try String(contentsOf: bag.appendingPathComponent("data/capture.json"), encoding: .utf8)
        #expect(!record.contains(captured.keyBase) && record.contains(captured.fingerprint))
    }

    @Test("a file added to data/ and listed only in manifest-sha512.txt (Oxum and tag manifests rewritten) is refused")
    func addedThroughSHA512() async throws {
        let (bag, _) = try await copy()
        try Data("planted".utf8).write(to: bag.appendingPathComponent("data/planted.txt"))
        let line = "\(try await TestSupport.run("/usr/bin/sha512sum", [bag.appendingPathComponent("data/planted.txt").path]).stdout.prefix(128))  data/planted.txt\n"
        let handle = try FileHandle(forWritingTo: bag.appendingPathComponent("manifest-sha512.txt"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(line.utf8))
        try handle.close()
        try await attacker("retag", bag)
        let run = try await verify(bag)
        expectInvalid(run, "data/planted.txt", "listed in manifest-sha512.txt but not in manifest-sha256.txt")
        expectInvalid(run, "data/planted.txt", "present in data/ but not in the manifest")
    }

    @Test("files named like tag manifests are checked like any tag file; both tag manifests are required")
    func tagFilesByName() async throws {
        let (bag, _) = try await copy()
        try Data("<script>evil</script>".utf8).write(to: bag.appendingPathComponent("tagmanifest-notes.html"))
        try FileManager.default.createDirectory(at: bag.appendingPathComponent("tagmanifest-x"), withIntermediateDirectories: true)
        try Data("rm -rf /".utf8).write(to: bag.appendingPathComponent("tagmanifest-x/evil.sh"))
        let run = try await verify(bag)
        expectInvalid(run, "tagmanifest-notes.html", "tag file not covered by tagmanifest-sha256.txt")
        expectInvalid(run, "tagmanifest-x/evil.sh", "tag file not covered by tagmanifest-sha256.txt")
        let (other, _) = try await copy()
        try FileManager.default.removeItem(at: other.appendingPathComponent("tagmanifest-sha512.txt"))
        expectInvalid(try await verify(other), "tagmanifest-sha512.txt", "missing")
    }

    @Test("signature and timestamps removed (tag manifests rewritten): the record's signer is demanded, the missing timestamp is said and fails --require-timestamp")
    func promisesRemoved() async throws {
        let (bag, captured) = try await copy()
        try FileManager.default.removeItem(at: bag.appendingPathComponent("signature"))
        try FileManager.default.removeItem(at: bag.appendingPathComponent("timestamps"))
        try await attacker("retag", bag)
        let run = try await verify(bag)
        expectInvalid(run, "signature/manifest-sha256.txt.sig", "the record names signer \(captured.fingerprint), but the signature is missing")
        #expect(run.stdout.contains("no token of theirs is here"), "\(run.stdout)")
        // bag-info.txt still claims the removed token.
        expectInvalid(run, "bag-info.txt", "says a timestamp was granted, but no token verifies")
        expectInvalid(try await verify(bag, ["--require-timestamp"]), "timestamp", "no trusted timestamp (--require-timestamp)")
    }

    @Test("re-signed with another key: refused, naming both keys; --expect-key refuses any other signer")
    func resigned() async throws {
        let (bag, captured) = try await copy()
        try await attacker("resign", bag)
        expectInvalid(try await verify(bag), "signature/manifest-sha256.txt.sig", "but the record names signer \(captured.fingerprint)")
        let (untouched, _) = try await copy()
        let other = "SHA256:" + String(repeating: "ab", count: 32)
        expectInvalid(try await verify(untouched, ["--expect-key", other]), "signature/manifest-sha256.txt.sig", "--expect-key \(other): signed by \(captured.fingerprint) instead")
    }

    @Test("bag-info.txt, timestamps.json and the report are believed only where the tokens agree")
    func claimsCheckedAgainstTokens() async throws {
        let (bag, _) = try await copy()
        let info = bag.appendingPathComponent("bag-info.txt")
        let text = try String(contentsOf: info, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "Timestamp: 20", with: "Timestamp: 19").utf8).write(to: info)
        let json = bag.appendingPathComponent("timestamps/timestamps.json")
        try Data(try String(contentsOf: json, encoding: .utf8).replacingOccurrences(of: "\"serialNumber\" : \"", with: "\"serialNumber\" : \"0").utf8).write(to: json)
        // A forged row in the report's token table, beside the real one.
        let report = bag.appendingPathComponent("report.html")
        let html = try String(contentsOf: report, encoding: .utf8)
        let real = "<td>timestamps/127.0.0.1.tsr</td></tr>"
        #expect(html.contains(real))
        try Data(html.replacingOccurrences(of: real, with: real + "\n<tr><td>2026-01-01T00:00:00Z</td><td>timestamps/forged.tsr</td></tr>").utf8)
            .write(to: report)
        try await attacker("retag", bag)
        let run = try await verify(bag)
        expectInvalid(run, "bag-info.txt", "claims a timestamp no verified token gives")
        expectInvalid(run, "timestamps/timestamps.json", "not a verified token with the same time and serial")
        expectInvalid(run, "report.html", "shows token(s) that do not verify: timestamps/forged.tsr")
    }

    @Test("paths leave the bag or name what is not a regular file: each refused with its name, nothing hangs")
    func hostilePaths() async throws {
        let (bag, _) = try await copy()
        let tags = bag.appendingPathComponent("tagmanifest-sha256.txt")
        let passwd = try await TestSupport.run("/usr/bin/sha256sum", ["/etc/passwd"])
        var text = try String(contentsOf: tags, encoding: .utf8)
        text += "\(passwd.stdout.prefix(64))  ../../../../etc/passwd\n"
        text += "\(String(repeating: "0", count: 64))  ../../dev/zero\n"
        try Data(text.utf8).write(to: tags)
        try FileManager.default.createSymbolicLink(atPath: bag.appendingPathComponent("data/link.txt").path, withDestinationPath: "/etc/passwd")
        #expect(mkfifo(bag.appendingPathComponent("data/pipe").path, 0o600) == 0)
        let manifest = bag.appendingPathComponent("manifest-sha256.txt")
        var payload = try String(contentsOf: manifest, encoding: .utf8)
        payload += "\(passwd.stdout.prefix(64))  data/link.txt\n\(String(repeating: "0", count: 64))  data/pipe\n"
        try Data(payload.utf8).write(to: manifest)
        let run = try await verify(bag)
        expectInvalid(run, "../../../../etc/passwd", "not a path inside the bag")
        expectInvalid(run, "../../dev/zero", "not a path inside the bag")
        expectInvalid(run, "data/link.txt", "not a regular file (symlink)")
        expectInvalid(run, "data/pipe", "not a regular file (FIFO)")
        #expect(!run.stdout.contains("ok   ../../../../etc/passwd"))
    }

    @Test("a file name holding a carriage return, ANSI escapes, a fake verdict and a bidi override prints inert")
    func terminalTricks() async throws {
        let (bag, _) = try await copy()
        let name = "x\r\u{1b}[2K\u{1b}[32mverdict: VALID (all checks passed)\u{1b}[0m\u{202e}txt.exe"
        try Data("planted".utf8).write(to: bag.appendingPathComponent("data").appendingPathComponent(name))
        let run = try await verify(bag)
        #expect(run.status == 1)
        #expect(!run.stdout.contains("\r") && !run.stdout.contains("\u{1b}") && !run.stdout.contains("\u{202e}"), "\(run.stdout)")
        #expect(run.stdout.contains("FAIL data/x\\u{d}\\u{1b}[2K"), "\(run.stdout)")
        // Every line is ok, FAIL, the capture line or the verdict: nothing else reaches the terminal.
        for line in run.stdout.split(separator: "\n") {
            #expect(line.hasPrefix("ok   ") || line.hasPrefix("FAIL ") || line.hasPrefix("capture ") || line.hasPrefix("verdict: "), "\(line)")
        }
        #expect(run.stdout.split(separator: "\n").last?.hasPrefix("verdict: INVALID") == true)
    }

    @Test("exhibit timestamp on a rewritten bag whose capture.json names a PDF outside it renders nothing from outside")
    func timestampRendersNothingOutside() async throws {
        let (bag, captured) = try await copy()
        let victim = bag.deletingLastPathComponent().appendingPathComponent("victim.pdf")
        try FileManager.default.copyItem(at: bag.appendingPathComponent("data/page.pdf"), to: victim)
        let recordURL = bag.appendingPathComponent("data/capture.json")
        var record = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: recordURL)) as? [String: Any])
        var pdf = try #require(record["pdf"] as? [String: Any])
        pdf["file"] = "../../victim.pdf"
        record["pdf"] = pdf
        try JSONSerialization.data(withJSONObject: record).write(to: recordURL)
        try FileManager.default.removeItem(at: bag.appendingPathComponent("report-files/pdf-page-1.png"))
        try await attacker("rehash", bag)
        let tsa = try await LoopbackTSA.shared.value
        let stamp = try await TestSupport.exhibit(["timestamp", bag.path, "--tsa", tsa.url("rsa"), "--tsa-roots", captured.caFile])
        #expect(stamp.status == 0, "\(stamp.stdout)\(stamp.stderr)")
        let report = try String(contentsOf: bag.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(report.contains("no thumbnail: capture.json names data/../../victim.pdf, which is not a path inside the bag"), "\(report)")
        #expect(!FileManager.default.fileExists(atPath: bag.appendingPathComponent("report-files/pdf-page-1.png").path),
                "a page of the outside PDF was rendered into the bag")
    }

    @Test("a 100 MB manifest line is refused at the documented limit, not read into memory")
    func hugeManifestLine() async throws {
        let (bag, _) = try await copy()
        let manifest = bag.appendingPathComponent("manifest-sha256.txt")
        let handle = try FileHandle(forWritingTo: manifest)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(repeating: UInt8(ascii: "a"), count: 100 << 20))
        try handle.close()
        let run = try await verify(bag)
        expectInvalid(run, "manifest-sha256.txt", "over the limit of")
    }
}
