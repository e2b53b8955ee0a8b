import Foundation

/// One check of a verification, passed or failed, as one line of the report.
public struct BagCheck: Sendable, Codable, Equatable, CustomStringConvertible {
    /// What was checked: a file relative to the bag root, or an aspect ("payload", "timestamp").
    public let subject: String
    public let ok: Bool
    /// What was found.
    public let detail: String
    public var description: String { "\(subject): \(detail)" }
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

    /// Every check, in order: declaration, completeness, each payload file, each tag file, Payload-Oxum.
    public func checks() throws -> [BagCheck] {
        guard looksLikeBag else {
            return [BagCheck(subject: "bag", ok: false, detail: "missing bagit.txt, manifest-sha256.txt or data/")]
        }
        var checks: [BagCheck] = []
        let declaration = (try? String(contentsOf: root.appendingPathComponent("bagit.txt"), encoding: .utf8)) ?? ""
        checks.append(BagCheck(subject: "bagit.txt", ok: declaration.hasPrefix("BagIt-Version: 1.0"),
                               detail: declaration.hasPrefix("BagIt-Version: 1.0") ? "BagIt 1.0" : "not a BagIt 1.0 declaration"))

        let payloadManifests = try manifests(prefix: "manifest-")
        let tagManifests = try manifests(prefix: "tagmanifest-")
        let onDisk = Set(try BagWriter.files(under: root.appendingPathComponent("data")).map { "data/" + $0 })
        let listed = Set(payloadManifests.flatMap { $0.entries.map(\.path) })
        let missing = listed.subtracting(onDisk).sorted(), extra = onDisk.subtracting(listed).sorted()
        for file in missing { checks.append(BagCheck(subject: file, ok: false, detail: "listed in the manifest but missing")) }
        for file in extra { checks.append(BagCheck(subject: file, ok: false, detail: "present in data/ but not in the manifest")) }
        if missing.isEmpty && extra.isEmpty {
            checks.append(BagCheck(subject: "payload", ok: true, detail: "complete: \(onDisk.count) files, none missing, none extra"))
        }
        checks += try fixity(of: payloadManifests, skipping: Set(missing))

        // Tag files: each listed one must match, and every tag file must be listed.
        let tagOnDisk = Set(try BagWriter.files(under: root).filter { !$0.hasPrefix("data/") && !$0.hasPrefix("tagmanifest-") })
        let tagListed = Set(tagManifests.flatMap { $0.entries.map(\.path) })
        if tagManifests.isEmpty {
            checks.append(BagCheck(subject: "tagmanifest-sha256.txt", ok: false, detail: "missing: tag files are not protected"))
        }
        for file in tagOnDisk.subtracting(tagListed).sorted() where !tagManifests.isEmpty {
            checks.append(BagCheck(subject: file, ok: false, detail: "tag file not covered by the tag manifest"))
        }
        checks += try fixity(of: tagManifests, skipping: [])
        checks.append(try oxum(payload: onDisk))
        return checks
    }

    struct Manifest {
        let name: String
        let sha512: Bool
        var entries: [(digest: String, path: String)]
    }

    private func manifests(prefix: String) throws -> [Manifest] {
        var result: [Manifest] = []
        for algorithm in ["sha256", "sha512"] {
            let name = "\(prefix)\(algorithm).txt"
            guard let text = try? String(contentsOf: root.appendingPathComponent(name), encoding: .utf8) else { continue }
            var manifest = Manifest(name: name, sha512: algorithm == "sha512", entries: [])
            for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
                let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
                guard parts.count == 2 else { continue }
                manifest.entries.append((String(parts[0]).lowercased(),
                                         BagWriter.decodePath(String(parts[1]).trimmingCharacters(in: .whitespaces))))
            }
            result.append(manifest)
        }
        return result
    }

    /// One line per file: both digests checked, hashing each file once.
    private func fixity(of manifests: [Manifest], skipping: Set<String>) throws -> [BagCheck] {
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
            guard let actual = try? FileDigest(fileAt: root.appendingPathComponent(path).path) else {
                checks.append(BagCheck(subject: path, ok: false, detail: "listed in \(expected[path]?.first?.manifest ?? "a manifest") but missing"))
                continue
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
            let attributes = try? FileManager.default.attributesOfItem(atPath: root.appendingPathComponent(file).path)
            octets += (attributes?[.size] as? NSNumber)?.uint64Value ?? 0
        }
        let actual = "\(octets).\(payload.count)"
        return BagCheck(subject: "bag-info.txt", ok: declared == actual,
                        detail: declared == actual ? "Payload-Oxum \(actual) matches" : "Payload-Oxum says \(declared), payload is \(actual)")
    }
}
