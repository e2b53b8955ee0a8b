import Foundation

/// One check of a verification, passed or failed, as one line of the report.
public struct BagCheck: Sendable, Codable, Equatable, CustomStringConvertible {
    /// What was checked: a file relative to the bag root, or an aspect ("payload", "timestamp").
    public let subject: String
    public let ok: Bool
    /// What was found.
    public let detail: String
    public var description: String { "\(subject): \(detail)" }

    public init(subject: String, ok: Bool, detail: String) {
        self.subject = subject
        self.ok = ok
        self.detail = detail
    }
}

/// Checks a bag's completeness and fixity: every payload file listed, every manifest line
/// matching, every tag file covered, Payload-Oxum right.
public struct BagChecker {
    /// The bag's root folder.
    public let root: URL

    public init(root: URL) { self.root = root }

    /// True when the folder has what makes it a bag at all (bagit.txt, manifest-sha256.txt, data/).
    public var looksLikeBag: Bool {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        return fileManager.fileExists(atPath: root.appendingPathComponent("bagit.txt").path)
            && fileManager.fileExists(atPath: root.appendingPathComponent("manifest-sha256.txt").path)
            && fileManager.fileExists(atPath: root.appendingPathComponent("data").path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Every problem found; an empty list means the bag is complete and every digest matches.
    public func problems() throws -> [BagCheck] { try checks().filter { !$0.ok } }

    /// The two tag manifests: the only files outside `data/` that no manifest covers, and both required.
    public static let tagManifestNames = ["tagmanifest-sha256.txt", "tagmanifest-sha512.txt"]
    /// The payload manifests Exhibit checks: `manifest-sha256.txt` (what timestamps and signatures
    /// cover; required) and `manifest-sha512.txt` (when present, it must list exactly the same files).
    public static let payloadManifestNames = ["manifest-sha256.txt", "manifest-sha512.txt"]

    /// Every check, in order: declaration, files that are not regular, the manifests' rules,
    /// completeness, each payload file, each tag file, Payload-Oxum. The bag is read as hostile
    /// input (see ``BagFiles``): no path leaves it, no link is followed, no read is unbounded.
    public func checks() throws -> [BagCheck] { try checks(inventory: BagFiles.inventory(root)) }

    /// The same, over an inventory of the bag the caller already made (one walk of the folder).
    func checks(inventory: (files: [String], irregular: [(path: String, kind: String)])) throws -> [BagCheck] {
        guard looksLikeBag else {
            return [BagCheck(subject: "bag", ok: false, detail: "missing bagit.txt, manifest-sha256.txt or data/")]
        }
        var checks: [BagCheck] = []
        let declaration = (try? BagFiles.read(root.appendingPathComponent("bagit.txt"), limit: BagFiles.maxLineBytes))
            .map { String(decoding: $0, as: UTF8.self) } ?? ""
        checks.append(BagCheck(subject: "bagit.txt", ok: declaration.hasPrefix("BagIt-Version: 1.0"),
                               detail: declaration.hasPrefix("BagIt-Version: 1.0") ? "BagIt 1.0" : "not a BagIt 1.0 declaration"))

        let (files, irregular) = inventory
        for item in irregular {
            checks.append(BagCheck(subject: item.path, ok: false, detail: "not a regular file (\(item.kind)): a bag holds regular files only"))
        }

        // Payload: manifest-sha256.txt is what the timestamps and the signature cover, so it alone
        // defines the payload; the SHA-512 manifest must list exactly the same files.
        let (sha256, sha256Problems) = manifest("manifest-sha256.txt", sha512: false)
        checks += sha256Problems
        var payloadManifests = [sha256].compactMap { $0 }
        if FileManager.default.fileExists(atPath: root.appendingPathComponent("manifest-sha512.txt").path) {
            let (sha512, problems) = manifest("manifest-sha512.txt", sha512: true)
            checks += problems
            if let sha512, let sha256 {
                payloadManifests.append(sha512)
                let a = Set(sha256.entries.map(\.path)), b = Set(sha512.entries.map(\.path))
                for path in b.subtracting(a).sorted() {
                    checks.append(BagCheck(subject: path, ok: false,
                        detail: "listed in manifest-sha512.txt but not in manifest-sha256.txt, which the timestamps and signature cover"))
                }
                for path in a.subtracting(b).sorted() {
                    checks.append(BagCheck(subject: path, ok: false, detail: "listed in manifest-sha256.txt but not in manifest-sha512.txt"))
                }
            }
        }
        for manifest in payloadManifests {
            for entry in manifest.entries where !entry.path.hasPrefix("data/") {
                checks.append(BagCheck(subject: entry.path, ok: false, detail: "\(manifest.name) lists a file outside data/"))
            }
        }
        let onDisk = Set(files.filter { $0.hasPrefix("data/") })
        let listed = Set((sha256?.entries ?? []).map(\.path))
        let missing = listed.subtracting(onDisk).sorted(), extra = onDisk.subtracting(listed).sorted()
        for file in missing { checks.append(BagCheck(subject: file, ok: false, detail: "listed in the manifest but missing")) }
        for file in extra {
            checks.append(BagCheck(subject: file, ok: false,
                                   detail: "present in data/ but not in the manifest"))
        }
        if missing.isEmpty && extra.isEmpty && sha256 != nil {
            checks.append(BagCheck(subject: "payload", ok: true, detail: "complete: \(onDisk.count) files, none missing, none extra"))
        }
        checks += fixity(of: payloadManifests, skipping: Set(missing))

        // Tag files: every file outside data/ but the two tag manifests must be listed in both, by name.
        var tagManifests: [Manifest] = []
        for name in Self.tagManifestNames {
            guard FileManager.default.fileExists(atPath: root.appendingPathComponent(name).path) else {
                checks.append(BagCheck(subject: name, ok: false, detail: "missing: the tag files are not protected"))
                continue
            }
            let (manifest, problems) = self.manifest(name, sha512: name.contains("512"))
            checks += problems
            if let manifest { tagManifests.append(manifest) }
        }
        let tagOnDisk = Set(files.filter { !$0.hasPrefix("data/") && !Self.tagManifestNames.contains($0) })
        for manifest in tagManifests {
            let names = Set(manifest.entries.map(\.path))
            for file in tagOnDisk.subtracting(names).sorted() {
                checks.append(BagCheck(subject: file, ok: false, detail: "tag file not covered by \(manifest.name)"))
            }
            for entry in manifest.entries where entry.path.hasPrefix("data/") || Self.tagManifestNames.contains(entry.path) {
                checks.append(BagCheck(subject: entry.path, ok: false, detail: "\(manifest.name) lists a file that is not a tag file"))
            }
        }
        checks += fixity(of: tagManifests, skipping: [])
        checks.append(try oxum(payload: onDisk))
        return checks
    }

    /// `manifest-sha256.txt` as path → SHA-256, parsed as `verify` parses it; nil when it cannot be
    /// read or has a line that is not `<digest>  <path>`.
    public func sha256Entries() -> [String: String]? {
        let (manifest, problems) = manifest("manifest-sha256.txt", sha512: false)
        guard let manifest, problems.isEmpty else { return nil }
        return Dictionary(manifest.entries.map { ($0.path, $0.digest) }, uniquingKeysWith: { first, _ in first })
    }

    struct Manifest {
        let name: String
        let sha512: Bool
        var entries: [(digest: String, path: String)]
    }

    /// One manifest, read bounded and parsed strictly: a line that is not `<hex digest>  <path>`,
    /// a digest of the wrong length, a path given twice or a line over the limit is a failed check
    /// naming the line, never skipped.
    private func manifest(_ name: String, sha512: Bool) -> (Manifest?, [BagCheck]) {
        let data: Data
        switch BagFiles.resolve(name, in: root) {
        case .failure(let problem): return (nil, [BagCheck(subject: name, ok: false, detail: "\(problem)")])
        case .success(let url):
            do { data = try BagFiles.read(url) } catch { return (nil, [BagCheck(subject: name, ok: false, detail: "\(error)")]) }
        }
        var manifest = Manifest(name: name, sha512: sha512, entries: [])
        var problems: [BagCheck] = [], seen = Set<String>()
        let length = sha512 ? 128 : 64
        for (index, rawLine) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            if rawLine.isEmpty { continue }
            let where_ = "\(name) line \(index + 1)"
            guard rawLine.count <= BagFiles.maxLineBytes else {
                problems.append(BagCheck(subject: name, ok: false, detail: "\(where_) is \(rawLine.count) bytes, over the limit of \(BagFiles.maxLineBytes)"))
                continue
            }
            let line = String(decoding: rawLine, as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard parts.count == 2, parts[0].count == length, parts[0].allSatisfy(\.isHexDigit) else {
                problems.append(BagCheck(subject: name, ok: false, detail: "\(where_) is not '<\(sha512 ? "SHA-512" : "SHA-256")>  <path>'"))
                continue
            }
            let path = BagWriter.decodePath(String(parts[1]).trimmingCharacters(in: .whitespaces))
            guard seen.insert(path).inserted else {
                problems.append(BagCheck(subject: path, ok: false, detail: "listed twice in \(name)"))
                continue
            }
            manifest.entries.append((String(parts[0]).lowercased(), path))
        }
        return (manifest, problems)
    }

    /// One line per file: every digest listed for it checked, hashing each file once, and only a
    /// regular file inside the bag.
    private func fixity(of manifests: [Manifest], skipping: Set<String>) -> [BagCheck] {
        var expected: [String: [(manifest: String, sha512: Bool, digest: String)]] = [:]
        var order: [String] = []
        for manifest in manifests {
            for entry in manifest.entries {
                if expected[entry.path] == nil { order.append(entry.path) }
                expected[entry.path, default: []].append((manifest.name, manifest.sha512, entry.digest))
            }
        }
        var checks: [BagCheck] = []
        for path in order where !skipping.contains(path) {
            let listedIn = (expected[path] ?? []).map(\.manifest).joined(separator: " and ")
            let actual: FileDigest
            switch BagFiles.resolve(path, in: root) {
            case .failure(let problem):
                checks.append(BagCheck(subject: path, ok: false, detail: "listed in \(listedIn) but \(problem)"))
                continue
            case .success(let url):
                do { actual = try FileDigest(regularFileAt: url) } catch {
                    checks.append(BagCheck(subject: path, ok: false, detail: "listed in \(listedIn) but \(error)"))
                    continue
                }
            }
            let wrong = (expected[path] ?? []).filter { ($0.sha512 ? actual.sha512 : actual.sha256) != $0.digest }
            if wrong.isEmpty {
                let algorithms = (expected[path] ?? []).map { $0.sha512 ? "SHA-512" : "SHA-256" }.joined(separator: " and ")
                checks.append(BagCheck(subject: path, ok: true, detail: "\(algorithms) match"))
            } else {
                for miss in wrong {
                    checks.append(BagCheck(subject: path, ok: false,
                                           detail: "\(miss.sha512 ? "SHA-512" : "SHA-256") does not match \(miss.manifest)"))
                }
            }
        }
        return checks
    }

    private func oxum(payload: Set<String>) throws -> BagCheck {
        guard let declared = try BagInfo(root: root).value("Payload-Oxum") else {
            return BagCheck(subject: "bag-info.txt", ok: false, detail: "no Payload-Oxum")
        }
        var octets: UInt64 = 0
        for file in payload {
            var info = stat()
            if lstat(root.appendingPathComponent(file).path, &info) == 0 { octets += UInt64(info.st_size) }
        }
        let actual = "\(octets).\(payload.count)"
        return BagCheck(subject: "bag-info.txt", ok: declared == actual,
                        detail: declared == actual ? "Payload-Oxum \(actual) matches" : "Payload-Oxum says \(declared), payload is \(actual)")
    }
}
