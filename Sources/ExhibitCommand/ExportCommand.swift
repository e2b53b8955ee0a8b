import Archival
import ArgumentParser
import Capture
import Evidence
import Foundation
import TrustedTime
import ZIPFoundation

/// `exhibit export --mdto`: captures as a transfer package in the shape of the Nationaal Archief's
/// MDTO SIP specification (NationaalArchief/MDTO-SIP-specificatie 1.0): one folder per
/// information object holding its `<folder>.mdto.xml`, its files, and each file's
/// `<file>.bestand.mdto.xml` beside it; names without `< > : " / \ | ? * # &` or spaces, at most
/// 255 characters; a packing slip (pakbon) with the package's hash, time, archive creator,
/// contact and counts. Every capture is verified first; an invalid one is not exported.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export captures as an MDTO transfer package for an e-depot (a folder, or one ZIP with --zip), with a packing slip.",
        discussion: "Exit codes: 0 exported; 1 a capture is invalid or has no MDTO sidecars (nothing is written); 2 usage error.")

    @Flag(help: "Export in the MDTO SIP shape (the only shape for now; required, so that other shapes can come later).")
    var mdto = false

    @Argument(help: "Capture folders (made with --mdto).")
    var captures: [String]

    @Option(help: ArgumentHelp("Folder the package and its packing slip are written to.", valueName: "dir"))
    var to: String

    @Flag(help: "Write one ZIP (with the package's manifest inside) instead of a folder.")
    var zip = false

    @Option(help: ArgumentHelp("The package's name (default: exhibit-transfer-<UTC time>).", valueName: "name"))
    var name: String?

    @Option(name: .customLong("target"), help: ArgumentHelp("Where the package goes, for the packing slip (an e-depot's collection).", valueName: "text"))
    var destination: String = "e-depot"

    @Option(help: "PEM file of extra trusted TSA roots for the verification before export, repeatable.")
    var trustRoots: [String] = []

    func validate() throws {
        guard mdto else { throw ValidationError("give --mdto: the MDTO SIP shape is the only export shape") }
        guard !captures.isEmpty else { throw ValidationError("give at least one capture folder") }
        if let name, !Self.isSafeName(name) { throw ValidationError("--name '\(name)' holds a character the MDTO SIP forbids (< > : \" / \\ | ? * # & or a space)") }
    }

    /// The MDTO SIP specification's naming rule.
    static func isSafeName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 255 && name != "." && name != ".."
            && !name.contains { "<>:\"/\\|?*#&".contains($0) || $0.isWhitespace || $0.isNewline || ($0.asciiValue.map { $0 < 0x20 } ?? false) }
    }

    /// A safe folder or file name from anything: forbidden characters become `_`.
    static func safeName(_ text: String) -> String {
        let mapped = String(text.map { "<>:\"/\\|?*#&".contains($0) || $0.isWhitespace || ($0.asciiValue.map { $0 < 0x20 } ?? false) ? "_" : $0 })
        return String(mapped.prefix(200))
    }

    struct Member {
        let bag: URL
        let record: CaptureRecord
        let folder: String
        /// The timestamp tokens that verified (`timestamps/<name>.tsr`): only they are carried along.
        let tokens: [String]
    }

    func run() async throws {
        let fm = FileManager.default
        var roots = TimeStampVerifier.systemRoots
        do { roots += try TimeStampVerifier.roots(fromPEMFiles: trustRoots) }
        catch { throw CommandFailure(code: Exhibit.Code.usage, message: "\(error)") }
        // Every capture is read and verified before anything is written.
        var members: [Member] = []
        for path in captures {
            let bag = URL(fileURLWithPath: path)
            let report = await BagVerifier(root: bag, trustRoots: roots).verify().adding(ArchivalCheck.checks(bag: bag))
            guard report.verdict == .valid else {
                let first = report.checks.first { !$0.ok }.map { "\($0.subject): \($0.detail)" } ?? "not a capture"
                throw CommandFailure(code: report.verdict == .unreadable ? Exhibit.Code.usage : Exhibit.Code.failed,
                                     message: "\(path) does not verify (\(report.verdict.rawValue)), nothing exported: \(first)")
            }
            guard let data = try? BagFiles.read(try BagFiles.resolve("data/capture.json", in: bag).get()),
                  let record = try? JSONDecoder().decode(CaptureRecord.self, from: data) else {
                throw CommandFailure(code: Exhibit.Code.usage, message: "\(path): data/capture.json cannot be read")
            }
            guard record.archival?.settings.mdto == true, fm.fileExists(atPath: bag.appendingPathComponent(MDTO.postPath).path) else {
                throw CommandFailure(code: Exhibit.Code.failed, message: "\(path) has no MDTO sidecars (capture it with --mdto and an organisation file); nothing exported")
            }
            let folder = Self.safeName("\(record.profile.name)-\(record.captureId)")
            guard !members.contains(where: { $0.folder == folder }) else {
                throw CommandFailure(code: Exhibit.Code.usage, message: "\(path) is given twice (capture \(record.captureId))")
            }
            if let first = members.first?.record.archival?.settings.organisation.archiefvormer,
               let this = record.archival?.settings.organisation.archiefvormer, first != this {
                throw CommandFailure(code: Exhibit.Code.usage, message: "\(path) belongs to archive creator \(this.naam) (\(this.identificatie)), the others to \(first.naam) (\(first.identificatie)): one package, one archiefvormer")
            }
            members.append(Member(bag: bag, record: record, folder: folder, tokens: report.timestamps.map(\.token)))
        }
        let created = Date()
        let packageName = name ?? "exhibit-transfer-" + UTCTime.compact(created)
        let out = URL(fileURLWithPath: to)
        do { try fm.createDirectory(at: out, withIntermediateDirectories: true) }
        catch { throw CommandFailure(code: Exhibit.Code.usage, message: "cannot create \(to): \(error.localizedDescription)") }
        let final = out.appendingPathComponent(zip ? packageName + ".zip" : packageName)
        let slipURL = out.appendingPathComponent(packageName + ".pakbon.xml")
        guard !fm.fileExists(atPath: final.path), !fm.fileExists(atPath: slipURL.path) else {
            throw CommandFailure(code: Exhibit.Code.usage, message: "\(final.path) or its packing slip exists already")
        }
        // Built in a hidden partial folder and renamed into place only when whole.
        let partial = out.appendingPathComponent(".\(packageName).partial")
        try? fm.removeItem(at: partial)
        let sip = partial.appendingPathComponent(packageName)
        do {
            try fm.createDirectory(at: sip, withIntermediateDirectories: true)
            var objects = 0
            var specialFormats = Set<String>()
            for member in members {
                let (count, special) = try copy(member, into: sip.appendingPathComponent(member.folder))
                objects += count
                specialFormats.formUnion(special)
            }
            // The package's own manifest: every file with its SHA-256, as BagIt writes them.
            // One pass over the package's files: the manifest's digests and the slip's sizes.
            let listed = try BagWriter.files(under: sip).sorted()
            let digests = try listed.map { ($0, try FileDigest(fileAt: sip.appendingPathComponent($0).path)) }
            let others = digests.filter { !$0.0.hasSuffix(".mdto.xml") }
            let otherBytes = others.reduce(UInt64(0)) { $0 + $1.1.size }
            let manifest = digests.map { "\($0.1.sha256)  \($0.0)\n" }.joined()
            try Data(manifest.utf8).write(to: sip.appendingPathComponent("manifest-sha256.txt"))
            let hashed: URL
            if zip {
                let zipURL = partial.appendingPathComponent(packageName + ".zip")
                try fm.zipItem(at: sip, to: zipURL, shouldKeepParent: true, compressionMethod: .deflate)
                hashed = zipURL
            } else {
                hashed = sip.appendingPathComponent("manifest-sha256.txt")
            }
            let hash = try FileDigest(fileAt: hashed.path).sha256
            let organisation = members.first?.record.archival?.settings.organisation
            let slip = XMLTag("pakbon", attributes: [("xmlns", "https://github.com/exhibit/pakbon"), ("versie", "1")], [
                XMLTag("identificatie", text: UUID().uuidString.lowercased()),
                XMLTag("naam", text: packageName),
                XMLTag("doel", text: destination),
                XMLTag("specificatie", text: "MDTO-SIP-specificatie 1.0 (Nationaal Archief); MDTO-XML 1.0.1"),
                XMLTag("hash", attributes: [("algoritme", "SHA-256"), ("over", zip ? "\(packageName).zip" : "\(packageName)/manifest-sha256.txt")], text: hash),
                XMLTag("aangemaakt", text: UTCTime.milliseconds(created)),
                XMLTag("archiefvormer", text: organisation.map { "\($0.archiefvormer.naam) (\($0.archiefvormer.bron) \($0.archiefvormer.identificatie))" } ?? "niet opgegeven"),
                XMLTag("contact", text: organisation.map { "\($0.bagit.contactName) <\($0.bagit.contactEmail)>" } ?? "niet opgegeven"),
                XMLTag("aantalInformatieobjecten", text: String(objects)),
                XMLTag("aantalBestanden", text: String(listed.count + 1)),
                XMLTag("aantalNietMDTOBestanden", text: String(others.count + 1)),
                XMLTag("omvangNietMDTOBestanden", text: String(otherBytes + UInt64(manifest.utf8.count))),
                XMLTag("bijzondereFormaten", specialFormats.sorted().map { XMLTag("formaat", text: $0) }),
                XMLTag("informatieobjecten", members.map { member in
                    XMLTag("informatieobject", attributes: [("map", member.folder), ("captureId", member.record.captureId)], text: member.record.requestedURL)
                }),
            ])
            try Data(slip.document.utf8).write(to: partial.appendingPathComponent(packageName + ".pakbon.xml"))
            try fm.moveItem(at: zip ? hashed : sip, to: final)
            try fm.moveItem(at: partial.appendingPathComponent(packageName + ".pakbon.xml"), to: slipURL)
            try? fm.removeItem(at: partial)
            print("exported \(members.count) capture(s), \(objects) informatieobject(en), \(listed.count + 1) files: \(final.path)")
            print("packing slip: \(slipURL.path) (SHA-256 \(hash))")
        } catch let failure as CommandFailure {
            try? fm.removeItem(at: partial)
            throw failure
        } catch {
            try? fm.removeItem(at: partial)
            throw CommandFailure(code: Exhibit.Code.failed, message: "export to \(to) failed, nothing written: \(error)")
        }
    }

    /// One capture's information object folder. The bag's sidecars are copied as they are (they
    /// are evidence, covered by the bag's tag manifest); payload files in subfolders are flattened
    /// with `_` (a subfolder would be an aggregation level in the SIP), and the files that carry
    /// the capture's verifiability (premis.xml, the payload manifest, timestamp tokens, signature)
    /// come along with sidecars made now.
    func copy(_ member: Member, into folder: URL) throws -> (Int, Set<String>) {
        let fm = FileManager.default
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        var objects = 0
        var special = Set<String>()
        // Two names of the bag that flatten to one (a_b and a/b) would overwrite each other.
        var taken = Set<String>()
        func claim(_ name: String) throws {
            guard Self.isSafeName(name), taken.insert(name.lowercased()).inserted else {
                throw CommandFailure(code: Exhibit.Code.failed, message: "\(member.bag.path): two of its files would both be \(member.folder)/\(name) in the package; nothing exported")
            }
        }
        func put(_ source: URL, as name: String) throws {
            try claim(name)
            try fm.copyItem(at: source, to: folder.appendingPathComponent(name))
        }
        // The information objects.
        try put(member.bag.appendingPathComponent(MDTO.postPath), as: member.folder + ".mdto.xml")
        objects += 1
        for reply in (try? fm.contentsOfDirectory(atPath: member.bag.appendingPathComponent("mdto").path))?.sorted() ?? []
        where reply.hasPrefix("reply-") && reply.hasSuffix(".mdto.xml") {
            try put(member.bag.appendingPathComponent("mdto/" + reply), as: member.folder + "-" + reply)
            objects += 1
        }
        // The payload files with their sidecars from the bag.
        let data = member.bag.appendingPathComponent("data")
        for name in try BagWriter.files(under: data).sorted() {
            let flat = Self.safeName(name.replacingOccurrences(of: "/", with: "_"))
            try put(data.appendingPathComponent(name), as: flat)
            try put(member.bag.appendingPathComponent(MDTO.bestandPath(name)), as: flat + ".bestand.mdto.xml")
            if let format = member.record.files.first(where: { $0.name == name })?.format, format.puid == nil { special.insert(format.mediaType) }
        }
        // The files that let anyone verify the capture later, each with a sidecar made now.
        // Only files Exhibit itself writes: the tokens that verified with their queries, and the
        // signature's two files; any other file someone put in the bag stays out.
        var extras = [PREMIS.file, "manifest-sha256.txt", "bag-info.txt"]
        for token in member.tokens.sorted() {
            extras.append(token)
            let query = String(token.dropLast(4)) + ".tsq"
            if (try? BagFiles.resolve(query, in: member.bag).get()) != nil { extras.append(query) }
        }
        if !member.tokens.isEmpty, (try? BagFiles.resolve("timestamps/timestamps.json", in: member.bag).get()) != nil { extras.append("timestamps/timestamps.json") }
        if member.record.signature != nil { extras += [BagSigner.signatureFile, BagSigner.publicKeyFile] }
        let organisation = member.record.archival?.settings.organisation
        for extra in extras where (try? BagFiles.resolve(extra, in: member.bag).get()) != nil {
            let source = member.bag.appendingPathComponent(extra)
            let flat = Self.safeName(extra.replacingOccurrences(of: "/", with: "_"))
            try put(source, as: flat)
            let digest = try FileDigest(fileAt: source.path)
            let mediaType = extra.hasSuffix(".tsr") ? "application/timestamp-reply" : extra.hasSuffix(".tsq") ? "application/timestamp-query"
                : extra.hasSuffix(".xml") ? "application/xml" : "text/plain"
            let file = MDTO.File(name: flat, size: digest.size, sha256: digest.sha256, digestedAt: UTCTime.milliseconds(Date()),
                                 format: FormatIdentifier.identify(source, mediaType: mediaType))
            if let organisation {
                let post = MDTO.Post(captureId: member.record.captureId, platform: member.record.profile.platform, url: member.record.requestedURL,
                                     platformId: nil, authorName: nil, authorHandle: nil, authorURL: nil, published: nil, publishedExact: false,
                                     text: nil, language: nil, capturedAt: member.record.startedAt, operatorName: "", software: "", result: "",
                                     caseReference: nil, purpose: nil, note: nil, replyCount: 0, files: [], replies: [], organisation: organisation)
                // The information object's name as its own sidecar gives it.
                let naam = try? XMLTagReader.read(Data(contentsOf: member.bag.appendingPathComponent(MDTO.postPath))).child("informatieobject")?.child("naam")?.text
                let sidecar = MDTO.bestand(file, post: post, naam: naam, identifier: "\(member.record.captureId)/\(extra)")
                try claim(flat + ".bestand.mdto.xml")
                try Data(sidecar.document.utf8).write(to: folder.appendingPathComponent(flat + ".bestand.mdto.xml"), options: .withoutOverwriting)
            }
            if file.format.puid == nil { special.insert(file.format.mediaType) }
        }
        return (objects, special)
    }
}
