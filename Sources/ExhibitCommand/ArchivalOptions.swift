import Archival
import ArgumentParser
import Capture
import Foundation

/// Who made a capture and why, and the organisation's archival settings: shared by `capture`,
/// `batch` and `collect` through ``CaptureSettings``.
struct ArchivalOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Organisation file (TOML or JSON, from exhibit org init) with the archive creator, classification, appraisal, use restrictions, storage place and BagIt contact (default: $EXHIBIT_ORG).", valueName: "file"))
    var org: String?

    @Option(name: .customLong("org-set"), help: ArgumentHelp("Override one field of the organisation file for this capture, repeatable, e.g. classificatie.code=2.3 (exhibit org fields lists them).", valueName: "key=value"))
    var orgSet: [String] = []

    @Option(help: "MDTO waardering for this capture: V, B or N (nog niet bepaald); overrides the organisation file.")
    var waardering: String?

    @Option(help: "MDTO bewaartermijn for this capture, an xsd:duration such as P10Y; overrides the organisation file.")
    var bewaartermijn: String?

    @Flag(help: "Write MDTO 1.0.1 sidecars (mdto/) and a PREMIS 3 event log (premis.xml) as tag files; needs an organisation file. On by default when the organisation file says mdto = true.")
    var mdto = false

    @Flag(name: .customLong("mdto-replies"), help: "Also one MDTO informatieobject per reply of the thread, linked to the post with isOnderdeelVan / bevatOnderdeel (implies --mdto).")
    var mdtoReplies = false

    @Option(name: .customLong("operator"), help: ArgumentHelp("The person making the capture (default: $EXHIBIT_OPERATOR, then the organisation file's operator).", valueName: "name"))
    var operatorName: String?

    @Option(name: .customLong("case"), help: ArgumentHelp("A matter, dossier or zaak number the capture is made for.", valueName: "ref"))
    var caseReference: String?

    @Option(help: ArgumentHelp("The legal basis or reason for the capture.", valueName: "text"))
    var purpose: String?

    @Option(help: ArgumentHelp("A free note recorded with the capture.", valueName: "text"))
    var note: String?

    /// The organisation file given, or `$EXHIBIT_ORG`.
    var organisationFile: String? {
        org ?? ProcessInfo.processInfo.environment["EXHIBIT_ORG"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The overrides as `key=value` pairs, the named options last (they win).
    func overrides() throws -> [(String, String)] {
        var pairs: [(String, String)] = try orgSet.map { item in
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw CommandFailure(code: Exhibit.Code.usage, message: "--org-set '\(item)' is not KEY=VALUE")
            }
            return (String(item[..<equals]), String(item[item.index(after: equals)...]))
        }
        if let waardering { pairs.append(("waardering", waardering)) }
        if let bewaartermijn { pairs.append(("bewaartermijn", bewaartermijn)) }
        return pairs
    }

    /// The settings for the capture's options; a bad file or override is a usage error.
    func apply(to options: inout CaptureOptions) throws {
        for (name, value) in [("--operator", operatorName), ("--case", caseReference), ("--purpose", purpose), ("--note", note)] {
            if let value, value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw CommandFailure(code: Exhibit.Code.usage, message: "\(name) needs a value")
            }
            if let value, value.count > 2_000 { throw CommandFailure(code: Exhibit.Code.usage, message: "\(name) is over 2000 characters") }
        }
        let overrides = try overrides()
        var organisation: Organisation?
        if let file = organisationFile {
            do {
                let (loaded, sha256) = try Organisation.load(URL(fileURLWithPath: file), overrides: overrides)
                organisation = loaded
                options.archival = ArchivalSettings(organisation: loaded, organisationFile: file, organisationSHA256: sha256,
                                                    overrides: overrides.map { "\($0.0)=\($0.1)" },
                                                    mdto: mdto || mdtoReplies || loaded.mdto, mdtoReplies: mdtoReplies)
            } catch let problem as Organisation.Problem {
                throw CommandFailure(code: Exhibit.Code.usage, message: problem.description)
            }
        } else if mdto || mdtoReplies || !overrides.isEmpty {
            throw CommandFailure(code: Exhibit.Code.usage,
                message: "--mdto, --mdto-replies, --org-set, --waardering and --bewaartermijn need an organisation file (--org FILE or $EXHIBIT_ORG); exhibit org init FILE writes one")
        }
        let environment = ProcessInfo.processInfo.environment["EXHIBIT_OPERATOR"].flatMap { $0.isEmpty ? nil : $0 }
        let custody = Custody(operatorName: (operatorName ?? environment ?? organisation?.operatorName).map(Self.trimmed),
                              caseReference: caseReference.map(Self.trimmed), purpose: purpose.map(Self.trimmed), note: note.map(Self.trimmed))
        options.custody = custody.isEmpty ? nil : custody
    }

    static func trimmed(_ text: String) -> String { text.trimmingCharacters(in: .whitespacesAndNewlines) }
}

