import Archival
import Foundation

/// `exhibit verify`'s check of the MDTO sidecars and the PREMIS log: the tag manifests say whether
/// a sidecar changed, but anyone can rewrite those; this checks that what each sidecar claims
/// (size and SHA-256) is true of the payload file it names, that every payload file has its
/// sidecar, and that the PREMIS log's fixity matches too. A sidecar naming a file outside
/// `data/`, or a payload file left without a sidecar, is a failure.
struct SidecarVerification {
    let root: URL
    /// The bag's regular files, relative to the root.
    let files: [String]
    private let listed: [String: String]

    init(root: URL, files: [String]) {
        self.root = root
        self.files = files
        listed = Self.manifest(in: root)
    }

    /// The payload's SHA-256 as `manifest-sha256.txt` lists it: the fixity checks already hold
    /// each file to its line, so the claims are compared with the manifest rather than by reading
    /// every file again.
    private static func manifest(in root: URL) -> [String: String] {
        guard let data = try? BagFiles.read(try BagFiles.resolve("manifest-sha256.txt", in: root).get()) else { return [:] }
        var entries: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { continue }
            entries[BagWriter.decodePath(parts[1].trimmingCharacters(in: .whitespaces))] = parts[0].lowercased()
        }
        return entries
    }

    /// A payload file's size (from the file) and SHA-256 (from the manifest).
    private func fixity(_ path: String) throws -> (size: UInt64, sha256: String) {
        let (descriptor, size) = try BagFiles.openRegular(try BagFiles.resolve(path, in: root).get())
        close(descriptor)
        guard let sha256 = listed[path] else { throw EvidenceError.unreadable(path: path, reason: "not in manifest-sha256.txt") }
        return (size, sha256)
    }

    func checks() -> [BagCheck] {
        let sidecars = files.filter { $0.hasPrefix("mdto/") }
        let hasPremis = files.contains(PREMIS.file)
        guard !sidecars.isEmpty || hasPremis else { return [] }
        var checks: [BagCheck] = []
        let payload = Set(files.filter { $0.hasPrefix("data/") }.map { String($0.dropFirst(5)) })
        var described = Set<String>()
        var captureId: String?
        if let data = (try? BagFiles.resolve("data/capture.json", in: root).get()).flatMap({ try? BagFiles.read($0) }),
           let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            captureId = object["captureId"] as? String
        }
        for sidecar in sidecars.sorted() where sidecar.hasSuffix(".bestand.mdto.xml") {
            let expectedName = String(sidecar.dropFirst("mdto/".count).dropLast(".bestand.mdto.xml".count))
            do {
                let url = try BagFiles.resolve(sidecar, in: root).get()
                let claim = try MDTO.readBestand(try BagFiles.read(url))
                guard claim.name == expectedName, payload.contains(claim.name) else {
                    checks.append(BagCheck(subject: sidecar, ok: false, detail: "names '\(claim.name)', which is not the payload file data/\(expectedName) its name says"))
                    continue
                }
                guard !claim.sha256.isEmpty else {
                    checks.append(BagCheck(subject: sidecar, ok: false, detail: "has no SHA-256 checksum"))
                    continue
                }
                let digest = try fixity("data/" + claim.name)
                let sizeOK = claim.size == digest.size
                let sumsOK = claim.sha256.allSatisfy { $0 == digest.sha256 }
                let idOK = captureId == nil || claim.representsId == captureId
                if sizeOK && sumsOK && idOK {
                    described.insert(claim.name)
                    checks.append(BagCheck(subject: sidecar, ok: true, detail: "MDTO checksum and omvang match data/\(claim.name) (sha256 \(digest.sha256.prefix(16))…, \(digest.size) bytes)"))
                } else {
                    checks.append(BagCheck(subject: sidecar, ok: false, detail: !idOK ? "isRepresentatieVan names \(claim.representsId ?? "nothing"), not this capture \(captureId ?? "")"
                        : "MDTO claims \(claim.sha256.first.map { String($0.prefix(16)) } ?? "")… and \(claim.size.map(String.init) ?? "no") bytes; data/\(claim.name) is \(digest.sha256.prefix(16))…, \(digest.size) bytes"))
                }
            } catch {
                checks.append(BagCheck(subject: sidecar, ok: false, detail: "unreadable MDTO sidecar: \(error)"))
            }
        }
        if !sidecars.isEmpty {
            for name in payload.subtracting(described).sorted() where !checks.contains(where: { $0.subject == MDTO.bestandPath(name) }) {
                checks.append(BagCheck(subject: MDTO.bestandPath(name), ok: false, detail: "data/\(name) has no MDTO bestand sidecar, though the capture has MDTO sidecars"))
            }
            if !sidecars.contains(MDTO.postPath) {
                checks.append(BagCheck(subject: MDTO.postPath, ok: false, detail: "the capture's MDTO informatieobject is missing"))
            }
        }
        if hasPremis { checks += premisChecks(payload: payload) }
        return checks
    }

    /// Each PREMIS object's SHA-256 must be its file's.
    private func premisChecks(payload: Set<String>) -> [BagCheck] {
        guard let url = try? BagFiles.resolve(PREMIS.file, in: root).get(), let data = try? BagFiles.read(url),
              let log = try? XMLTagReader.read(data), log.name == "premis", log.isIn(PREMIS.namespace) else {
            return [BagCheck(subject: PREMIS.file, ok: false, detail: "not a readable PREMIS 3 log")]
        }
        var mismatches: [String] = []
        var count = 0
        var named = Set<String>()
        for object in log.children("object") {
            guard let original = object.child("originalName")?.text, original.hasPrefix("data/"),
                  let digest = object.child("objectCharacteristics")?.child("fixity")?.child("messageDigest")?.text else {
                mismatches.append("an object without originalName data/… or fixity")
                continue
            }
            count += 1
            let name = String(original.dropFirst(5))
            if !named.insert(name).inserted { mismatches.append("\(original) has two objects") }
            guard payload.contains(name),
                  (try? BagFiles.resolve(original, in: root).get()) != nil, let actual = try? fixity(original) else {
                mismatches.append("\(original) is not a payload file")
                continue
            }
            if actual.sha256 != digest.lowercased() { mismatches.append("\(original) is \(actual.sha256.prefix(16))…, PREMIS says \(digest.prefix(16))…") }
        }
        if named != payload { mismatches.append("its objects name \(named.count) files, the payload has \(payload.count)"
                                                 + (payload.subtracting(named).isEmpty ? "" : "; no object for " + payload.subtracting(named).sorted().map { "data/\($0)" }.joined(separator: ", "))) }
        return [mismatches.isEmpty ? BagCheck(subject: PREMIS.file, ok: true, detail: "PREMIS fixity of all \(count) objects matches the payload")
                                   : BagCheck(subject: PREMIS.file, ok: false, detail: mismatches.joined(separator: "; "))]
    }
}
