import Foundation

/// A payload file of a bag, hashed after its last write.
public struct PayloadFile: Sendable, Codable, Equatable {
    /// Path relative to `data/`, with `/` separators.
    public let name: String
    /// IANA media type.
    public let mediaType: String
    /// Size and digests.
    public let digest: FileDigest

    public init(name: String, mediaType: String, digest: FileDigest) {
        self.name = name
        self.mediaType = mediaType
        self.digest = digest
    }

    /// Hashes `data/<name>` under `bagRoot`.
    public static func hash(_ name: String, in bagRoot: URL, mediaType: String) throws -> PayloadFile {
        let digest = try FileDigest(fileAt: bagRoot.appendingPathComponent("data").appendingPathComponent(name).path)
        return PayloadFile(name: name, mediaType: mediaType, digest: digest)
    }
}

/// Writes the tag files of a BagIt 1.0 bag (RFC 8493) around a `data/` folder that is already complete.
///
/// Payload digests are taken as given (each file was hashed once, after its last write), but the
/// list is checked against the files actually present: a missing or unlisted file is an error,
/// never a silently incomplete bag. Tag files get SHA-256 and SHA-512 manifests of their own.
public struct BagWriter {
    /// The bag's root folder; the payload is in `data/` below it.
    public let root: URL

    public init(root: URL) { self.root = root }

    /// The tag files the writer produces, in the order they are written.
    public static let tagFiles = ["bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt"]

    /// Writes bagit.txt, bag-info.txt, payload manifests and tag manifests.
    ///
    /// - Parameters:
    ///   - payload: every file under `data/`, with its digest.
    ///   - info: extra bag-info fields, in order (e.g. `Source-Organization`, `External-Identifier`).
    ///   - baggingDate: the `Bagging-Date` (written as YYYY-MM-DD, UTC).
    ///   - tagManifests: false leaves the tag manifests to the caller, which writes them once after its
    ///     last tag file (``writeTagManifests()``).
    public func write(payload: [PayloadFile], info: [(String, String)], baggingDate: Date, tagManifests: Bool = true) throws {
        try checkPayloadMatchesDisk(payload)
        let sorted = payload.sorted { $0.name < $1.name }
        let octets = sorted.reduce(UInt64(0)) { $0 + $1.digest.size }
        var fields = info
        fields.append(("Bagging-Date", UTCTime.day(baggingDate)))
        fields.append(("Payload-Oxum", "\(octets).\(sorted.count)"))

        try writeTag("bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
        try writeTag("bag-info.txt", fields.map { "\($0.0): \(Self.oneLine($0.1))\n" }.joined())
        try writeTag("manifest-sha256.txt", sorted.map { "\($0.digest.sha256)  data/\(Self.encodePath($0.name))\n" }.joined())
        try writeTag("manifest-sha512.txt", sorted.map { "\($0.digest.sha512)  data/\(Self.encodePath($0.name))\n" }.joined())
        if tagManifests { try writeTagManifests() }
    }

    /// Rewrites `tagmanifest-sha256.txt` and `tagmanifest-sha512.txt` over every tag file in the bag
    /// (everything outside `data/` except the tag manifests themselves), so tag files added later
    /// (timestamps, reports) are covered too.
    public func writeTagManifests() throws {
        let tags = try tagFilesOnDisk()
        let digests = try tags.map { ($0, try FileDigest(fileAt: root.appendingPathComponent($0).path)) }
        try writeTag("tagmanifest-sha256.txt", digests.map { "\($0.1.sha256)  \(Self.encodePath($0.0))\n" }.joined())
        try writeTag("tagmanifest-sha512.txt", digests.map { "\($0.1.sha512)  \(Self.encodePath($0.0))\n" }.joined())
    }

    /// Rewrites the tag manifests' lines for `paths` only (adding them when absent), leaving every
    /// other line as it was: a tag file changed by someone else stays a mismatch, never blessed.
    public func updateTagManifestEntries(for paths: [String]) throws {
        for (name, hex) in [("tagmanifest-sha256.txt", { (d: FileDigest) in d.sha256 }), ("tagmanifest-sha512.txt", { (d: FileDigest) in d.sha512 })] {
            let url = root.appendingPathComponent(name)
            let existing = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
            let encoded = Set(paths.map(Self.encodePath))
            var lines = existing.split(separator: "\n", omittingEmptySubsequences: true).map(String.init).filter { line in
                guard let space = line.firstIndex(of: " ") else { return true }
                return !encoded.contains(String(line[space...].drop { $0 == " " }))
            }
            for path in paths {
                let digest = try FileDigest(fileAt: root.appendingPathComponent(path).path)
                lines.append("\(hex(digest))  \(Self.encodePath(path))")
            }
            try writeTag(name, lines.joined(separator: "\n") + "\n")
        }
    }

    private func tagFilesOnDisk() throws -> [String] {
        try Self.files(under: root).filter {
            !$0.hasPrefix("data/") && !$0.hasPrefix("tagmanifest-")
        }.sorted()
    }

    private func checkPayloadMatchesDisk(_ payload: [PayloadFile]) throws {
        let onDisk = Set(try Self.files(under: root.appendingPathComponent("data")))
        let listed = Set(payload.map(\.name))
        let missing = listed.subtracting(onDisk).sorted()
        let unlisted = onDisk.subtracting(listed).sorted()
        if !missing.isEmpty { throw EvidenceError.payloadMismatch("listed but missing: \(missing.joined(separator: ", "))") }
        if !unlisted.isEmpty { throw EvidenceError.payloadMismatch("present but not hashed: \(unlisted.joined(separator: ", "))") }
    }

    private func writeTag(_ name: String, _ contents: String) throws {
        let url = root.appendingPathComponent(name)
        do { try Data(contents.utf8).write(to: url, options: .atomic) }
        catch { throw EvidenceError.unwritable(path: url.path, reason: "\(error)") }
    }

    /// Regular files below `folder`, as relative paths with `/`.
    public static func files(under folder: URL) throws -> [String] {
        let base = folder.standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(atPath: base) else {
            throw EvidenceError.unreadable(path: base, reason: "cannot list folder")
        }
        var result: [String] = []
        while let relative = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: base + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
                result.append(relative)
            }
        }
        return result
    }

    /// RFC 8493 §2.1.3: CR, LF and % in manifest paths are percent-encoded.
    static func encodePath(_ path: String) -> String {
        path.replacingOccurrences(of: "%", with: "%25")
            .replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }

    package static func decodePath(_ path: String) -> String {
        path.replacingOccurrences(of: "%0A", with: "\n", options: .caseInsensitive)
            .replacingOccurrences(of: "%0D", with: "\r", options: .caseInsensitive)
            .replacingOccurrences(of: "%25", with: "%")
    }

    private static func oneLine(_ value: String) -> String {
        value.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }
}
