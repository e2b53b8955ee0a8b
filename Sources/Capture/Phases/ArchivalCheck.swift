import Archival
import Evidence
import Foundation

/// What a capture's archival tag files and bag-info fields say, checked against its record.
///
/// The signature and the timestamps cover `manifest-sha256.txt`, so the payload (`capture.json`,
/// `post.json`) is what they vouch for; `bag-info.txt`, the MDTO sidecars and `premis.xml` are
/// tag files, which anyone can rewrite together with the tag manifests. So `verify` rebuilds what
/// it can of them from the payload and compares: the custody fields of bag-info, every MDTO
/// sidecar (byte for byte when this Exhibit version made the capture; else the values, leaving
/// out the wording of names and descriptions), the tag files the record lists, and the PREMIS
/// capture event's time and operator.
package enum ArchivalCheck {
    /// Fields of bag-info.txt rebuilt from the record and compared; Timestamp lines, Bagging-Date
    /// and Payload-Oxum are checked elsewhere.
    static let custodyFields = ["Source-Organization", "Contact-Name", "Contact-Email", "External-Identifier",
                                "Internal-Sender-Identifier", "Internal-Sender-Description"]

    package static func checks(bag root: URL) -> [BagCheck] {
        guard let data = try? BagFiles.read(try BagFiles.resolve("data/capture.json", in: root).get()),
              let record = try? JSONDecoder().decode(CaptureRecord.self, from: data) else { return [] }
        var checks = [bagInfo(root, record)]
        if let settings = record.archival?.settings, settings.mdto { checks += sidecars(root, record, settings) }
        return checks.compactMap { $0 }
    }

    /// bag-info.txt's custody fields are the record's.
    static func bagInfo(_ root: URL, _ record: CaptureRecord) -> BagCheck? {
        guard let data = try? BagFiles.read(try BagFiles.resolve("bag-info.txt", in: root).get()) else { return nil }
        var found: [String: [String]] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":"), !line.hasPrefix(" "), !line.hasPrefix("\t") else { continue }
            let key = String(line[..<colon])
            guard custodyFields.contains(key) || (key == "External-Description" && record.custody != nil) else { continue }
            found[key, default: []].append(String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
        }
        var expected: [String: [String]] = [:]
        for (key, value) in Seal.bagInfo(record) where custodyFields.contains(key) || (key == "External-Description" && record.custody != nil) {
            expected[key, default: []].append(value.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
                .trimmingCharacters(in: .whitespaces))
        }
        let differing = Set(found.keys).union(expected.keys).sorted().filter { found[$0] ?? [] != expected[$0] ?? [] }
        guard let first = differing.first else {
            return record.custody == nil && record.archival == nil ? nil
                : BagCheck(subject: "bag-info.txt", ok: true, detail: "its custody fields (\(expected.keys.sorted().joined(separator: ", "))) are capture.json's")
        }
        return BagCheck(subject: "bag-info.txt", ok: false, detail: "\(first) says \((found[first] ?? []).map { "'\($0)'" }.joined(separator: ", ").nonEmpty ?? "nothing"), "
                        + "capture.json gives \((expected[first] ?? []).map { "'\($0)'" }.joined(separator: ", ").nonEmpty ?? "nothing")")
    }

    static func sidecars(_ root: URL, _ record: CaptureRecord, _ settings: ArchivalSettings) -> [BagCheck] {
        var checks: [BagCheck] = []
        let listed = record.archival?.tagFiles ?? []
        let onDisk = Set(((try? BagWriter.files(under: root.appendingPathComponent("mdto"))) ?? []).map { "mdto/" + $0 })
        for path in listed where (try? BagFiles.resolve(path, in: root).get()) == nil {
            checks.append(BagCheck(subject: path, ok: false, detail: "capture.json lists it among the archival tag files, and it is missing or not a file"))
        }
        for path in onDisk.subtracting(listed).sorted() {
            checks.append(BagCheck(subject: path, ok: false, detail: "not one of the archival tag files capture.json lists"))
        }
        let reported = Set(checks.map(\.subject))
        // The sidecars as this capture's payload gives them.
        let payload: [PayloadFile]
        do {
            payload = try (record.files.map { ($0.name, $0.mediaType) } + [("capture.json", "application/json")]).map {
                try PayloadFile.hash($0.0, in: root, mediaType: $0.1)
            }
        } catch {
            return [BagCheck(subject: "mdto/", ok: false, detail: "the payload files cannot be read to rebuild the sidecars: \(error)")]
        }
        let files = ArchivalFiles(root: root, record: record, payload: payload, settings: settings, stamps: StampOutcome(stamped: [], failures: []),
                                  signerFingerprint: nil)
        let sameVersion = record.archival?.mdtoRevision == MDTO.revision
        var matched = 0
        for (path, text) in files.documents() where !reported.contains(path) {
            guard let url = try? BagFiles.resolve(path, in: root).get(), let actual = try? BagFiles.read(url) else {
                checks.append(BagCheck(subject: path, ok: false, detail: "missing or not a file"))
                continue
            }
            if sameVersion {
                if actual == Data(text.utf8) { matched += 1; continue }
                let ours = text.split(separator: "\n", omittingEmptySubsequences: false)
                let theirs = String(decoding: actual, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                let line = zip(ours, theirs).enumerated().first { $0.element.0 != $0.element.1 }.map { $0.offset + 1 } ?? min(ours.count, theirs.count) + 1
                checks.append(BagCheck(subject: path, ok: false, detail: "differs from what capture.json and post.json give, from line \(line): "
                                       + "'\(theirs.indices.contains(line - 1) ? String(theirs[line - 1].prefix(120)).trimmingCharacters(in: .whitespaces) : "(end)")'"))
            } else {
                // Another version may word names and descriptions differently; the values must agree.
                guard let ours = try? XMLTagReader.read(Data(text.utf8)), let theirs = try? XMLTagReader.read(actual), theirs.isIn(MDTO.namespace) else {
                    checks.append(BagCheck(subject: path, ok: false, detail: "not a readable MDTO document"))
                    continue
                }
                if values(ours) == values(theirs) { matched += 1 } else {
                    let first = zip(values(ours), values(theirs)).first { $0 != $1 }
                    checks.append(BagCheck(subject: path, ok: false, detail: "its values differ from what capture.json and post.json give"
                                           + (first.map { ": \($0.1) where \($0.0) was expected" } ?? "")))
                }
            }
        }
        if checks.isEmpty {
            checks.append(BagCheck(subject: "mdto/", ok: true, detail: "all \(matched) MDTO sidecars are what capture.json and post.json give"
                                   + (sameVersion ? " (byte for byte)" : " (value for value: made by another revision of the sidecars, Exhibit \(record.exhibit.version))")))
        }
        if let premis = premisCapture(root, record, files.operatorName) { checks.append(premis) }
        return checks
    }

    /// Every value that comes from the record, the post or the files, with its path; Exhibit's own
    /// wording (names of objects, descriptions, list names, event results) is left out, as another
    /// revision may word it differently.
    static func values(_ tag: XMLTag, path: [String] = []) -> [String] {
        let here = path + [tag.name]
        if tag.children.isEmpty {
            let parent = path.last ?? ""
            let kept: Bool = switch tag.name {
            case "identificatieKenmerk", "begripCode", "termijnLooptijd", "eventTijd", "raadpleeglocatieOnline", "dekkingInTijdBegindatum",
                 "dekkingInTijdEinddatum", "taal", "trefwoord", "beperkingGebruikNadereBeschrijving", "omvang", "checksumWaarde", "checksumDatum":
                true
            case "verwijzingNaam":
                ["eventVerantwoordelijkeActor", "archiefvormer", "betrokkeneActor", "heeftRepresentatie", "aanvullendeMetagegevens"].contains(parent)
            case "begripLabel":
                ["classificatie", "beperkingGebruikType", "bestandsformaat"].contains(parent)
            case "naam":
                parent == "bestand"
            default:
                false
            }
            return kept ? [here.joined(separator: "/") + "=" + (tag.text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)] : []
        }
        return tag.children.flatMap { values($0, path: here) }
    }

    /// The PREMIS log's capture event: one, at the capture's start, with the operator as implementer.
    static func premisCapture(_ root: URL, _ record: CaptureRecord, _ operatorName: String) -> BagCheck? {
        guard let data = try? BagFiles.read(try BagFiles.resolve(PREMIS.file, in: root).get()), let log = try? XMLTagReader.read(data) else {
            return BagCheck(subject: PREMIS.file, ok: false, detail: "capture.json says the capture wrote it, and it cannot be read")
        }
        let captures = log.children("event").filter { $0.child("eventType")?.text == "capture" }
        guard captures.count == 1, let event = captures.first else {
            return BagCheck(subject: PREMIS.file, ok: false, detail: "\(captures.count) capture events, not 1")
        }
        let implementers = event.children("linkingAgentIdentifier").filter { $0.child("linkingAgentRole")?.text == "implementer" }
            .compactMap { $0.child("linkingAgentIdentifierValue")?.text }
        guard event.child("eventDateTime")?.text == record.startedAt, implementers == [PREMIS.Agent.person(operatorName).identifier] else {
            return BagCheck(subject: PREMIS.file, ok: false, detail: "its capture event says \(event.child("eventDateTime")?.text ?? "no time") by \(implementers.joined(separator: ", ")), "
                            + "capture.json says \(record.startedAt) by \(operatorName)")
        }
        return BagCheck(subject: PREMIS.file, ok: true, detail: "its capture event is capture.json's: \(record.startedAt), by \(operatorName)")
    }
}

private extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
