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

    /// This report with `more` checks (of what only a higher layer can read) and the verdict they give.
    public func adding(_ more: [BagCheck]) -> VerificationReport {
        guard verdict != .unreadable, !more.isEmpty else { return self }
        let all = checks + more
        return VerificationReport(verdict: all.allSatisfy(\.ok) ? .valid : .invalid, bag: bag, checks: all, timestamps: timestamps,
                                  signerFingerprint: signerFingerprint)
    }

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
/// files, the web archive record by record (``ArchiveVerification``), every RFC 3161 token against `manifest-sha256.txt` with its chain checked at genTime, the
/// signature when there is one, and what the capture's own record promises: the signer it names and
/// the TSAs it asked. What the bag says about its tokens (bag-info.txt, timestamps.json, the report)
/// is checked against the tokens themselves. The bag is read as hostile input (``BagFiles``).
public struct BagVerifier: Sendable {
    public let root: URL
    public let trustRoots: [Certificate]
    /// When given (an Ed25519 key fingerprint, `SHA256:…`), the bag must carry a valid signature by that key.
    public let expectedKey: String?
    /// When true, a capture without a trusted timestamp is invalid.
    public let requireTimestamp: Bool
    /// Web archives given to check the capture's pairings against (`--archive`).
    public let archives: [URL]

    /// The largest timestamp token read: 1 MiB (real ones are a few KiB).
    static let maxTokenBytes = 1 << 20

    /// - Parameter trustRoots: roots a TSA may chain to (the system bundle plus any `--trust-roots`).
    public init(root: URL, trustRoots: [Certificate], expectedKey: String? = nil, requireTimestamp: Bool = false, archives: [URL] = []) {
        self.root = root
        self.archives = archives
        self.trustRoots = trustRoots
        self.expectedKey = expectedKey
        self.requireTimestamp = requireTimestamp
    }

    /// What `data/capture.json` (covered by the stamped manifest) promises about signing and stamping.
    struct Promises: Decodable {
        struct Signature: Decodable { let publicKeyFingerprint: String }
        struct Timestamp: Decodable { let requestedFrom: [String] }
        let signature: Signature?
        let timestamp: Timestamp?
    }

    public func verify() async -> VerificationReport {
        let checker = BagChecker(root: root)
        let inventory = BagFiles.inventory(root)
        guard checker.looksLikeBag, let fixity = try? checker.checks(inventory: inventory) else {
            return VerificationReport(verdict: .unreadable, bag: root.path,
                                      checks: [BagCheck(subject: root.path, ok: false, detail: "not a capture: missing bagit.txt, manifest-sha256.txt or data/")],
                                      timestamps: [], signerFingerprint: nil)
        }
        var checks = fixity
        checks += ArchiveVerification(root: root, files: inventory.files).checks()
        checks += APIVerification(root: root, files: inventory.files).checks()
        checks += PairingVerification(root: root, archives: archives).checks()
        checks += SidecarVerification(root: root, files: inventory.files).checks()
        let promises = (try? BagFiles.resolve("data/capture.json", in: root).get())
            .flatMap { try? BagFiles.read($0) }.flatMap { try? JSONDecoder().decode(Promises.self, from: $0) }
        let responses = inventory.files.filter { $0.hasPrefix("timestamps/") && $0.hasSuffix(".tsr") }
        let (timestampChecks, summaries) = await verifyTimestamps(responses, requested: promises?.timestamp?.requestedFrom ?? [])
        checks += timestampChecks
        checks += claimsAboutTokens(verified: summaries)
        let (signatureCheck, fingerprint) = verifySignature()
        if let signatureCheck { checks.append(signatureCheck) }
        checks += signerPromises(named: promises?.signature?.publicKeyFingerprint, signedBy: fingerprint, present: signatureCheck != nil)
        if let provenance = verifyProvenance() { checks.append(provenance) }
        return VerificationReport(verdict: checks.allSatisfy(\.ok) ? .valid : .invalid, bag: root.path, checks: checks,
                                  timestamps: summaries, signerFingerprint: fingerprint)
    }

