import Crypto
import Foundation
import PNGCodec
import TrustedTime
import X509

/// The outcome of verifying a capture.
public struct VerificationReport: Sendable, Codable {
    public let verdict: Verdict
    /// The folder verified.
    public let bag: String
    /// Every check, passed or failed.
    public let checks: [BagCheck]
    /// What the valid timestamps say (TSA, time, serial, policy).
    public let timestamps: [TimestampSummary]
    /// The Ed25519 key fingerprint, when the bag is signed and the signature verifies.
    public let signerFingerprint: String?

    /// What verification concluded.
    public enum Verdict: String, Sendable, Codable, CaseIterable {
        /// Every check passed.
        case valid
        /// At least one check failed.
        case invalid
        /// Not a capture at all (no bagit.txt, manifest-sha256.txt or data/).
        case unreadable
    }

    public struct TimestampSummary: Sendable, Codable {
        public let token: String
        public let genTime: String
        public let tsaName: String
        public let serialNumber: String
        public let policy: String
        public let root: String
    }
}

/// Verifies a capture offline: completeness and fixity (SHA-256 and SHA-512) of payload and tag
/// files, every RFC 3161 token against `manifest-sha256.txt` with its chain checked at genTime, and
/// the signature when there is one.
public struct BagVerifier: Sendable {
    public let root: URL
    public let trustRoots: [Certificate]

    /// - Parameter trustRoots: roots a TSA may chain to (the system bundle plus any `--trust-roots`).
    public init(root: URL, trustRoots: [Certificate]) {
        self.root = root
        self.trustRoots = trustRoots
    }

    public func verify() async -> VerificationReport {
        let checker = BagChecker(root: root)
        guard checker.looksLikeBag, let fixity = try? checker.checks() else {
            return VerificationReport(verdict: .unreadable, bag: root.path,
                                      checks: [BagCheck(subject: root.path, ok: false, detail: "not a capture: missing bagit.txt, manifest-sha256.txt or data/")],
                                      timestamps: [], signerFingerprint: nil)
        }
        var checks = fixity
        let (timestampChecks, summaries) = await verifyTimestamps()
        checks += timestampChecks
        let (signatureCheck, fingerprint) = verifySignature()
        if let signatureCheck { checks.append(signatureCheck) }
        if let provenance = verifyProvenance() { checks.append(provenance) }
        return VerificationReport(verdict: checks.allSatisfy(\.ok) ? .valid : .invalid, bag: root.path, checks: checks,
                                  timestamps: summaries, signerFingerprint: fingerprint)
    }

