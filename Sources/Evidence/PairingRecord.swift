import Crypto
import Foundation

/// `pairing/<name>.json`: a capture paired with a web archive another tool made (`exhibit pair`,
/// `capture --pair`). A tag file, covered by the tag manifests, so pairing never touches the
/// payload, its manifest, its signature or its timestamps.
public struct PairingRecord: Codable, Sendable {
    public var schema = "exhibit-pairing"
    public var schemaVersion = 1
    /// UTC, when the pairing was made.
    public var pairedAt: String
    public var exhibitVersion: String
    public var archive: Archive
    public var capture: Capture
    /// The URLs looked for: the captured page's (asked, final, canonical, the post's own link) and
    /// the API requests `--api` made.
    public var urlsLookedFor: [String]
    /// Every record of the archive for those URLs, with how long before (negative) or after the
    /// capture's start its WARC-Date is.
    public var records: [Record]
    /// The archive's main response body against the one Exhibit received.
    public var body: BodyComparison
    /// One line: records found, the time gap, whether the bodies match.
    public var summary: String

    public struct Archive: Codable, Sendable {
        /// The file's name as given (its folder is not recorded: it names a person's disk).
        public var fileName: String
        /// `WARC`, `WARC, gzip` or `WACZ`, from its bytes.
        public var format: String
        public var bytes: UInt64
        public var sha256: String
        /// Where it was copied in the bag (`pairing/archives/<name>`) with `--include`; nil when it was not.
        public var includedAs: String?
        /// The WARC records it holds in all.
        public var recordsInArchive: Int

        public init(fileName: String, format: String, bytes: UInt64, sha256: String, includedAs: String?, recordsInArchive: Int) {
            self.fileName = fileName; self.format = format; self.bytes = bytes; self.sha256 = sha256; self.includedAs = includedAs
            self.recordsInArchive = recordsInArchive
        }
    }

    public struct Capture: Codable, Sendable {
        public var captureId: String
        public var startedAt: String
        public var requestedURL: String
        public var finalURL: String?

        public init(captureId: String, startedAt: String, requestedURL: String, finalURL: String?) {
            self.captureId = captureId; self.startedAt = startedAt; self.requestedURL = requestedURL; self.finalURL = finalURL
        }
    }

    public struct Record: Codable, Sendable {
        public var type: String
        public var targetURI: String
        public var date: String?
        public var recordID: String?
        public var payloadDigest: String?
        public var httpStatus: Int?
        /// The WARC inside a WACZ the record is in.
        public var entry: String?
        /// Seconds from the capture's start to the record's WARC-Date (negative: the archive is older).
        public var secondsFromCapture: Double?

        public init(type: String, targetURI: String, date: String?, recordID: String?, payloadDigest: String?, httpStatus: Int?,
                    entry: String?, secondsFromCapture: Double?) {
            self.type = type; self.targetURI = targetURI; self.date = date; self.recordID = recordID; self.payloadDigest = payloadDigest
            self.httpStatus = httpStatus; self.entry = entry; self.secondsFromCapture = secondsFromCapture
        }
    }

    public struct BodyComparison: Codable, Sendable {
        /// `same`, `different`, or `not compared` (with `reason`).
        public var result: String
        public var archiveURI: String?
        /// SHA-256 of each body as decoded (chunked transfer undone, gzip inflated).
        public var archiveSHA256: String?
        public var exhibitSHA256: String?
        /// Whether the post's text (post.json, normalised) is in each body's text; nil when not looked for.
        public var postTextInArchive: Bool?
        public var postTextInExhibit: Bool?
        /// Where the two bodies' texts part, when they differ.
        public var difference: String?
        public var reason: String?

        public init(result: String, archiveURI: String? = nil, archiveSHA256: String? = nil, exhibitSHA256: String? = nil,
                    postTextInArchive: Bool? = nil, postTextInExhibit: Bool? = nil, difference: String? = nil, reason: String? = nil) {
            self.result = result; self.archiveURI = archiveURI; self.archiveSHA256 = archiveSHA256; self.exhibitSHA256 = exhibitSHA256
            self.postTextInArchive = postTextInArchive; self.postTextInExhibit = postTextInExhibit; self.difference = difference; self.reason = reason
        }
    }

