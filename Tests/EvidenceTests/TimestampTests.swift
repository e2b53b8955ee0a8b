import ExhibitTestSupport
import Foundation
import Testing
@testable import TrustedTime
import X509
@testable import Evidence

/// Timestamps from a real OpenSSL TSA on loopback, stored in real bags, verified natively and
/// cross-checked with `openssl ts -verify`.
@Suite("RFC 3161 timestamps with a loopback OpenSSL TSA", .serialized, .hangGuard)
struct TimestampTests {
    func stampedBag(_ tsaPaths: [String]) async throws -> (TemporaryBag, StampOutcome, LoopbackTSA) {
        let tsa = try await LoopbackTSA.shared.value
        let bag = try TemporaryBag(files: ["screenshot.png": "pixels", "capture.json": "{\"id\":1}"])
        try BagWriter(root: bag.root).write(payload: try bag.payload(), info: [("External-Identifier", "t")], baggingDate: Date())
        let outcome = try await BagStamper(root: bag.root).stamp(tsas: tsaPaths.map(tsa.url), timeout: 5)
        return (bag, outcome, tsa)
    }

    func verify(_ bag: TemporaryBag, roots: [String]) async throws -> VerificationReport {
        await BagVerifier(root: bag.root, trustRoots: try TimeStampVerifier.roots(fromPEMFiles: roots)).verify()
    }

    func openssl(_ arguments: [String]) throws -> (Int32, String) {
        let result = try ProcessRunner.run("/usr/bin/openssl", arguments)
        return (result.status, result.stdout + result.stderr)
    }

    @Test("RSA (PKCS#1 v1.5 and PSS) and ECDSA (P-256, P-384) TSAs: the token stamps manifest-sha256.txt, verifies natively and with openssl ts -verify",
          arguments: ["rsa", "pss", "ec", "ec384"])
    func stampAndVerify(kind: String) async throws {
        let (bag, outcome, tsa) = try await stampedBag([kind])
        defer { bag.remove() }
        #expect(outcome.failures.isEmpty, "\(outcome.failures)")
        let record = try #require(outcome.stamped.first)
        #expect(record.response == "timestamps/127.0.0.1.tsr" && record.query == "timestamps/127.0.0.1.tsq")
        #expect(record.stamped == "manifest-sha256.txt")
        let report = try await verify(bag, roots: [tsa.caFile])
        #expect(report.verdict.rawValue == "valid", "\(report.checks.filter { !$0.ok })")
        let line = try #require(report.checks.first { $0.subject == "timestamps/127.0.0.1.tsr" && $0.detail.hasPrefix("granted") })
        let algorithm = ["rsa": "RSA PKCS#1 v1.5 with SHA-256", "pss": "RSA-PSS with SHA-256",
                         "ec": "ECDSA with SHA-256", "ec384": "ECDSA with SHA-384"][kind] ?? "?"
        #expect(line.detail.contains(algorithm + " signature valid"), "\(line.detail)")
        #expect(line.detail.contains("by O=Exhibit tests,CN=Exhibit Test TSA"), "\(line.detail)")
        #expect(line.detail.contains("chain to O=Exhibit tests,CN=Exhibit Test Evidence Root CA valid at genTime"))
        // The bag records what the token says, in tag files the tag manifest covers.
        let info = try String(contentsOf: bag.root.appendingPathComponent("bag-info.txt"), encoding: .utf8)
        #expect(info.contains("Timestamp-Status: granted (1 token)"))
        #expect(info.contains("Timestamp: \(record.genTime); TSA "))
        let tags = try String(contentsOf: bag.root.appendingPathComponent("tagmanifest-sha256.txt"), encoding: .utf8)
        for file in ["timestamps/127.0.0.1.tsr", "timestamps/127.0.0.1.tsq", "timestamps/timestamps.json", "bag-info.txt"] {
            #expect(tags.contains("  \(file)\n"), "\(file) not in the tag manifest")
        }
        // Independent cross-check. OpenSSL 3.0's ts verifies through PKCS7, which has no RSA-PSS;
        // the PSS token's signature was made by `openssl pkeyutl`, so OpenSSL is the other party there.
        guard kind != "pss" else { return }
        let (status, output) = try openssl(["ts", "-verify", "-data", bag.root.appendingPathComponent("manifest-sha256.txt").path,
                                            "-in", bag.root.appendingPathComponent("timestamps/127.0.0.1.tsr").path,
                                            "-CAfile", tsa.caFile])
        #expect(status == 0 && output.contains("Verification: OK"), "\(output)")
        let (queryStatus, queryOutput) = try openssl(["ts", "-verify", "-queryfile", bag.root.appendingPathComponent("timestamps/127.0.0.1.tsq").path,
                                                      "-in", bag.root.appendingPathComponent("timestamps/127.0.0.1.tsr").path,
                                                      "-CAfile", tsa.caFile])
        #expect(queryStatus == 0 && queryOutput.contains("Verification: OK"), "\(queryOutput)")
    }