    private func verifyTimestamps() async -> ([BagCheck], [VerificationReport.TimestampSummary]) {
        guard let manifest = try? BagStamper.manifestBytes(root) else { return ([], []) }
        let folder = root.appendingPathComponent("timestamps")
        let responses = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".tsr") }.sorted()
        guard !responses.isEmpty else {
            return ([BagCheck(subject: "timestamp", ok: true, detail: "no trusted timestamp in this capture (pending); only the hashes can be checked")], [])
        }
        let verifier = TimeStampVerifier(trustRoots: trustRoots)
        var checks: [BagCheck] = [], summaries: [VerificationReport.TimestampSummary] = []
        for name in responses {
            let subject = "timestamps/\(name)"
            guard let response = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else { continue }
            let queryURL = folder.appendingPathComponent(String(name.dropLast(4)) + ".tsq")
            do {
                let query = try FileManager.default.contents(atPath: queryURL.path).map { try TimeStampRequest(derEncoded: Array($0)) }
                let result = try await verifier.verify(response: Array(response), data: manifest, query: query)
                checks.append(BagCheck(subject: subject, ok: true, detail:
                    "granted \(result.genTimeText) by \(result.tsaName), serial \(result.serialNumber), policy \(result.policy); "
                    + "stamps manifest-sha256.txt; \(query == nil ? "no query stored" : "nonce matches its query"); "
                    + "\(result.signatureAlgorithm) signature valid; chain to \(result.root) valid at genTime"))
                summaries.append(.init(token: subject, genTime: result.genTimeText, tsaName: result.tsaName,
                                       serialNumber: result.serialNumber, policy: result.policy, root: result.root))
            } catch {
                checks.append(BagCheck(subject: subject, ok: false, detail: "\(error)"))
            }
        }
        return (checks, summaries)
    }

    /// The provenance embedded in data/screenshot.png (iTXt `exhibit:provenance`), when there is
    /// one, must agree with data/capture.json: both are hashed, so a disagreement means one of them
    /// was rewritten together with its manifest lines.
    private func verifyProvenance() -> BagCheck? {
        let png = root.appendingPathComponent("data/screenshot.png").path
        guard FileManager.default.fileExists(atPath: png),
              let texts = try? PNGTextChunks.internationalText(inFile: png), let embedded = texts["exhibit:provenance"] else { return nil }
        let subject = "data/screenshot.png"
        guard let provenance = try? JSONSerialization.jsonObject(with: Data(embedded.utf8)) as? [String: Any] else {
            return BagCheck(subject: subject, ok: false, detail: "embedded provenance is not JSON")
        }
        guard let data = FileManager.default.contents(atPath: root.appendingPathComponent("data/capture.json").path),
              let record = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            return BagCheck(subject: subject, ok: false, detail: "embedded provenance present but data/capture.json is unreadable")
        }
        func value(_ object: [String: Any], _ path: String) -> String {
            var current: Any? = object
            for key in path.split(separator: ".") { current = (current as? [String: Any])?[String(key)] }
            guard let current else { return "(absent)" }
            if let number = current as? NSNumber { return number.stringValue }
            let json = try? JSONSerialization.data(withJSONObject: current, options: [.sortedKeys, .fragmentsAllowed])
            return json.map { String(decoding: $0, as: UTF8.self) } ?? "\(current)"
        }
        let pairs = [("captureId", "captureId"), ("requestedURL", "requestedURL"), ("finalURL", "finalURL"),
                     ("deviceScaleFactor", "viewport.deviceScaleFactor"), ("viewport.width", "viewport.width"),
                     ("viewport.height", "viewport.height"), ("region.x", "screenshot.x"), ("region.y", "screenshot.y"),
                     ("region.width", "screenshot.cssWidth"), ("region.height", "screenshot.cssHeight"),
                     ("tiles", "screenshot.tiles"), ("tileHeight", "screenshot.tileHeight")]
        let differing = pairs.filter { value(provenance, $0.0) != value(record, $0.1) }
        guard differing.isEmpty else {
            let list = differing.map { "\($0.0) \(value(provenance, $0.0)) vs capture.json \($0.1) \(value(record, $0.1))" }
            return BagCheck(subject: subject, ok: false, detail: "embedded provenance disagrees with capture.json: \(list.joined(separator: "; "))")
        }
        return BagCheck(subject: subject, ok: true,
                        detail: "embedded provenance (iTXt exhibit:provenance) matches capture.json: capture id, URLs, viewport, scale, region, tiles")
    }

    private func verifySignature() -> (BagCheck?, String?) {
        let signatureURL = root.appendingPathComponent(BagSigner.signatureFile)
        let keyURL = root.appendingPathComponent(BagSigner.publicKeyFile)
        let hasSignature = FileManager.default.fileExists(atPath: signatureURL.path)
        let hasKey = FileManager.default.fileExists(atPath: keyURL.path)
        guard hasSignature || hasKey else { return (nil, nil) }
        guard let signature = FileManager.default.contents(atPath: signatureURL.path),
              let keyText = try? String(contentsOf: keyURL, encoding: .utf8),
              let key = BagSigner.publicKey(fromPEM: keyText),
              let manifest = try? BagStamper.manifestBytes(root) else {
            return (BagCheck(subject: BagSigner.signatureFile, ok: false, detail: "signature or public key missing or unreadable"), nil)
        }
        let fingerprint = BagSigner.fingerprint(key)
        guard key.isValidSignature(signature, for: manifest) else {
            return (BagCheck(subject: BagSigner.signatureFile, ok: false,
                             detail: "Ed25519 signature over manifest-sha256.txt does not verify with key \(fingerprint)"), nil)
        }
        return (BagCheck(subject: BagSigner.signatureFile, ok: true,
                         detail: "Ed25519 signature over manifest-sha256.txt valid; key \(fingerprint)"), fingerprint)
    }
}
