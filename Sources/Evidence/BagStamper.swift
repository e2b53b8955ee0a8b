import Foundation
import TrustedTime
import X509

/// One timestamp token stored in a bag, as listed in `timestamps/timestamps.json`.
public struct TimestampRecord: Codable, Sendable {
    /// The TSA's URL.
    public var tsa: String
    /// The response, relative to the bag root (`timestamps/<host>.tsr`).
    public var response: String
    /// The query it answers (`timestamps/<host>.tsq`).
    public var query: String
    /// What was stamped: always `manifest-sha256.txt`, the list of every payload file's hash.
    public var stamped: String
    /// SHA-256 of the stamped bytes.
    public var stampedSHA256: String
    public var genTime: String
    public var serialNumber: String
    public var policy: String
    public var tsaName: String
    public var accuracy: String?
    /// Whether the token verified when it was taken (signature, imprint, nonce, chain at genTime
    /// to the trust roots given); nil for tokens stored before Exhibit checked them.
    public var trusted: Bool?
    /// Why it did not verify, when it did not.
    public var untrustedBecause: String?
}

/// What stamping achieved: tokens obtained, and each TSA that failed with its reason.
public struct StampOutcome: Sendable {
    /// Every token obtained, trusted or not.
    public var stamped: [TimestampRecord]
    /// The tokens that verified when taken (all of them when no trust roots were given).
    public var trusted: [TimestampRecord] { stamped.filter { $0.trusted != false } }
    /// The tokens kept but not trusted, each with its reason.
    public var untrusted: [TimestampRecord] { stamped.filter { $0.trusted == false } }
    public var failures: [(tsa: String, reason: String)]
    public init(stamped: [TimestampRecord] = [], failures: [(tsa: String, reason: String)] = []) {
        self.stamped = stamped
        self.failures = failures
    }
}

/// Adds RFC 3161 timestamps to a bag. Never touches payload files.
///
/// The token stamps the exact bytes of `manifest-sha256.txt`, which lists every payload file's
/// SHA-256, so one token covers the whole payload. The full `.tsr` and the `.tsq` are stored byte
/// for byte under `timestamps/`; `timestamps/timestamps.json` and `bag-info.txt` say what each
/// token states, and the tag manifests are rewritten to cover them.
public struct BagStamper: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root }

    /// Asks each TSA in turn; a TSA that fails is reported in the outcome, not thrown.
    /// `rewriteTagManifests: false` leaves the tag manifests to the caller, which writes them once
    /// after its own last tag file (a capture's seal step does; the report lists the tokens).
    /// With `trustRoots`, each token is verified as `exhibit verify` would (chain at genTime): one
    /// that does not verify is kept, but recorded and reported as untrusted.
    public func stamp(tsas: [String], timeout: Double = 15, rewriteTagManifests: Bool = true,
                      trustRoots: [Certificate]? = nil) async throws -> StampOutcome {
        let manifest = try Self.manifestBytes(root)
        let folder = root.appendingPathComponent("timestamps")
        var records = try existingRecords()
        var outcome = StampOutcome(stamped: [], failures: [])
        for tsa in tsas {
            do {
                let obtained = try await TSAClient(url: tsa, timeout: timeout).stamp(manifest)
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                let name = uniqueName(for: tsa, in: folder)
                try Data(obtained.query).write(to: folder.appendingPathComponent(name + ".tsq"))
                try Data(obtained.response).write(to: folder.appendingPathComponent(name + ".tsr"))
                let info = obtained.info
                var record = TimestampRecord(tsa: tsa, response: "timestamps/\(name).tsr", query: "timestamps/\(name).tsq",
                                             stamped: "manifest-sha256.txt", stampedSHA256: FileDigest.sha256Hex(manifest),
                                             genTime: info.genTimeText, serialNumber: info.serialNumber, policy: info.policy,
                                             tsaName: info.tsaName ?? "", accuracy: info.accuracy)
                if let trustRoots {
                    do {
                        _ = try await TimeStampVerifier(trustRoots: trustRoots).verify(
                            response: obtained.response, data: manifest, query: try TimeStampRequest(derEncoded: obtained.query))
                        record.trusted = true
                    } catch {
                        record.trusted = false
                        record.untrustedBecause = "\(error)"
                    }
                }
                records.append(record)
                outcome.stamped.append(record)
            } catch {
                outcome.failures.append((tsa, "\(error)"))
            }
        }
        if !outcome.stamped.isEmpty {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(records).write(to: folder.appendingPathComponent("timestamps.json"), options: .atomic)
        }
        try recordInBagInfo(records: records, failures: outcome.failures)
        if rewriteTagManifests { try BagWriter(root: root).writeTagManifests() }
        return outcome
    }

    /// The tokens already in the bag.
    public func existingRecords() throws -> [TimestampRecord] {
        let url = root.appendingPathComponent("timestamps/timestamps.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        do { return try JSONDecoder().decode([TimestampRecord].self, from: Data(contentsOf: url)) }
        catch { throw EvidenceError.unreadable(path: url.path, reason: "\(error)") }
    }

    /// The bytes every token and signature covers, read as a regular file inside the bag.
    static func manifestBytes(_ root: URL) throws -> [UInt8] {
        switch BagFiles.resolve("manifest-sha256.txt", in: root) {
        case .success(let url): return Array(try BagFiles.read(url))
        case .failure(let problem):
            throw EvidenceError.unreadable(path: root.appendingPathComponent("manifest-sha256.txt").path, reason: "\(problem)")
        }
    }

    /// `<tsa host>`, or `<tsa host>-2`, ... when that name is taken (several TSAs on one host,
    /// or the same TSA asked again later).
    private func uniqueName(for tsa: String, in folder: URL) -> String {
        let host = URLComponents(string: tsa)?.host ?? "tsa"
        let base = String(host.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" })
        var name = base
        var counter = 2
        while FileManager.default.fileExists(atPath: folder.appendingPathComponent(name + ".tsr").path) {
            name = "\(base)-\(counter)"
            counter += 1
        }
        return name
    }

    private func recordInBagInfo(records: [TimestampRecord], failures: [(tsa: String, reason: String)]) throws {
        var fields: [(String, String)] = []
        let trusted = records.filter { $0.trusted != false }, untrusted = records.filter { $0.trusted == false }
        if records.isEmpty {
            let reasons = failures.map { "\($0.tsa): \($0.reason)" }.joined(separator: "; ")
            fields.append(("Timestamp-Status", "pending" + (reasons.isEmpty ? "" : " (no TSA answered: \(reasons))")))
        } else {
            fields.append(("Timestamp-Status", trusted.isEmpty
                ? "untrusted (\(untrusted.count) token\(untrusted.count == 1 ? "" : "s") that do not verify; see Timestamp-Untrusted)"
                : "granted (\(trusted.count) token\(trusted.count == 1 ? "" : "s"))"))
            for record in trusted {
                fields.append(("Timestamp", "\(record.genTime); TSA \(record.tsaName); serial \(record.serialNumber); "
                               + "policy \(record.policy); token \(record.response); over \(record.stamped)"))
            }
            // Kept, since a later check with other roots may trust it, but never stated as a timestamp.
            for record in untrusted {
                fields.append(("Timestamp-Untrusted", "token \(record.response) from \(record.tsa) does not verify: \(record.untrustedBecause ?? "unknown")"))
            }
            // Kept too when another TSA did answer: a reader sees every authority that was asked.
            for failure in failures { fields.append(("Timestamp-Failed", "\(failure.tsa): \(failure.reason)")) }
        }
        try BagInfo(root: root).replace(prefix: "Timestamp", with: fields)
    }
}
