import Evidence
import Foundation
import PlatformAPI
import WebArchive

/// Pairs a capture with a WARC or WACZ another tool made (Browsertrix, Webrecorder, warcio, a
/// national archive's crawler): the guideline's combined technique, recorded in the bag.
///
/// The archive is read as hostile input and must be whole (every record to its end, every digest
/// right); the records for the captured page and its API calls are listed with their time gap to
/// the capture; the archive's main response body is compared with the one Exhibit received, and
/// when they differ, whether the post's text is in each. The result is `pairing/<name>.json`, a
/// tag file; the archive itself is copied in only when asked (`include`). Nothing is written until
/// everything was read, and then atomically, so an archive that is refused leaves the bag as it was.
public struct ArchivePairer: Sendable {
    public let bag: URL
    public let archive: URL
    public let include: Bool
    public let exhibitVersion: String

    public init(bag: URL, archive: URL, include: Bool, exhibitVersion: String) {
        self.bag = bag.standardizedFileURL
        self.archive = archive
        self.include = include
        self.exhibitVersion = exhibitVersion
    }

    /// What of the capture a pairing needs.
    struct CaptureFacts: Decodable {
        struct API: Decodable { struct Request: Decodable { let url: String }; let requests: [Request]? }
        struct WARC: Decodable { let file: String }
        let captureId: String
        let startedAt: String
        let requestedURL: String
        let finalURL: String?
        let api: API?
        let archive: WARC?
    }

    struct PostFacts: Decodable {
        struct Item: Decodable { let text: String?; let url: String? }
        let canonicalURL: String?
        let post: Item?
    }

    /// Reads everything, then writes the pairing (and the archive with `include`) and the tag
    /// manifests. Throws ``PairingError`` naming what is wrong; the bag is unchanged then.
    public func pair(now: Date = Date()) throws -> (record: PairingRecord, file: String) {
        let (record, digest) = try analyse(now: now)
        let name = Self.safeName(archive.lastPathComponent)
        let file = "pairing/\(name).json"
        if FileManager.default.fileExists(atPath: bag.appendingPathComponent(file).path) {
            throw PairingError.exists("\(file) exists: this capture is already paired with an archive of that name")
        }
        try write(record, file: file, name: name, archiveSHA256: digest.sha256)
        return (record, file)
    }

    /// What a pairing would record, read only: nothing in the bag is written (`exhibit compare
    /// CAPTURE ARCHIVE` shows it without pairing).
    public func analyse(now: Date = Date()) throws -> (record: PairingRecord, digest: FileDigest) {
        guard BagChecker(root: bag).looksLikeBag else { throw PairingError.notACapture("\(bag.path) is not a capture (no bagit.txt, manifest-sha256.txt or data/)") }
        // A bag is written to, its tag files hashed and its report read back: a symlink or a FIFO
        // in it could lead those reads and writes outside it, or hang them.
        if let odd = BagFiles.inventory(bag).irregular.first {
            throw PairingError.notACapture("\(bag.path) holds \(odd.path), a \(odd.kind), not a regular file: run exhibit verify")
        }
        let facts: CaptureFacts
        do { facts = try JSONDecoder().decode(CaptureFacts.self, from: BagFiles.read(BagFiles.resolve("data/capture.json", in: bag).get())) }
        catch { throw PairingError.notACapture("\(bag.path): data/capture.json cannot be read as a capture record") }
        let post = (try? BagFiles.resolve("data/post.json", in: bag).get()).flatMap { try? BagFiles.read($0) }
            .flatMap { try? JSONDecoder().decode(PostFacts.self, from: $0) }

        let pageURLs = unique([facts.requestedURL, facts.finalURL, post?.canonicalURL, post?.post?.url].compactMap { $0 })
        let apiURLs = unique((facts.api?.requests ?? []).map(\.url))
        let pageVariants = Set(pageURLs.flatMap(Self.variants))
        let wanted = pageVariants.union(apiURLs.flatMap(Self.variants))

        // The archive: refused unless it reads whole, every digest right.
        try Self.checkWhole(archive.path)
        let contents: ArchiveContents
        do { contents = try ArchiveContents.read(path: archive.path, bodiesFor: pageVariants, recordsFor: wanted) }
        catch { throw PairingError.badArchive("\(archive.lastPathComponent): \(error)") }
        let found = contents.records
        guard found.contains(where: { pageVariants.contains($0.targetURI) }) else {
            let uris = contents.otherURIs
            throw PairingError.badArchive("\(archive.lastPathComponent) has no record for \(pageURLs.first ?? facts.requestedURL) "
                + "(\(contents.recordCount) records" + (uris.isEmpty ? "" : ", e.g. for " + uris.joined(separator: ", ")) + ")")
        }
        let digest: FileDigest
        do { digest = try FileDigest(fileAt: archive.path) } catch { throw PairingError.badArchive("\(archive.lastPathComponent) cannot be read: \(error)") }

        let started = APICrossCheck.parseTime(facts.startedAt)
        let records = found.map { r in
            PairingRecord.Record(type: r.type, targetURI: r.targetURI, date: r.date, recordID: r.recordID, payloadDigest: r.payloadDigest,
                                 httpStatus: r.httpStatus, entry: r.entry,
                                 secondsFromCapture: zip2(r.date.flatMap(APICrossCheck.parseTime), started).map { ($0.timeIntervalSince($1) * 1000).rounded() / 1000 })
        }
        let body = compareBodies(contents: contents, pageURLs: pageURLs, facts: facts, postText: post?.post?.text)

        let name = Self.safeName(archive.lastPathComponent)
        let responses = records.filter { $0.type == "response" && pageVariants.contains($0.targetURI) }
        let gaps = responses.compactMap(\.secondsFromCapture)
        let summary = "\(records.count) record(s) for the page and its API calls in \(contents.format.rawValue) \(archive.lastPathComponent)"
            + (gaps.first.map { "; its main response " + Self.gapWords($0) } ?? "")
            + "; body " + (body.result == "same" ? "the same as Exhibit received" : body.result == "different" ? "different from Exhibit's"
                           + (body.postTextInArchive == false ? " (the post's text is not in it)" : "") : "not compared (\(body.reason ?? ""))")
        let record = PairingRecord(
            pairedAt: UTCTime.milliseconds(now), exhibitVersion: exhibitVersion,
            archive: .init(fileName: archive.lastPathComponent, format: contents.format.rawValue, bytes: digest.size, sha256: digest.sha256,
                           includedAs: include ? "pairing/archives/\(name)" : nil, recordsInArchive: contents.recordCount),
            capture: .init(captureId: facts.captureId, startedAt: facts.startedAt, requestedURL: facts.requestedURL, finalURL: facts.finalURL),
            urlsLookedFor: pageURLs + apiURLs, records: records, body: body, summary: summary)
        return (record, digest)
    }