    @Test("two TSAs at once give two tokens, both valid; a later stamp adds a third without touching the payload")
    func twoTSAsAndLaterStamp() async throws {
        let (bag, outcome, tsa) = try await stampedBag(["rsa", "ec"])
        defer { bag.remove() }
        #expect(outcome.stamped.map(\.response) == ["timestamps/127.0.0.1.tsr", "timestamps/127.0.0.1-2.tsr"])
        let manifestBefore = try Data(contentsOf: bag.root.appendingPathComponent("manifest-sha256.txt"))
        let later = try await BagStamper(root: bag.root).stamp(tsas: [tsa.url("rsa")], timeout: 5)
        #expect(later.stamped.count == 1)
        #expect(try Data(contentsOf: bag.root.appendingPathComponent("manifest-sha256.txt")) == manifestBefore)
        #expect(try BagStamper(root: bag.root).existingRecords().count == 3)
        let report = try await verify(bag, roots: [tsa.caFile])
        #expect(report.verdict.rawValue == "valid", "\(report.checks.filter { !$0.ok })")
        #expect(report.timestamps.count == 3)
        let info = try String(contentsOf: bag.root.appendingPathComponent("bag-info.txt"), encoding: .utf8)
        #expect(info.contains("Timestamp-Status: granted (3 tokens)"))
    }

    /// Each tampering and what verify must say about it.
    @Test("tampering is caught, each with its own message", arguments: ["payload", "manifest", "token", "missing", "extra"])
    func tampering(kind: String) async throws {
        let (bag, _, tsa) = try await stampedBag(["rsa"])
        defer { bag.remove() }
        let root = bag.root
        func flip(_ path: String, at offset: Int? = nil) throws {
            var data = try Data(contentsOf: root.appendingPathComponent(path))
            let index = offset ?? data.count / 2
            data[index] ^= 0x01
            try data.write(to: root.appendingPathComponent(path))
        }
        let expected: (String, String)
        switch kind {
        case "payload":
            try flip("data/screenshot.png", at: 0)
            expected = ("data/screenshot.png", "SHA-256 does not match manifest-sha256.txt")
        case "manifest":
            try flip("manifest-sha256.txt", at: 0)
            expected = ("timestamps/127.0.0.1.tsr", "message imprint mismatch")
        case "token":
            // A byte inside the signature, near the end of the token.
            let size = try Data(contentsOf: root.appendingPathComponent("timestamps/127.0.0.1.tsr")).count
            try flip("timestamps/127.0.0.1.tsr", at: size - 10)
            expected = ("timestamps/127.0.0.1.tsr", "signature over the signed attributes does not verify")
        case "missing":
            try FileManager.default.removeItem(at: root.appendingPathComponent("data/capture.json"))
            expected = ("data/capture.json", "listed in the manifest but missing")
        default:
            try Data("x".utf8).write(to: root.appendingPathComponent("data/added.txt"))
            expected = ("data/added.txt", "present in data/ but not in the manifest")
        }
        let report = try await verify(bag, roots: [tsa.caFile])
        #expect(report.verdict.rawValue == "invalid")
        let failures = report.checks.filter { !$0.ok }
        #expect(failures.contains { $0.subject == expected.0 && $0.detail.contains(expected.1) }, "\(failures)")
        if kind == "manifest" || kind == "token" {
            // The tag manifest notices too: the stamped or stored file is not what was bagged.
            #expect(failures.contains { $0.detail.contains("does not match tagmanifest-sha256.txt") })
        }
    }

