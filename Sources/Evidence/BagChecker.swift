import Foundation

/// One problem found when checking a bag against its manifests.
public struct BagProblem: Sendable, Equatable, CustomStringConvertible {
    /// The file concerned, relative to the bag root.
    public let file: String
    /// What is wrong with it.
    public let reason: String
    public var description: String { "\(file): \(reason)" }
}

/// Checks a bag's completeness and fixity: every payload file listed, every manifest line matching.
public struct BagChecker {
    /// The bag's root folder.
    public let root: URL

    public init(root: URL) { self.root = root }

    /// Every problem found; an empty list means the bag is complete and every digest matches.
    public func problems() throws -> [BagProblem] {
        var problems: [BagProblem] = []
        for required in ["bagit.txt", "manifest-sha256.txt"] where !FileManager.default.fileExists(atPath: root.appendingPathComponent(required).path) {
            problems.append(BagProblem(file: required, reason: "missing"))
        }
        if !problems.isEmpty { return problems }

        var cache: [String: FileDigest] = [:]
        func digest(_ relative: String) -> FileDigest? {
            if let known = cache[relative] { return known }
            let computed = try? FileDigest(fileAt: root.appendingPathComponent(relative).path)
            cache[relative] = computed
            return computed
        }
        let payloadOnDisk = Set(try BagWriter.files(under: root.appendingPathComponent("data")).map { "data/" + $0 })
        var listedPayload = Set<String>()
        for manifest in ["manifest-sha256.txt", "manifest-sha512.txt", "tagmanifest-sha256.txt", "tagmanifest-sha512.txt"] {
            let url = root.appendingPathComponent(manifest)
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
            let sha512 = manifest.contains("sha512")
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
                let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
                guard parts.count == 2 else {
                    problems.append(BagProblem(file: manifest, reason: "line \(number + 1) is not '<digest>  <path>'"))
                    continue
                }
                let expected = String(parts[0]).lowercased()
                let path = BagWriter.decodePath(String(parts[1]).trimmingCharacters(in: .whitespaces))
                if manifest.hasPrefix("manifest-") { listedPayload.insert(path) }
                guard let actual = digest(path) else {
                    problems.append(BagProblem(file: path, reason: "listed in \(manifest) but missing"))
                    continue
                }
                if (sha512 ? actual.sha512 : actual.sha256) != expected {
                    problems.append(BagProblem(file: path, reason: "\(sha512 ? "SHA-512" : "SHA-256") does not match \(manifest)"))
                }
            }
        }
        for extra in payloadOnDisk.subtracting(listedPayload).sorted() {
            problems.append(BagProblem(file: extra, reason: "present in data/ but not in the manifest"))
        }
        return problems
    }
}