struct OrgCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "org",
        abstract: "Organisation settings for archival metadata (MDTO, PREMIS, bag-info).",
        subcommands: [OrgInit.self, OrgCheck.self, OrgFields.self])

    struct OrgInit: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Write an organisation file with example values (TOML for .toml, JSON for .json), each marked for you to change.")

        @Argument(help: "The file to write: NAME.toml or NAME.json.")
        var file: String

        @Flag(help: "Replace the file if it exists.")
        var force = false

        func run() throws {
            let lower = file.lowercased()
            guard lower.hasSuffix(".toml") || lower.hasSuffix(".json") else {
                throw CommandFailure(code: Exhibit.Code.usage, message: "the organisation file must end in .toml or .json, not \(file)")
            }
            let url = URL(fileURLWithPath: file)
            if FileManager.default.fileExists(atPath: url.path), !force {
                throw CommandFailure(code: Exhibit.Code.usage, message: "\(file) exists; give --force to replace it")
            }
            do { try Data(Organisation.template(json: lower.hasSuffix(".json")).utf8).write(to: url, options: .atomic) }
            catch { throw CommandFailure(code: Exhibit.Code.failed, message: "cannot write \(file): \(error.localizedDescription)") }
            print("wrote \(file): change every value marked VOORBEELD, then set voorbeeldwaarden to false; check it with exhibit org check \(file)")
        }
    }

    struct OrgCheck: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "check", abstract: "Check an organisation file and print what it sets.")

        @Argument(help: "The organisation file.")
        var file: String

        func run() throws {
            do {
                let (organisation, sha256) = try Organisation.load(URL(fileURLWithPath: file))
                say(TerminalText.safe("ok: \(file) (sha256 \(sha256.prefix(16))…): archiefvormer \(organisation.archiefvormer.naam) (\(organisation.archiefvormer.bron) \(organisation.archiefvormer.identificatie)), waardering \(organisation.waardering.rawValue)"
                    + (organisation.waardering == .V ? ", bewaartermijn \(organisation.bewaartermijn ?? "")" : "")
                    + ", opslag \(organisation.opslag.land) (\(organisation.opslag.eer ? "inside" : "outside") the EEA), mdto \(organisation.mdto)"))
                if organisation.voorbeeldwaarden {
                    tell("exhibit: warning: \(file) still holds the example values (voorbeeldwaarden = true)\n")
                }
            } catch let problem as Organisation.Problem {
                throw CommandFailure(code: Exhibit.Code.usage, message: problem.description)
            }
        }
    }

    struct OrgFields: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "fields", abstract: "List the organisation file's fields and what each feeds.")

        func run() {
            for field in Organisation.fields { print("\(field.key)\t\(field.required ? "required" : "optional")\t\(field.feeds)") }
        }
    }
}