    /// Writes the pairing (and the archive with `include`), then the tag manifests.
    func write(_ record: PairingRecord, file: String, name: String, archiveSHA256: String) throws {
        // Written last, each through a temporary name, so a failure leaves no half pairing.
        let folder = bag.appendingPathComponent("pairing")
        for path in [folder, folder.appendingPathComponent("archives")] {
            var status = stat()
            if lstat(path.path, &status) == 0, status.st_mode & S_IFMT != S_IFDIR {
                throw PairingError.notACapture("\(path.path) is not a folder (a link or a file): not written to")
            }
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var written: [URL] = []
        do {
            if include {
                let archives = folder.appendingPathComponent("archives")
                try FileManager.default.createDirectory(at: archives, withIntermediateDirectories: true)
                let target = archives.appendingPathComponent(name)
                let temporary = archives.appendingPathComponent(".\(name).partial")
                try? FileManager.default.removeItem(at: temporary)
                try FileManager.default.copyItem(at: archive, to: temporary)
                guard (try FileDigest(fileAt: temporary.path)).sha256 == archiveSHA256 else {
                    throw PairingError.badArchive("\(archive.lastPathComponent) changed while it was copied")
                }
                try FileManager.default.moveItem(at: temporary, to: target)
                written.append(target)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let target = bag.appendingPathComponent(file)
            try encoder.encode(record).write(to: target, options: .atomic)
            written.append(target)
            try BagWriter(root: bag).writeTagManifests()
        } catch {
            for url in written { try? FileManager.default.removeItem(at: url) }
            if (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.isEmpty == true { try? FileManager.default.removeItem(at: folder) }
            try? BagWriter(root: bag).writeTagManifests()
            throw error
        }
    }

    /// The archive read to its end with every digest checked; its first problem refuses it
    /// (``PairingError/badArchive(_:)``).
    public static func checkWhole(_ path: String) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else {
            throw PairingError.badArchive("\(path): no such file")
        }
        let format: ArchiveFormat?
        do { format = try ArchiveFormat.detect(path: path) } catch { throw PairingError.badArchive("\(path): \(error)") }
        let name = URL(fileURLWithPath: path).lastPathComponent
        switch format {
        case nil:
            throw PairingError.badArchive("\(name) is not a WARC, a gzipped WARC or a WACZ (its first bytes say none of these)"
                + (name.hasSuffix(".gz") ? "; it is named .gz but is not gzip" : ""))
        // Another tool's archive may state no digest, or one Exhibit does not compute, and a WACZ
        // may come without a page list: that is not damage. A digest that is wrong, a record or
        // member cut short, a package that does not hold what it lists, is.
        case .wacz?:
            let report = WACZChecker.check(path: path)
            let damage = report.problems.filter { !($0.resource == "pages/pages.jsonl" && $0.detail == "missing") }.map(\.description)
                + report.warcProblems.filter { $0.kind != .missingDigest }.map(\.description)
            if let problem = damage.first { throw PairingError.badArchive("\(name) is not a whole WACZ: \(problem)") }
        case .warc?, .warcGzip?:
            let report = WARCChecker.check(path: path)
            if let problem = report.problems.first(where: { $0.kind != .missingDigest }) {
                throw PairingError.badArchive("\(name) is not a whole WARC: \(problem)")
            }
            if report.recordsRead == 0 { throw PairingError.badArchive("\(name) holds no WARC record") }
        }
    }

    func compareBodies(contents: ArchiveContents, pageURLs: [String], facts: CaptureFacts, postText: String?) -> PairingRecord.BodyComparison {
        guard let (uri, theirs) = pageURLs.lazy.flatMap(Self.variants).compactMap({ u in contents.bodies[u].map { (u, $0) } }).first else {
            return .init(result: "not compared", reason: "the archive has no response record for the page")
        }
        guard let warc = facts.archive?.file, let path = try? BagFiles.resolve("data/" + warc, in: bag).get(),
              let own = try? ArchiveContents.read(path: path.path, bodiesFor: Set(pageURLs.flatMap(Self.variants)), recordsFor: []),
              let ours = pageURLs.lazy.flatMap(Self.variants).compactMap({ own.bodies[$0] }).first else {
            return .init(result: "not compared", archiveURI: uri, archiveSHA256: theirs.sha256,
                         reason: "Exhibit kept no response body for the page (a capture with --no-warc has no web archive)")
        }
        let text = postText.map(APICrossCheck.normalised).flatMap { $0.isEmpty ? nil : $0 }
        let theirText = Self.bodyText(theirs.bytes), ourText = Self.bodyText(ours.bytes)
        let same = theirs.sha256 == ours.sha256
        return .init(result: same ? "same" : "different", archiveURI: uri, archiveSHA256: theirs.sha256, exhibitSHA256: ours.sha256,
                     postTextInArchive: text.map { theirText.contains($0) }, postTextInExhibit: text.map { ourText.contains($0) },
                     difference: same ? nil : APICrossCheck.firstDifference(api: theirText, page: ourText, labels: ("the archive", "Exhibit")),
                     reason: [theirs.problem.map { "archive: \($0)" }, ours.problem.map { "Exhibit: \($0)" }].compactMap { $0 }.joined(separator: "; ").nilIfEmpty)
    }

    /// A body's text as a reader sees it: scripts and styles dropped, tags removed, white space folded.
    static func bodyText(_ bytes: [UInt8]) -> String {
        APICrossCheck.normalised(HTMLText.plain(withoutElements(["script", "style", "template"], String(decoding: bytes, as: UTF8.self))))
    }

    /// `html` without the named elements and their contents, in one pass: each opening tag's end
    /// is searched for from where the last search stopped, never from the start again.
    static func withoutElements(_ names: [String], _ html: String) -> String {
        let lower = Array(html.lowercased().utf8), bytes = Array(html.utf8)
        guard lower.count == bytes.count else { return html }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        outer: while index < bytes.count {
            if bytes[index] == UInt8(ascii: "<") {
                for name in names {
                    let open = Array("<\(name)".utf8), close = Array("</\(name)>".utf8)
                    if lower[index...].starts(with: open) {
                        // The matching close, or the end of the text when there is none.
                        var search = index + open.count
                        while search < lower.count, !lower[search...].starts(with: close) {
                            guard let next = lower[(search + 1)...].firstIndex(of: UInt8(ascii: "<")) else { search = lower.count; break }
                            search = next
                        }
                        index = min(lower.count, search + close.count)
                        continue outer
                    }
                }
            }
            out.append(bytes[index])
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The URL as written, and without a trailing slash or with one: archives disagree on it.
    static func variants(_ url: String) -> [String] {
        var base = url
        if let hash = base.firstIndex(of: "#") { base = String(base[..<hash]) }
        return unique([url, base, base.hasSuffix("/") ? String(base.dropLast()) : base + "/"])
    }

    static func safeName(_ name: String) -> String {
        let kept = name.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_" }
        let text = String(kept).trimmingCharacters(in: CharacterSet(charactersIn: "."))
        return text.isEmpty ? "archive" : String(text.prefix(120))
    }

    static func gapWords(_ seconds: Double) -> String {
        let magnitude = abs(seconds)
        let amount = magnitude < 120 ? String(format: "%.0f s", magnitude) : magnitude < 7200 ? String(format: "%.0f min", magnitude / 60)
            : magnitude < 172_800 ? String(format: "%.1f h", magnitude / 3600) : String(format: "%.1f days", magnitude / 86_400)
        return seconds < 0 ? "\(amount) before the capture" : "\(amount) after the capture"
    }
}

func unique(_ items: [String]) -> [String] {
    var seen = Set<String>()
    return items.filter { seen.insert($0).inserted }
}

func zip2<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}

/// Why a capture could not be paired; the bag is unchanged.
public enum PairingError: Error, CustomStringConvertible, Sendable {
    case notACapture(String)
    /// Truncated, not gzip though named so, not a WARC or WACZ, digests wrong, no record for the page.
    case badArchive(String)
    case exists(String)

    public var description: String {
        switch self {
        case .notACapture(let m), .badArchive(let m), .exists(let m): return m
        }
    }
}
