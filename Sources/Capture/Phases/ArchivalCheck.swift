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
        let mdtoFiles = ((try? BagWriter.files(under: root.appendingPathComponent("mdto"))) ?? []).map { "mdto/" + $0 }
        guard let data = try? BagFiles.read(try BagFiles.resolve("data/capture.json", in: root).get()),
              let record = try? JSONDecoder().decode(CaptureRecord.self, from: data) else {
            return mdtoFiles.isEmpty ? [] : [BagCheck(subject: "mdto/", ok: false, detail: "MDTO sidecars in a capture whose capture.json cannot be read as a record")]
        }
        var checks = [bagInfo(root, record)]
        if (try? BagFiles.resolve("report.html", in: root).get()) != nil {
            checks.append(BagCheck(subject: "report.html", ok: true, detail: "not evidence: the report, report.pdf and report-files/ are renderings for people, "
                                   + "covered only by the tag manifests (exhibit timestamp makes them again); what they show is checked in data/"))
        }
        if let settings = record.archival?.settings, settings.mdto {
            checks += sidecars(root, record, settings)
        } else {
            // Sidecars the capture never wrote are someone else's claims about it.
            checks += mdtoFiles.sorted().map { BagCheck(subject: $0, ok: false, detail: "capture.json says this capture wrote no MDTO sidecars") }
            if let premis = validationsOnly(root) { checks.append(premis) }
        }
        return checks.compactMap { $0 }
    }

    /// A premis.xml in a capture made without one may hold only what `verify --record` adds:
    /// validation events (themselves claims, listed as such).
    static func validationsOnly(_ root: URL) -> BagCheck? {
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent(PREMIS.file).path) || (try? BagFiles.resolve(PREMIS.file, in: root).get()) != nil else { return nil }
        guard let data = try? BagFiles.read(try BagFiles.resolve(PREMIS.file, in: root).get()), let log = try? XMLTagReader.read(data) else {
            return BagCheck(subject: PREMIS.file, ok: false, detail: "cannot be read as XML")
        }
        let others = log.children("event").compactMap { $0.child("eventType")?.text }.filter { $0 != "validation" }
        return others.isEmpty ? BagCheck(subject: PREMIS.file, ok: true, detail: "added by verify --record: \(log.children("event").count) validation event(s), which are claims of who checked, not evidence")
            : BagCheck(subject: PREMIS.file, ok: false, detail: "capture.json says this capture wrote no PREMIS log, yet it holds \(others.joined(separator: ", ")) events")
    }

    /// bag-info.txt is what the record gives: read as BagIt reads it (continuation lines folded,
    /// labels trimmed and compared without case), every label must be one Exhibit writes, and
    /// each of the record's fields must hold exactly the record's values. Timestamp lines are
    /// checked against the tokens, and Payload-Oxum against the payload, elsewhere.
    static func bagInfo(_ root: URL, _ record: CaptureRecord) -> BagCheck? {
        guard let data = try? BagFiles.read(try BagFiles.resolve("bag-info.txt", in: root).get()) else { return nil }
        var fields: [(String, String)] = []
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true) {
            let text = String(line).replacingOccurrences(of: "\r", with: "")
            if let first = text.first, first == " " || first == "\t", !fields.isEmpty {
                fields[fields.count - 1].1 += " " + text.trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let colon = text.firstIndex(of: ":") else {
                return BagCheck(subject: "bag-info.txt", ok: false, detail: "a line without a label: '\(text.prefix(80))'")
            }
            fields.append((text[..<colon].trimmingCharacters(in: .whitespaces), text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        func key(_ label: String) -> String { label.lowercased() }
        var expected: [String: [String]] = [:]
        var labels: [String: String] = [:]
        for (label, value) in Seal.bagInfo(record) {
            expected[key(label), default: []].append(value.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
                .trimmingCharacters(in: .whitespaces))
            labels[key(label)] = label
        }
        expected[key("Bagging-Date")] = [String(record.startedAt.prefix(10))]
        labels[key("Bagging-Date")] = "Bagging-Date"
        var found: [String: [String]] = [:]
        for (label, value) in fields {
            let k = key(label)
            if k.hasPrefix("timestamp") || k == "payload-oxum" { continue }
            guard expected[k] != nil || k == "timestamp-status" else {
                return BagCheck(subject: "bag-info.txt", ok: false, detail: "'\(label)' is not a field this capture's bag-info has")
            }
            found[k, default: []].append(value)
        }
        // Timestamp-Status changes when a token is added later; the other fields never do.
        expected[key("Timestamp-Status")] = nil
        found[key("Timestamp-Status")] = nil
        let differing = Set(found.keys).union(expected.keys).sorted().filter { found[$0] ?? [] != expected[$0] ?? [] }
        guard let first = differing.first else {
            return BagCheck(subject: "bag-info.txt", ok: true, detail: "every field is what capture.json gives (\(expected.keys.compactMap { labels[$0] }.sorted().joined(separator: ", ")))")
        }
        return BagCheck(subject: "bag-info.txt", ok: false, detail: "\(labels[first] ?? first) says \((found[first] ?? []).map { "'\($0)'" }.joined(separator: ", ").nonEmpty ?? "nothing"), "
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
        // The sidecars as this capture's payload gives them: the record's own digests (the fixity
        // checks compare the files with the manifest), and capture.json's, the one file it cannot list.
        let payload: [CaptureRecord.File]
        do {
            payload = record.files + [try PayloadFile.hash("capture.json", in: root, mediaType: "application/json").asRecorded]
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
        if sameVersion {
            checks.append(premisAtCapture(root, record, files))
        } else if let premis = premisCapture(root, record, files.operatorName) {
            checks.append(premis)
        }
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

    /// The part of the PREMIS log the capture wrote, made again from the payload: its objects, its
    /// capture, digest, format and signing events and their agents must be those, value for value
    /// (event identifiers are random, so they are left out); after them come only timestamping
    /// and validation events, which are claims the log records (the tokens themselves are checked
    /// on their own).
    static func premisAtCapture(_ root: URL, _ record: CaptureRecord, _ files: ArchivalFiles) -> BagCheck {
        guard let data = try? BagFiles.read(try BagFiles.resolve(PREMIS.file, in: root).get()), let log = try? XMLTagReader.read(data) else {
            return BagCheck(subject: PREMIS.file, ok: false, detail: "capture.json says the capture wrote it, and it cannot be read")
        }
        let rebuilt = ArchivalFiles(root: root, record: record, payload: files.payload, settings: files.settings,
                                    stamps: StampOutcome(stamped: [], failures: []), signerFingerprint: record.signature?.publicKeyFingerprint)
        // Read back through the same reader, so both sides are seen alike.
        guard let expected = try? XMLTagReader.read(Data(rebuilt.premis(files: rebuilt.files()).document.utf8)) else {
            return BagCheck(subject: PREMIS.file, ok: false, detail: "internal error: the rebuilt log does not read back")
        }
        func strip(_ tag: XMLTag) -> [String] { premisValues(tag) }
        let expectedEvents = expected.children("event"), actualEvents = log.children("event")
        if log.children("object").map(strip) != expected.children("object").map(strip) {
            return BagCheck(subject: PREMIS.file, ok: false, detail: "its objects are not the payload's files with their fixity and formats")
        }
        guard actualEvents.count >= expectedEvents.count, zip(actualEvents, expectedEvents).allSatisfy({ strip($0) == strip($1) }) else {
            return BagCheck(subject: PREMIS.file, ok: false, detail: "its events from the capture (\(expectedEvents.compactMap { $0.child("eventType")?.text }.joined(separator: ", "))) are not what capture.json gives")
        }
        let later = actualEvents.dropFirst(expectedEvents.count).compactMap { $0.child("eventType")?.text }.filter { $0 != "timestamping" && $0 != "validation" }
        guard later.isEmpty else {
            return BagCheck(subject: PREMIS.file, ok: false, detail: "it holds events Exhibit never adds after a capture: \(later.joined(separator: ", "))")
        }
        let agents = Dictionary(log.children("agent").compactMap { agent in
            agent.child("agentIdentifier")?.child("agentIdentifierValue")?.text.map { ($0, strip(agent)) } }, uniquingKeysWith: { a, _ in a })
        for agent in expected.children("agent") {
            guard let id = agent.child("agentIdentifier")?.child("agentIdentifierValue")?.text, agents[id] == strip(agent) else {
                return BagCheck(subject: PREMIS.file, ok: false, detail: "its agent \(agent.child("agentName")?.text ?? "") is not the one capture.json gives")
            }
        }
        return BagCheck(subject: PREMIS.file, ok: true, detail: "what the capture wrote (objects, \(expectedEvents.count) events, agents) is what capture.json gives; "
                        + "\(actualEvents.count - expectedEvents.count) later timestamping or validation event(s) are claims of the log")
    }

    /// Every leaf of a PREMIS element with its path, but the random event identifiers.
    static func premisValues(_ tag: XMLTag, path: [String] = []) -> [String] {
        let here = path + [tag.name]
        if tag.children.isEmpty {
            if tag.name == "eventIdentifierValue" { return [] }
            return [here.joined(separator: "/") + "=" + (tag.text ?? "") + tag.attributes.filter { !$0.0.hasPrefix("xmlns") }.map { " \($0.0)=\($0.1)" }.joined()]
        }
        return tag.children.flatMap { premisValues($0, path: here) }
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