    private func verifyTimestamps(_ responses: [String], requested: [String]) async -> ([BagCheck], [VerificationReport.TimestampSummary]) {
        guard let manifest = try? BagStamper.manifestBytes(root) else { return ([], []) }
        var checks: [BagCheck] = [], summaries: [VerificationReport.TimestampSummary] = []
        let verifier = TimeStampVerifier(trustRoots: trustRoots)
        for subject in responses {
            do {
                let response = try BagFiles.read(try BagFiles.resolve(subject, in: root).get(), limit: Self.maxTokenBytes)
                let queryPath = String(subject.dropLast(4)) + ".tsq"
                let query = try (try? BagFiles.resolve(queryPath, in: root).get())
                    .map { try TimeStampRequest(derEncoded: Array(try BagFiles.read($0, limit: Self.maxTokenBytes))) }
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
        if summaries.isEmpty {
            let asked = requested.isEmpty ? "none was requested"
                : "the record says \(requested.joined(separator: ", ")) \(requested.count == 1 ? "was" : "were") asked, and no token of theirs is here"
            if requireTimestamp {
                checks.append(BagCheck(subject: "timestamp", ok: false, detail: "no trusted timestamp (--require-timestamp): \(asked)"))
            } else if responses.isEmpty {
                checks.append(BagCheck(subject: "timestamp", ok: true,
                                       detail: "no trusted timestamp in this capture (\(requested.isEmpty ? "none requested" : "pending")); only the hashes can be checked"
                                        + (requested.isEmpty ? "" : "; warning: \(asked)")))
            }
        }
        return (checks, summaries)
    }

    /// bag-info.txt's Timestamp lines, timestamps/timestamps.json and report.html describe the
    /// tokens; they are covered only by the tag manifest, which anyone can rewrite, so each claim
    /// must match a token that verified.
    private func claimsAboutTokens(verified: [VerificationReport.TimestampSummary]) -> [BagCheck] {
        var checks: [BagCheck] = []
        let tokens = Dictionary(verified.map { ($0.token, $0) }, uniquingKeysWith: { a, _ in a })
        if let lines = try? BagInfo(root: root).lines() {
            let claims = lines.filter { $0.hasPrefix("Timestamp: ") }
            let unfounded = claims.filter { line in
                let token = line.components(separatedBy: "; token ").dropFirst().first?.components(separatedBy: ";").first ?? ""
                guard let summary = tokens[token] else { return true }
                return !line.hasPrefix("Timestamp: \(summary.genTime);") || !line.contains("; serial \(summary.serialNumber);")
            }
            for line in unfounded {
                checks.append(BagCheck(subject: "bag-info.txt", ok: false, detail: "claims a timestamp no verified token gives: \(line.prefix(200))"))
            }
            if lines.contains(where: { $0.hasPrefix("Timestamp-Status: granted") }) && verified.isEmpty {
                checks.append(BagCheck(subject: "bag-info.txt", ok: false, detail: "says a timestamp was granted, but no token verifies"))
            } else if !claims.isEmpty && unfounded.isEmpty {
                checks.append(BagCheck(subject: "bag-info.txt", ok: true, detail: "its \(claims.count) Timestamp line(s) match verified tokens"))
            }
        }
        if let url = try? BagFiles.resolve("timestamps/timestamps.json", in: root).get() {
            let records = (try? BagFiles.read(url)).flatMap { try? JSONDecoder().decode([TimestampRecord].self, from: $0) }
            if let records {
                let unfounded = records.filter { record in
                    guard let summary = tokens[record.response] else { return true }
                    return summary.genTime != record.genTime || summary.serialNumber != record.serialNumber
                }
                checks.append(BagCheck(subject: "timestamps/timestamps.json", ok: unfounded.isEmpty && records.count == verified.count,
                                       detail: unfounded.isEmpty && records.count == verified.count ? "lists exactly the verified tokens"
                                        : "lists \(records.count) token(s), \(unfounded.count) of them not a verified token with the same time and serial"))
            } else {
                checks.append(BagCheck(subject: "timestamps/timestamps.json", ok: false, detail: "unreadable"))
            }
        }
        if let url = try? BagFiles.resolve("report.html", in: root).get(), let html = try? BagFiles.read(url) {
            // Each token the report shows as a timestamp (a table row naming its file) must be a
            // verified token, with that token's time and serial in its row.
            let text = String(decoding: html, as: UTF8.self)
            let rows = text.components(separatedBy: "<tr>")
            var wrong: [String] = []
            for path in Set(Self.tokenPaths(in: text)).sorted() {
                guard let summary = tokens[path] else { wrong.append("\(path) does not verify"); continue }
                let row = rows.first { $0.contains(">\(path)<") } ?? ""
                if !row.contains(summary.genTime) || !row.contains(">\(summary.serialNumber)<") {
                    wrong.append("\(path) is shown with another time or serial than the token's")
                }
            }
            checks.append(BagCheck(subject: "report.html", ok: wrong.isEmpty,
                                   detail: wrong.isEmpty ? "the timestamps it shows are verified tokens, with their times and serials"
                                    : "shows token(s) that do not verify: " + wrong.joined(separator: "; ")))
        }
        return checks
    }

    /// `timestamps/<name>.tsr` as the report names its tokens: a cell's whole text (the report's
    /// instructions name `timestamps/HOST.tsr` in running text, which is not a claim).
    static func tokenPaths(in text: String) -> [String] {
        var paths: [String] = []
        var rest = Substring(text)
        while let start = rest.range(of: ">timestamps/") {
            let tail = rest[rest.index(after: start.lowerBound)...]
            let name = tail.prefix { !"<> \"'&\n".contains($0) }
            if name.hasSuffix(".tsr") { paths.append(String(name)) }
            rest = rest[start.upperBound...]
        }
        return paths
    }

    /// The signer the record names, and the one `--expect-key` asks for, must be the one that signed.
    private func signerPromises(named: String?, signedBy: String?, present: Bool) -> [BagCheck] {
        var checks: [BagCheck] = []
        let subject = BagSigner.signatureFile
        if let named {
            if signedBy == nil {
                checks.append(BagCheck(subject: subject, ok: false, detail: "the record names signer \(named), but "
                                       + (present ? "the signature does not verify" : "the signature is missing")))
            } else if signedBy != named {
                checks.append(BagCheck(subject: subject, ok: false, detail: "signed by \(signedBy ?? ""), but the record names signer \(named)"))
            }
        } else if let signedBy {
            checks.append(BagCheck(subject: subject, ok: true, detail: "note: signed by \(signedBy), a key the capture's record does not name"))
        }
        if let expectedKey, signedBy != expectedKey {
            checks.append(BagCheck(subject: subject, ok: false, detail: "--expect-key \(expectedKey): "
                                   + (signedBy.map { "signed by \($0) instead" } ?? "no valid signature")))
        }
        return checks
    }

    /// The provenance embedded in data/screenshot.png (iTXt `exhibit:provenance`), when there is
    /// one, must agree with data/capture.json: both are hashed, so a disagreement means one of them
    /// was rewritten together with its manifest lines.
    private func verifyProvenance() -> BagCheck? {
        guard let png = try? BagFiles.resolve("data/screenshot.png", in: root).get().path,
              let texts = try? PNGTextChunks.internationalText(inFile: png), let embedded = texts["exhibit:provenance"] else { return nil }
        let subject = "data/screenshot.png"
        guard let provenance = try? JSONSerialization.jsonObject(with: Data(embedded.utf8)) as? [String: Any] else {
            return BagCheck(subject: subject, ok: false, detail: "embedded provenance is not JSON")
        }
        guard let data = (try? BagFiles.resolve("data/capture.json", in: root).get()).flatMap({ try? BagFiles.read($0) }),
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
        let signatureURL = try? BagFiles.resolve(BagSigner.signatureFile, in: root).get()
        let keyURL = try? BagFiles.resolve(BagSigner.publicKeyFile, in: root).get()
        let present = [BagSigner.signatureFile, BagSigner.publicKeyFile].contains {
            var info = stat()
            return lstat(root.appendingPathComponent($0).path, &info) == 0
        }
        guard present else { return (nil, nil) }
        guard let signature = signatureURL.flatMap({ try? BagFiles.read($0, limit: Self.maxTokenBytes) }),
              let keyText = keyURL.flatMap({ try? BagFiles.read($0, limit: Self.maxTokenBytes) }).map({ String(decoding: $0, as: UTF8.self) }),
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
