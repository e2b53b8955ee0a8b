import Capture
import ExhibitTestSupport
import Foundation
import Testing

/// `exhibit capture --tsa`, `exhibit timestamp`, `exhibit verify` and `exhibit keygen` as a user runs them,
/// against the loopback OpenSSL TSA.
@Suite("exhibit timestamps, signatures and verify", .serialized, .hangGuard)
struct TimestampCommandTests {
    func capture(_ extra: [String]) async throws -> (TestSupport.Output, URL?) {
        let out = TestSupport.temporaryFolder("ts")
        let run = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + "/sample-thread/",
                                                 "--out", out.path] + extra)
        let folder = TestSupport.visibleFolders(in: out).first.map { out.appendingPathComponent($0) }
        return (run, folder)
    }

    @Test("capture --tsa --sign-key: stamped and signed; verify exits 0 with one line per check; openssl agrees")
    func captureStampVerify() async throws {
        let tsa = try await LoopbackTSA.shared.value
        let keys = TestSupport.temporaryFolder("keys").appendingPathComponent("evidence").path
        let keygen = try await TestSupport.exhibit(["keygen", "--out", keys])
        #expect(keygen.status == 0 && keygen.stdout.contains("fingerprint: SHA256:"), "\(keygen.stderr)")
        let (run, captured) = try await capture(["--tsa", tsa.url("rsa"), "--tsa", tsa.url("ec"), "--tsa-roots", tsa.caFile, "--sign-key", keys + ".key"])
        #expect(run.status == 0, "\(run.stderr)")
        let folder = try #require(captured)
        #expect(run.stderr.range(of: #"\] timestamp  "#, options: .regularExpression) != nil)
        #expect(run.stderr.range(of: #"\] sign       Ed25519"#, options: .regularExpression) != nil)
        for file in ["timestamps/127.0.0.1.tsr", "timestamps/127.0.0.1.tsq", "timestamps/127.0.0.1-2.tsr",
                     "timestamps/timestamps.json", "signature/manifest-sha256.txt.sig", "signature/public-key.pem"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "missing \(file)")
        }
        let record = try TestSupport.decodeRecord(folder)
        #expect(record.timestamp.requestedFrom == [tsa.url("rsa"), tsa.url("ec")])
        #expect(record.timestamp.stateWhenBagged == "pending" && record.timestamp.stamps == "manifest-sha256.txt")
        #expect(record.signature?.publicKeyFingerprint.hasPrefix("SHA256:") == true)

        let verify = try await TestSupport.exhibit(["verify", folder.path, "--trust-roots", tsa.caFile])
        #expect(verify.status == 0, "\(verify.stdout)")
        let lines = verify.stdout.split(separator: "\n")
        #expect(lines.first == "capture \(record.captureId): \(record.requestedURL) at \(record.startedAt), \(record.profile.platform): \(record.completeness.summary)")
        #expect(lines.contains { $0.hasPrefix("ok   data/screenshot.png: SHA-256 and SHA-512 match") })
        #expect(lines.filter { $0.hasPrefix("ok   timestamps/") && $0.contains(": granted ") }.count == 2)
        #expect(lines.contains { $0.hasPrefix("ok   signature/manifest-sha256.txt.sig: Ed25519 signature") })
        #expect(lines.last?.hasPrefix("verdict: VALID") == true)
        #expect(verify.stdout.contains(record.signature?.publicKeyFingerprint ?? "?"))

        struct Report: Decodable { let verdict: String; let timestamps: [TS]; struct TS: Decodable { let genTime: String } }
        let json = try await TestSupport.exhibit(["verify", folder.path, "--trust-roots", tsa.caFile, "--json"])
        let report = try JSONDecoder().decode(Report.self, from: Data(json.stdout.utf8))
        #expect(report.verdict == "valid" && report.timestamps.count == 2)

        // The third party's way: openssl and sha256sum on the same files.
        let openssl = try await TestSupport.run("/usr/bin/openssl", ["ts", "-verify", "-data", folder.appendingPathComponent("manifest-sha256.txt").path,
                                                                   "-in", folder.appendingPathComponent("timestamps/127.0.0.1.tsr").path, "-CAfile", tsa.caFile])
        #expect(openssl.stdout.contains("Verification: OK"), "\(openssl.stdout)\(openssl.stderr)")
        let sums = try await TestSupport.run("/bin/sh", ["-c", "cd '\(folder.path)' && sha256sum -c manifest-sha256.txt"])
        #expect(sums.status == 0 && sums.stdout.contains("data/screenshot.png: OK"))

        // Without the test root the chain cannot be trusted: invalid, exit 1, the token named.
        let untrusted = try await TestSupport.exhibit(["verify", folder.path])
        #expect(untrusted.status == 1)
        #expect(untrusted.stdout.contains("FAIL timestamps/127.0.0.1.tsr: the TSA certificate does not chain to a trusted root valid at genTime"))
    }

    @Test("verify names a tampered file with exit 1, and a folder that is no capture with exit 2")
    func verifyFailures() async throws {
        let (_, captured) = try await capture(["--quiet"])
        let folder = try #require(captured)
        let pdf = folder.appendingPathComponent("data/page.pdf")
        var bytes = try Data(contentsOf: pdf)
        bytes[bytes.count / 2] ^= 0x20
        try bytes.write(to: pdf)
        let tampered = try await TestSupport.exhibit(["verify", folder.path])
        #expect(tampered.status == 1)
        #expect(tampered.stdout.contains("FAIL data/page.pdf: SHA-256 does not match manifest-sha256.txt"))
        #expect(tampered.stdout.contains("verdict: INVALID"))
        let notACapture = try await TestSupport.exhibit(["verify", TestSupport.temporaryFolder("empty").path])
        #expect(notACapture.status == 2)
        #expect(notACapture.stdout.contains("verdict: UNREADABLE"))
        // And a later stamp refuses to lend a new date to it.
        let tsa = try await LoopbackTSA.shared.value
        let stamp = try await TestSupport.exhibit(["timestamp", folder.path, "--tsa", tsa.url("rsa"), "--tsa-roots", tsa.caFile])
        #expect(stamp.status == 1)
        #expect(stamp.stderr.hasPrefix("exhibit: error: not stamping \(folder.path): data/page.pdf: SHA-256 does not match"), "\(stamp.stderr)")
    }

    @Test("no TSA answers: the capture is kept with its timestamp pending (exit 0, or 1 with --require-timestamp); a later 'exhibit timestamp' adds tokens without touching the payload")
    func pendingThenLater() async throws {
        let tsa = try await LoopbackTSA.shared.value
        let (run, captured) = try await capture(["--tsa", tsa.url("http500"), "--tsa", tsa.url("slow"), "--tsa-timeout", "2"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("warning: TSA \(tsa.url("http500")) answered HTTP 500"))
        #expect(run.stderr.contains("warning: timestamp pending (no TSA answered)"))
        let folder = try #require(captured)
        let info = try String(contentsOf: folder.appendingPathComponent("bag-info.txt"), encoding: .utf8)
        #expect(info.contains("Timestamp-Status: pending (no TSA answered: "))
        #expect(try await TestSupport.exhibit(["verify", folder.path]).stdout.contains("no trusted timestamp"))

        let payloadBefore = try Data(contentsOf: folder.appendingPathComponent("manifest-sha256.txt"))
        let dataBefore = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("data").path).sorted()
        let later = try await TestSupport.exhibit(["timestamp", folder.path, "--tsa", tsa.url("rsa"), "--tsa-roots", tsa.caFile])
        #expect(later.status == 0, "\(later.stderr)")
        #expect(later.stdout.hasPrefix("timestamp 20"))
        let second = try await TestSupport.exhibit(["timestamp", folder.path, "--tsa", tsa.url("ec"), "--tsa-roots", tsa.caFile])
        #expect(second.status == 0)
        #expect(try Data(contentsOf: folder.appendingPathComponent("manifest-sha256.txt")) == payloadBefore)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("data").path).sorted() == dataBefore)
        let verify = try await TestSupport.exhibit(["verify", folder.path, "--trust-roots", tsa.caFile])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(verify.stdout.contains("2 trusted timestamp(s)"))
        let bagit = try await TestSupport.run("/usr/bin/env", ["python3", "-m", "bagit", "--validate", folder.path])
        #expect(bagit.status == 0, "\(bagit.stderr)")

        let (required, kept) = try await capture(["--tsa", tsa.url("reject"), "--require-timestamp", "--quiet"])
        #expect(required.status == 1)
        #expect(required.stderr.contains("no TSA granted a timestamp (--require-timestamp); the capture is kept, timestamp pending"))
        #expect(kept != nil, "the capture must be kept")
    }

    @Test("a token from a TSA outside --tsa-roots is verified when taken: kept as untrusted, never called granted, and --require-timestamp fails")
    func untrustedTokenAtCapture() async throws {
        let tsa = try await LoopbackTSA.shared.value
        let (run, captured) = try await capture(["--tsa", tsa.url("other"), "--tsa-roots", tsa.caFile, "--require-timestamp"])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("no timestamp obtained verifies against the trust roots (--require-timestamp)"), "\(run.stderr)")
        #expect(run.stderr.contains("warning: the token from \(tsa.url("other")) does not verify and is kept as untrusted"), "\(run.stderr)")
        let folder = try #require(captured)
        let info = try String(contentsOf: folder.appendingPathComponent("bag-info.txt"), encoding: .utf8)
        #expect(info.contains("Timestamp-Status: untrusted") && info.contains("Timestamp-Untrusted: token timestamps/127.0.0.1.tsr"), "\(info)")
        #expect(!info.contains("\nTimestamp: ") && !info.contains("granted"))
        let report = try String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(report.contains("Kept but not trusted: token timestamps/127.0.0.1.tsr") && !report.contains("<td>timestamps/127.0.0.1.tsr</td>"))
        // verify agrees with the same roots, and the bag is otherwise whole.
        let verify = try await TestSupport.exhibit(["verify", folder.path, "--trust-roots", tsa.caFile])
        #expect(verify.status == 1 && verify.stdout.contains("FAIL timestamps/127.0.0.1.tsr: "), "\(verify.stdout)")
        // With its own root trusted the same token verifies: it was kept, not thrown away.
        let other = try await TestSupport.exhibit(["verify", folder.path, "--trust-roots", tsa.otherCAFile])
        #expect(other.status == 0, "\(other.stdout)")
    }

    @Test("bad timestamp options are usage errors")
    func usage() async throws {
        let base = try await TestSupport.baseURL()
        let noTSA = try await TestSupport.exhibit(["capture", base + "/sample-thread/", "--require-timestamp"], environment: ["EXHIBIT_TSA": ""])
        #expect(noTSA.status == 2 && noTSA.stderr.contains("--require-timestamp needs at least one --tsa"))
        let badTSA = try await TestSupport.exhibit(["capture", base + "/sample-thread/", "--tsa", "ftp://tsa.example"])
        #expect(badTSA.status == 2 && badTSA.stderr.contains("is not an http(s) URL"))
        let noKey = try await TestSupport.exhibit(["capture", base + "/sample-thread/", "--sign-key", "/nonexistent.key"])
        #expect(noKey.status == 2 && noKey.stderr.contains("signing key /nonexistent.key cannot be read"))
        let stampNothing = try await TestSupport.exhibit(["timestamp", "/tmp"], environment: ["EXHIBIT_TSA": ""])
        #expect(stampNothing.status == 2)
    }
}