    public init(pairedAt: String, exhibitVersion: String, archive: Archive, capture: Capture, urlsLookedFor: [String], records: [Record],
                body: BodyComparison, summary: String) {
        self.pairedAt = pairedAt; self.exhibitVersion = exhibitVersion; self.archive = archive; self.capture = capture
        self.urlsLookedFor = urlsLookedFor; self.records = records; self.body = body; self.summary = summary
    }

    /// The pairing files of a bag, by path relative to its root.
    public static func files(in root: URL) -> [String] {
        BagFiles.inventory(root).files.filter { $0.hasPrefix("pairing/") && $0.hasSuffix(".json") && $0.split(separator: "/").count == 2 }.sorted()
    }

    /// Reads one pairing file of a bag, bounded, as hostile input.
    public static func read(_ relative: String, in root: URL) throws -> PairingRecord {
        let url = try BagFiles.resolve(relative, in: root).get()
        return try JSONDecoder().decode(PairingRecord.self, from: BagFiles.read(url))
    }
}

/// `exhibit verify`'s check of each pairing: the archive's recorded SHA-256 against the archive,
/// when it is in the bag (`--include`) or given (`--archive FILE`), and plainly said when it is
/// neither. The pairing file itself is checked by the tag manifests like every tag file.
struct PairingVerification {
    let root: URL
    /// Archives given with `--archive`, matched to a pairing by digest, else by file name.
    let archives: [URL]

    func checks() -> [BagCheck] {
        var checks: [BagCheck] = []
        let given = archives.map { url in (url, try? FileDigest(fileAt: url.path)) }
        // Which archives given matched a pairing, by index: never by searching check texts,
        // which hold names the bag chose.
        var matched = Set<Int>()
        for file in PairingRecord.files(in: root) {
            let pairing: PairingRecord
            do { pairing = try PairingRecord.read(file, in: root) }
            catch { checks.append(BagCheck(subject: file, ok: false, detail: "not a readable pairing record: \(error)")); continue }
            let expected = pairing.archive.sha256.lowercased()
            let name = pairing.archive.fileName
            if let included = pairing.archive.includedAs {
                guard included.hasPrefix("pairing/archives/"), let url = try? BagFiles.resolve(included, in: root).get(),
                      let digest = try? FileDigest(regularFileAt: url) else {
                    checks.append(BagCheck(subject: file, ok: false, detail: "the paired archive \(name) should be in the bag as \(included), and is not"))
                    continue
                }
                for (index, archive) in given.enumerated() where archive.1?.sha256 == expected { matched.insert(index) }
                checks.append(digest.sha256 == expected && digest.size == pairing.archive.bytes
                    ? BagCheck(subject: included, ok: true, detail: "the paired archive \(name) as \(file) records it (sha256 \(expected.prefix(16))…, \(digest.size) bytes)")
                    : BagCheck(subject: included, ok: false, detail: "the paired archive is not the one \(file) records: sha256 \(digest.sha256.prefix(16))…, recorded \(expected.prefix(16))…"))
                continue
            }
            if let index = given.firstIndex(where: { $0.1?.sha256 == expected }) {
                let match = given[index]
                matched.insert(index)
                checks.append(BagCheck(subject: file, ok: true, detail: "the archive given, \(match.0.lastPathComponent), is the one paired (sha256 \(expected.prefix(16))…)"))
            } else if let index = given.firstIndex(where: { $0.0.lastPathComponent == name }) {
                let sameName = given[index]
                matched.insert(index)
                checks.append(BagCheck(subject: file, ok: false, detail: "the archive given, \(sameName.0.lastPathComponent), is not the one paired: sha256 "
                                       + "\(sameName.1?.sha256.prefix(16) ?? "unreadable")…, recorded \(expected.prefix(16))…"))
            } else {
                checks.append(BagCheck(subject: file, ok: true, detail: "paired with \(name) (sha256 \(expected.prefix(16))…), which is not at hand: "
                                       + "its digest was not checked (give --archive FILE)"))
            }
        }
        for (index, archive) in given.enumerated() where !matched.contains(index) {
            checks.append(BagCheck(subject: archive.0.lastPathComponent, ok: false, detail: "--archive given, but no pairing of this capture records an archive with its SHA-256"))
        }
        return checks
    }
}