    @Test("a token answering another query's nonce is refused")
    func wrongNonce() async throws {
        let (bag, outcome, _) = try await stampedBag(["wrong-nonce"])
        defer { bag.remove() }
        #expect(outcome.stamped.isEmpty)
        #expect(outcome.failures.first?.reason.contains("another nonce") == true, "\(outcome.failures)")
        // And if such a token is stored anyway, verify names the mismatch.
        let tsa = try await LoopbackTSA.shared.value
        let good = try await TSAClient(url: tsa.url("rsa")).stamp(Array("data".utf8))
        let other = try TimeStampRequest(derEncoded: try await TSAClient(url: tsa.url("rsa")).stamp(Array("data".utf8)).query)
        let verifier = TimeStampVerifier(trustRoots: try TimeStampVerifier.roots(fromPEMFiles: [tsa.caFile]))
        await #expect(throws: TimeStampError.invalid("nonce mismatch: the token answers another query")) {
            _ = try await verifier.verify(response: good.response, data: Array("data".utf8), query: other)
        }
    }

    @Test("a token from an untrusted root fails; trusting that root makes it pass")
    func untrustedRoot() async throws {
        let (bag, outcome, tsa) = try await stampedBag(["other"])
        defer { bag.remove() }
        #expect(outcome.stamped.count == 1)
        let report = try await verify(bag, roots: [tsa.caFile])
        #expect(report.verdict.rawValue == "invalid")
        #expect(report.checks.contains { !$0.ok && $0.detail.contains("does not chain to a trusted root valid at genTime") })
        #expect(try await verify(bag, roots: [tsa.caFile, tsa.otherCAFile]).verdict.rawValue == "valid")
    }

    @Test("a TSA certificate expired today but valid at genTime still verifies")
    func expiredAfterGenTime() async throws {
        let tsa = try await LoopbackTSA.shared.value
        try tsa.makeShortLivedCertificate(seconds: 3)
        let (bag, outcome, _) = try await stampedBag(["short"])
        defer { bag.remove() }
        #expect(outcome.stamped.count == 1, "\(outcome.failures)")
        try await Task.sleep(for: .seconds(4))
        let certificate = try Certificate(pemEncoded: String(contentsOf: tsa.folder.appendingPathComponent("tsa-short.crt"), encoding: .utf8))
        #expect(certificate.notValidAfter < Date(), "the TSA certificate should have expired by now")
        let report = try await verify(bag, roots: [tsa.caFile])
        #expect(report.verdict.rawValue == "valid", "\(report.checks.filter { !$0.ok })")
        // OpenSSL checks at the current time unless told otherwise, and so refuses it.
        let (status, _) = try openssl(["ts", "-verify", "-data", bag.root.appendingPathComponent("manifest-sha256.txt").path,
                                       "-in", bag.root.appendingPathComponent("timestamps/127.0.0.1.tsr").path, "-CAfile", tsa.caFile])
        #expect(status != 0)
    }

    @Test("a TSA that fails leaves the bag whole with the timestamp pending, each failure with its own reason",
          arguments: [("http500", "answered HTTP 500"), ("garbage", "not a timestamp response"),
                      ("reject", "did not grant the timestamp (status 2: request refused by policy)"),
                      ("slow", "did not answer")])
    func failingTSA(path: String, reason: String) async throws {
        let tsa = try await LoopbackTSA.shared.value
        let bag = try TemporaryBag(files: ["a.txt": "alpha"])
        defer { bag.remove() }
        try BagWriter(root: bag.root).write(payload: try bag.payload(), info: [], baggingDate: Date())
        let outcome = try await BagStamper(root: bag.root).stamp(tsas: [tsa.url(path)], timeout: 2)
        #expect(outcome.stamped.isEmpty)
        #expect(outcome.failures.first?.reason.contains(reason) == true, "\(outcome.failures)")
        let info = try String(contentsOf: bag.root.appendingPathComponent("bag-info.txt"), encoding: .utf8)
        #expect(info.contains("Timestamp-Status: pending (no TSA answered: "))
        let report = await BagVerifier(root: bag.root, trustRoots: []).verify()
        #expect(report.verdict.rawValue == "valid")
        #expect(report.checks.contains { $0.subject == "timestamp" && $0.detail.contains("no trusted timestamp") })
    }

    @Test("truncated and bit-flipped real tokens never crash the parser or pass verification")
    func malformedTokens() async throws {
        let tsa = try await LoopbackTSA.shared.value
        let data = Array("the stamped bytes".utf8)
        let verifier = TimeStampVerifier(trustRoots: try TimeStampVerifier.roots(fromPEMFiles: [tsa.caFile]))
        for kind in ["rsa", "ec"] {
            let good = try await TSAClient(url: tsa.url(kind)).stamp(data)
            _ = try await verifier.verify(response: good.response, data: data, query: nil)
            let original = try #require(try TimeStampResponse(derEncoded: good.response).token)
            let signerDER = Self.signerDER(original)
            for length in stride(from: 0, to: good.response.count, by: 7) {
                let verified = try? await verifier.verify(response: Array(good.response.prefix(length)), data: data, query: nil)
                #expect(verified == nil, "a token truncated to \(length) bytes verified")
            }
            var generator = SplitMix(seed: 42)
            var rejected = 0
            for _ in 0..<600 {
                var bytes = good.response
                let index = Int(generator.next() % UInt64(bytes.count))
                bytes[index] ^= UInt8(1 << (generator.next() % 8))
                guard (try? await verifier.verify(response: bytes, data: data, query: nil)) != nil else { rejected += 1; continue }
                // Only bytes that carry no meaning may change unnoticed (the copy of the CA certificate
                // the TSA includes, which is never trusted): what the token states must be the same.
                let parsed = try #require(try TimeStampResponse(derEncoded: bytes).token)
                #expect(parsed.eContent == original.eContent, "flip at \(index) changed the TSTInfo and still verified")
                #expect(Self.signerDER(parsed) == signerDER, "flip at \(index) changed the signer certificate and still verified")
            }
            #expect(rejected > 300, "only \(rejected) of 600 flips were refused")
        }
    }
}

extension TimestampTests {
    static func signerDER(_ token: TimeStampResponse.Token) -> [UInt8]? {
        token.certificates.first { $0.certificate.extensions[oid: .X509ExtensionID.extendedKeyUsage] != nil }?.der
    }
}
