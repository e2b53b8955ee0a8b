import Archival
import Capture
import DevTools
import Evidence
import ExhibitTestSupport
import Foundation
import Testing

/// The independent checks of a capture's MDTO sidecars and PREMIS log: xmllint and Python lxml
/// against the Nationaal Archief's XSD and the Library of Congress's PREMIS 3.0 XSD (both from
/// `../shared/specs`, skipped with a plain message when absent), and fido's PRONOM identification.
enum ArchivalChecks {
    static let shared = TestSupport.packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    static let mdtoXSD = shared.appendingPathComponent("specs/mdto/MDTO-XML1.0.1.xsd").path
    static let premisXSD = shared.appendingPathComponent("specs/premis/premis-v3.0.xsd").path
    static let python = TestSupport.packageRoot.appendingPathComponent(".venv-archival/bin/python").path
    static let fido = TestSupport.packageRoot.appendingPathComponent(".venv-archival/bin/fido").path
    static let validator = TestSupport.packageRoot.appendingPathComponent("Tests/Support/archival/validate.py").path
    static var hasMDTOSchema: Bool { FileManager.default.fileExists(atPath: mdtoXSD) }

    /// The PREMIS schema, fetched into ../shared/specs/premis/ on first use (or nil, said plainly).
    static let premisSchema = Task { () -> String? in
        guard FileManager.default.fileExists(atPath: shared.path) else { return nil }
        let fetch = try? await TestSupport.run("/bin/bash", [TestSupport.packageRoot.appendingPathComponent("Tests/Support/archival/fetch-premis-xsd.sh").path, shared.path])
        return fetch?.status == 0 && FileManager.default.fileExists(atPath: premisXSD) ? premisXSD : nil
    }

    /// An organisation file from `org init`, with its example values.
    static func organisationFile(json: Bool = false) async throws -> URL {
        let file = TestSupport.temporaryFolder("org").appendingPathComponent(json ? "org.json" : "org.toml")
        let run = try await TestSupport.exhibit(["org", "init", file.path])
        #expect(run.status == 0, "\(run.stderr)")
        return file
    }

    static func settings(mdtoReplies: Bool = false) async throws -> ArchivalSettings {
        let file = try await organisationFile()
        let (organisation, sha256) = try Organisation.load(file)
        return ArchivalSettings(organisation: organisation, organisationFile: file.path, organisationSHA256: sha256, overrides: [],
                                mdto: true, mdtoReplies: mdtoReplies)
    }

    /// Every MDTO sidecar of the bag, valid under xmllint and lxml; premis.xml valid under both too.
    static func expectValid(_ bag: URL, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let sidecars = try BagWriter.files(under: bag.appendingPathComponent("mdto")).sorted().map { bag.appendingPathComponent("mdto/" + $0).path }
        let payload = try BagWriter.files(under: bag.appendingPathComponent("data"))
        #expect(sidecars.count == payload.count + 1 + sidecars.filter { $0.contains("/reply-") }.count, "\(sidecars.count) sidecars for \(payload.count) files",
                sourceLocation: sourceLocation)
        guard hasMDTOSchema else {
            print("skipped: the MDTO schema \(mdtoXSD) is absent (no ../shared); the sidecars were not validated")
            return
        }
        let xmllint = try await TestSupport.run("/usr/bin/xmllint", ["--noout", "--schema", mdtoXSD] + sidecars)
        #expect(xmllint.status == 0, "xmllint: \(xmllint.stderr.suffix(3000))", sourceLocation: sourceLocation)
        let lxml = try await TestSupport.run(python, [validator, mdtoXSD] + sidecars)
        #expect(lxml.status == 0, "lxml: \(lxml.stdout.suffix(3000)) \(lxml.stderr.suffix(500))", sourceLocation: sourceLocation)
        if let premis = await premisSchema.value {
            let premisFile = bag.appendingPathComponent("premis.xml").path
            let xmllintPremis = try await TestSupport.run("/usr/bin/xmllint", ["--noout", "--schema", premis, premisFile])
            #expect(xmllintPremis.status == 0, "xmllint premis: \(xmllintPremis.stderr.suffix(2000))", sourceLocation: sourceLocation)
            let lxmlPremis = try await TestSupport.run(python, [validator, premis, premisFile])
            #expect(lxmlPremis.status == 0, "lxml premis: \(lxmlPremis.stdout.suffix(2000))", sourceLocation: sourceLocation)
        } else {
            print("skipped: the PREMIS 3.0 schema could not be fetched into \(premisXSD); premis.xml was not validated")
        }
    }
}

@Suite("MDTO sidecars, PREMIS log, organisation settings, export and list", .serialized, .hangGuard)
struct ArchivalTests {
    func capture(_ path: String, _ extra: [String], out: URL) async throws -> (TestSupport.Output, URL?) {
        let run = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + path, "--profile", "generic",
                                                 "--out", out.path, "--quiet"] + extra)
        return (run, TestSupport.visibleFolders(in: out).first.map { out.appendingPathComponent($0) })
    }

    @Test("the sample thread with --mdto-replies and custody: every sidecar valid (xmllint, lxml), PUIDs as fido reads them, bag-info, report, verify")
    func sampleCapture() async throws {
        let org = try await ArchivalChecks.organisationFile()
        let out = TestSupport.temporaryFolder("mdto")
        let tsa = try await LoopbackTSA.shared.value
        let key = TestSupport.temporaryFolder("key").appendingPathComponent("signer")
        #expect(try await TestSupport.exhibit(["keygen", "--out", key.path]).status == 0)
        let (run, folder) = try await capture("/sample-thread/", ["--org", org.path, "--mdto-replies", "--operator", "J. de Vries",
                                                                  "--case", "ZK-2026-0042", "--purpose", "Woo-verzoek art. 4.1", "--note", "op verzoek",
                                                                  "--tsa", tsa.url("rsa"), "--tsa-roots", tsa.caFile, "--sign-key", key.path + ".key"], out: out)
        #expect(run.status == 0, "\(run.stderr)")
        let bag = try #require(folder)
        try await ArchivalChecks.expectValid(bag)
        let record = try TestSupport.decodeRecord(bag)
        #expect(record.custody == Custody(operatorName: "J. de Vries", caseReference: "ZK-2026-0042", purpose: "Woo-verzoek art. 4.1", note: "op verzoek"))
        let archival = try #require(record.archival)
        #expect(archival.exampleValues && record.warnings.contains { $0.message.contains("example values") })
        #expect(archival.tagFiles.contains("mdto/post.mdto.xml") && archival.tagFiles.contains("premis.xml"))
        for tagFile in archival.tagFiles { #expect(FileManager.default.fileExists(atPath: bag.appendingPathComponent(tagFile).path), "\(tagFile)") }
        // Covered by the tag manifest.
        let tagManifest = try String(contentsOf: bag.appendingPathComponent("tagmanifest-sha256.txt"), encoding: .utf8)
        #expect(tagManifest.contains("  mdto/post.mdto.xml\n") && tagManifest.contains("  premis.xml\n") && tagManifest.contains("  mdto/page.pdf.bestand.mdto.xml\n"))
        // bag-info, as BagIt defines the fields.
        let info = try String(contentsOf: bag.appendingPathComponent("bag-info.txt"), encoding: .utf8)
        for line in ["Contact-Name: J. de Vries", "Internal-Sender-Identifier: ZK-2026-0042", "Contact-Email: informatiebeheer@voorbeeld.nl",
                     "Source-Organization: Gemeente Voorbeeld", "Internal-Sender-Description: op verzoek"] {
            #expect(info.contains(line + "\n"), "\(line)")
        }
        #expect(info.contains("purpose: Woo-verzoek art. 4.1"))
        // The report's first lines.
        let html = try String(contentsOf: bag.appendingPathComponent("report.html"), encoding: .utf8)
        let head = try #require(html.range(of: "<h2>What was captured</h2>")).lowerBound
        #expect(html[..<head].contains("J. de Vries") && html[..<head].contains("ZK-2026-0042") && html[..<head].contains("Woo-verzoek art. 4.1"))
        // The information object: naam, Opname actor and result, replies linked both ways.
        let post = try XMLTagReader.read(Data(contentsOf: bag.appendingPathComponent("mdto/post.mdto.xml")))
        let object = try #require(post.child("informatieobject"))
        let naam = try #require(object.child("naam")?.text)
        #expect(naam.count <= 80 && naam.hasPrefix("Gemeente Voorbeeld op ") && naam.contains("2026-11-20"), "\(naam)")
        let opname = try #require(object.children("event").first { $0.child("eventType")?.child("begripLabel")?.text == "Opname" })
        #expect(opname.child("eventVerantwoordelijkeActor")?.child("verwijzingNaam")?.text == "J. de Vries")
        #expect(opname.child("eventResultaat")?.text?.contains("complete: replies 30 of 30 shown") == true)
        let parts = object.children("bevatOnderdeel")
        #expect(parts.count == 30)
        let reply = try XMLTagReader.read(Data(contentsOf: bag.appendingPathComponent("mdto/reply-1.mdto.xml")))
        #expect(reply.child("informatieobject")?.child("isOnderdeelVan")?.child("verwijzingIdentificatie")?.child("identificatieKenmerk")?.text == record.captureId)
        #expect(parts.first?.child("verwijzingIdentificatie")?.child("identificatieKenmerk")?.text == record.captureId + "#reactie-1")
        #expect(object.children("heeftRepresentatie").count == record.files.count + 1)

        // Each PUID as Exhibit read it from the bytes, against fido (the Open Preservation
        // Foundation's PRONOM matcher): PNG, PDF and HTML directly, the WARC through its gzip
        // members. JSON has no internal signature in PRONOM (fmt/817 is matched by extension), so
        // it is checked against that registry entry, cited in FormatIdentifier.
        let formats = Dictionary(uniqueKeysWithValues: record.files.compactMap { f in f.format.map { (f.name, $0) } })
        #expect(formats["screenshot.png"]?.puid == "fmt/13" && formats["page.pdf"]?.puid == "fmt/18" && formats["dom.html"]?.puid == "fmt/471")
        #expect(formats["archive.warc.gz"]?.puid == "fmt/1281" && formats["post.json"]?.puid == "fmt/817")
        if FileManager.default.isExecutableFile(atPath: ArchivalChecks.fido) {
            let data = bag.appendingPathComponent("data")
            let fido = try await TestSupport.run(ArchivalChecks.fido, ["-q", "-nocontainer", "-matchprintf", "%(info.filename)s %(info.puid)s\n"]
                                                  + ["screenshot.png", "page.pdf", "dom.html"].map { data.appendingPathComponent($0).path })
            for name in ["screenshot.png", "page.pdf", "dom.html"] {
                #expect(fido.stdout.contains("\(data.appendingPathComponent(name).path) \(formats[name]?.puid ?? "-")"), "fido: \(fido.stdout)")
            }
            let first = TestSupport.temporaryFolder("warc").appendingPathComponent("first.warc")
            let gunzip = try await TestSupport.run("/bin/sh", ["-c", "gunzip -c '\(data.appendingPathComponent("archive.warc.gz").path)' | head -c 100000 > '\(first.path)'"])
            #expect(gunzip.status == 0)
            let fidoWARC = try await TestSupport.run(ArchivalChecks.fido, ["-q", "-matchprintf", "%(info.puid)s\n", first.path])
            #expect(fidoWARC.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "fmt/1281", "fido: \(fidoWARC.stdout)")
        } else {
            print("skipped: fido is absent (.venv-archival; run scripts/install-deps.sh); the PUIDs were not cross-checked")
        }
        // The PREMIS log names every event with its agents: capture, digests, formats, signing, the TSA's token.
        let premis = try XMLTagReader.read(Data(contentsOf: bag.appendingPathComponent("premis.xml")))
        let types = premis.children("event").compactMap { $0.child("eventType")?.text }
        #expect(types == ["capture", "message digest calculation", "format identification", "digital signature generation", "timestamping"], "\(types)")
        let agents = premis.children("agent").compactMap { $0.child("agentIdentifier")?.child("agentIdentifierValue")?.text }
        #expect(agents.contains("person:J. de Vries") && agents.contains("tsa:\(tsa.url("rsa"))") && agents.contains { $0.hasPrefix("software:exhibit/") }
                && agents.contains { $0.hasPrefix("organization:OIN:") }, "\(agents)")
        #expect(premis.children("object").count == 6)
        let verify = try await TestSupport.exhibit(["verify", bag.path, "--trust-roots", tsa.caFile])
        #expect(verify.status == 0 && verify.stdout.contains("ok   mdto/page.pdf.bestand.mdto.xml: MDTO checksum and omvang match")
                && verify.stdout.contains("ok   premis.xml: PREMIS fixity of all 6 objects matches"), "\(verify.stdout)")
        let bagit = try await TestSupport.run("/usr/bin/env", ["python3", "-m", "bagit", "--validate", bag.path])
        #expect(bagit.stderr.contains("is valid"), "\(bagit.stderr)")
        // custody, archival and each file's format are in the schema.
        let check = try await TestSupport.validateCaptureJSON(bag)
        #expect(check.status == 0 && check.stdout.contains("valid"), "\(check.stderr)")
    }

    @Test("verify --record adds a PREMIS validation event each run and the bag stays valid; a sidecar that lies, or a changed premis.xml, is caught")
    func recordAndTamper() async throws {
        let org = try await ArchivalChecks.organisationFile()
        let out = TestSupport.temporaryFolder("mdto")
        let (run, folder) = try await capture("/sample-thread/", ["--org", org.path, "--mdto", "--no-warc", "--case", "A-1"], out: out)
        #expect(run.status == 0, "\(run.stderr)")
        let bag = try #require(folder)
        // A later timestamp is a PREMIS event too.
        let tsa = try await LoopbackTSA.shared.value
        let stamp = try await TestSupport.exhibit(["timestamp", bag.path, "--tsa", tsa.url("rsa"), "--tsa-roots", tsa.caFile])
        #expect(stamp.status == 0, "\(stamp.stderr)")
        let stamped = try XMLTagReader.read(Data(contentsOf: bag.appendingPathComponent("premis.xml")))
        #expect(stamped.children("event").last?.child("eventType")?.text == "timestamping")
        for _ in 0..<2 {
            let verify = try await TestSupport.exhibit(["verify", bag.path, "--record", "--operator", "Controleur", "--trust-roots", tsa.caFile])
            #expect(verify.status == 0 && verify.stdout.contains("recorded: PREMIS validation event (success)"), "\(verify.stdout) \(verify.stderr)")
        }
        let events = PREMIS.validations(in: try Data(contentsOf: bag.appendingPathComponent("premis.xml")))
        #expect(events.count == 2 && events.allSatisfy { $0.outcome == "success" })
        try await ArchivalChecks.expectValid(bag)
        #expect(try await TestSupport.exhibit(["verify", bag.path, "--trust-roots", tsa.caFile]).status == 0)
        let premisLog = try String(contentsOf: bag.appendingPathComponent("premis.xml"), encoding: .utf8)
        #expect(premisLog.contains("person:Controleur"))

        // list shows it, by case, as VALID now, with the last recorded verification.
        let list = try await TestSupport.exhibit(["list", "--out", out.path, "--case", "A-1", "--json", "--trust-roots", tsa.caFile])
        #expect(list.status == 0 && list.stdout.contains("\"verification\" : \"VALID (timestamped ") && list.stdout.contains("\"case\" : \"A-1\"")
                && list.stdout.contains("\"lastRecordedVerification\" : \"success at "), "\(list.stdout)")
        let none = try await TestSupport.exhibit(["list", "--out", out.path, "--case", "B-2"])
        #expect(none.status == 0 && none.stdout.contains("no capture in"))

        // A sidecar whose checksum is changed, with the tag manifests rewritten to match: the
        // manifests pass, the sidecar's claim does not.
        let sidecar = bag.appendingPathComponent("mdto/dom.html.bestand.mdto.xml")
        let original = try String(contentsOf: sidecar, encoding: .utf8)
        let digest = try FileDigest(fileAt: bag.appendingPathComponent("data/dom.html").path).sha256
        try original.replacingOccurrences(of: digest, with: String(repeating: "0", count: 64)).write(to: sidecar, atomically: true, encoding: .utf8)
        try BagWriter(root: bag).writeTagManifests()
        let lied = try await TestSupport.exhibit(["verify", bag.path, "--record"])
        #expect(lied.status == 1 && lied.stdout.contains("FAIL mdto/dom.html.bestand.mdto.xml: MDTO claims 0000000000000000"), "\(lied.stdout)")
        #expect(PREMIS.validations(in: try Data(contentsOf: bag.appendingPathComponent("premis.xml"))).last?.outcome == "failure")
        try original.write(to: sidecar, atomically: true, encoding: .utf8)
        // A sidecar removed is caught too.
        try FileManager.default.removeItem(at: sidecar)
        try BagWriter(root: bag).writeTagManifests()
        let missing = try await TestSupport.exhibit(["verify", bag.path])
        #expect(missing.status == 1 && missing.stdout.contains("data/dom.html has no MDTO bestand sidecar"), "\(missing.stdout)")
        try original.write(to: sidecar, atomically: true, encoding: .utf8)
        try BagWriter(root: bag).writeTagManifests()
        // A premis.xml changed behind the tag manifest is not rewritten by --record (that would bless it).
        let premis = bag.appendingPathComponent("premis.xml")
        try (premisLog + "<!-- changed -->").write(to: premis, atomically: true, encoding: .utf8)
        let refused = try await TestSupport.exhibit(["verify", bag.path, "--record"])
        #expect(refused.status == 1 && refused.stderr.contains("premis.xml does not match its lines in tagmanifest-sha256.txt and tagmanifest-sha512.txt"), "\(refused.stderr)")
        #expect(try String(contentsOf: premis, encoding: .utf8).hasSuffix("<!-- changed -->"))
    }

    @Test("export --mdto writes one folder per information object with sidecars beside the files, a manifest and a packing slip; --zip one ZIP")
    func export() async throws {
        let org = try await ArchivalChecks.organisationFile(json: true)
        let out = TestSupport.temporaryFolder("mdto")
        let (run, folder) = try await capture("/sample-thread/", ["--org", org.path, "--mdto", "--no-warc"], out: out)
        #expect(run.status == 0, "\(run.stderr)")
        let bag = try #require(folder)
        let record = try TestSupport.decodeRecord(bag)
        let to = TestSupport.temporaryFolder("transfer")
        let exported = try await TestSupport.exhibit(["export", "--mdto", bag.path, "--to", to.path, "--name", "levering-1"])
        #expect(exported.status == 0, "\(exported.stderr)")
        let sip = to.appendingPathComponent("levering-1")
        let object = sip.appendingPathComponent("generic-" + record.captureId)
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: object.path))
        #expect(names.contains("generic-\(record.captureId).mdto.xml"))
        for file in record.files.map(\.name) + ["capture.json", "premis.xml", "manifest-sha256.txt", "bag-info.txt"] {
            #expect(names.contains(file) && names.contains(file + ".bestand.mdto.xml"), "\(file)")
        }
        #expect(names.allSatisfy { ExportCommand_isSafe($0) })
        if ArchivalChecks.hasMDTOSchema {
            let sidecars = names.filter { $0.hasSuffix(".mdto.xml") }.map { object.appendingPathComponent($0).path }
            let xmllint = try await TestSupport.run("/usr/bin/xmllint", ["--noout", "--schema", ArchivalChecks.mdtoXSD] + sidecars)
            #expect(xmllint.status == 0, "\(xmllint.stderr.suffix(2000))")
        }
        // The package's manifest lists every file with its SHA-256; sha256sum agrees.
        let check = try await TestSupport.run("/bin/sh", ["-c", "cd '\(sip.path)' && sha256sum -c --quiet manifest-sha256.txt && wc -l < manifest-sha256.txt"])
        #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
        let slip = try XMLTagReader.read(Data(contentsOf: to.appendingPathComponent("levering-1.pakbon.xml")))
        #expect(slip.child("aantalInformatieobjecten")?.text == "1" && slip.child("archiefvormer")?.text?.hasPrefix("Gemeente Voorbeeld") == true)
        let manifestHash = try FileDigest(fileAt: sip.appendingPathComponent("manifest-sha256.txt").path).sha256
        #expect(slip.child("hash")?.text == manifestHash)

        let zipped = try await TestSupport.exhibit(["export", "--mdto", bag.path, "--to", to.path, "--name", "levering-2", "--zip"])
        #expect(zipped.status == 0, "\(zipped.stderr)")
        let zip = to.appendingPathComponent("levering-2.zip")
        let slip2 = try XMLTagReader.read(Data(contentsOf: to.appendingPathComponent("levering-2.pakbon.xml")))
        #expect(slip2.child("hash")?.text == (try FileDigest(fileAt: zip.path).sha256))
        let listing = try await TestSupport.run("/usr/bin/env", ["python3", "-c", """
            import sys, zipfile
            z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None
            names = z.namelist(); print(len(names)); assert "levering-2/manifest-sha256.txt" in names, names
            """, zip.path])
        #expect(listing.status == 0, "\(listing.stderr)")
        // An invalid capture is not exported, and nothing is left behind.
        try Data("x".utf8).write(to: bag.appendingPathComponent("data/dom.html"))
        let refused = try await TestSupport.exhibit(["export", "--mdto", bag.path, "--to", to.path, "--name", "levering-3"])
        #expect(refused.status == 1 && refused.stderr.contains("does not verify"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: to.appendingPathComponent("levering-3").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: to.path).sorted() == ["levering-1", "levering-1.pakbon.xml", "levering-2.pakbon.xml", "levering-2.zip"])
    }

    @Test("bad organisation input: a missing field names its MDTO element; a bad bewaartermijn, waardering, EEA claim or key is refused with exit 2")
    func badOrganisation() async throws {
        let org = try await ArchivalChecks.organisationFile()
        let text = try String(contentsOf: org, encoding: .utf8)
        let cases: [(String, String)] = [
            (text.replacingOccurrences(of: "naam = \"Gemeente Voorbeeld\"", with: ""), "archiefvormer.naam is missing or empty (it feeds MDTO <archiefvormer>/<verwijzingNaam>)"),
            (text.replacingOccurrences(of: "bewaartermijn = \"P10Y\"", with: "bewaartermijn = \"10 jaar\""), "bewaartermijn '10 jaar' is not an xsd:duration"),
            (text.replacingOccurrences(of: "waardering = \"N\"", with: "waardering = \"X\""), "waardering 'X' is not V, B or N"),
            (text.replacingOccurrences(of: "eer = true", with: "eer = false"), "opslag.eer is false but NL is in the EEA"),
            (text.replacingOccurrences(of: "taal = \"nl\"", with: "taal = \"nl\"\nwaardring = \"V\""), "unknown field 'waardring'"),
        ]
        for (content, message) in cases {
            let file = TestSupport.temporaryFolder("org").appendingPathComponent("org.toml")
            try content.write(to: file, atomically: true, encoding: .utf8)
            let run = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + "/sample-thread/", "--org", file.path, "--out", TestSupport.temporaryFolder("x").path])
            #expect(run.status == 2 && run.stderr.contains(message) && run.stderr.split(separator: "\n").count == 1, "\(message): \(run.stderr)")
        }
        let noOrg = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + "/sample-thread/", "--mdto", "--out", TestSupport.temporaryFolder("x").path],
                                                  environment: ProcessInfo.processInfo.environment.filter { $0.key != "EXHIBIT_ORG" })
        #expect(noOrg.status == 2 && noOrg.stderr.contains("need an organisation file"))
        let override = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + "/sample-thread/", "--org", org.path, "--org-set", "nope=1",
                                                      "--out", TestSupport.temporaryFolder("x").path])
        #expect(override.status == 2 && override.stderr.contains("unknown field 'nope'"))
        let more: [(String, String, String)] = [
            ("org.toml", "\"opslag.omschrijving\" = \"x\"\n" + text, "unknown field 'opslag.omschrijving'"),
            ("org.toml", text + "\n[archiefvromer]\n", "unknown section 'archiefvromer'"),
            ("org.toml", text.replacingOccurrences(of: "land = \"NL\"", with: "land = \"ß\""), "is not an ISO 3166 two-letter country code"),
            ("org.toml", text.replacingOccurrences(of: "informatiebeheer@voorbeeld.nl", with: "@"), "is not an e-mail address"),
            ("org.toml", text.replacingOccurrences(of: "bewaartermijn = \"P10Y\"", with: "bewaartermijn = \"P0Y\""), "is not an xsd:duration"),
            ("org.json", Organisation.template(json: true).replacingOccurrences(of: "\"eer\" : true", with: "\"eer\" : 1"), "opslag.eer must be true or false"),
        ]
        for (name, content, message) in more {
            let file = TestSupport.temporaryFolder("org").appendingPathComponent(name)
            try content.write(to: file, atomically: true, encoding: .utf8)
            let check = try await TestSupport.exhibit(["org", "check", file.path])
            #expect(check.status == 2 && check.stderr.contains(message), "\(message): \(check.stderr)")
        }
        let v = try await TestSupport.exhibit(["org", "check", org.path])
        #expect(v.status == 0 && v.stderr.contains("still holds the example values"))
    }

    @Test("an attacker who rewrites the tag manifests cannot make a false sidecar, a changed bag-info, a missing log or a forged PREMIS object verify; --record and timestamp bless nothing; list and export hold")
    func tagFileAttacks() async throws {
        let org = try await ArchivalChecks.organisationFile()
        let out = TestSupport.temporaryFolder("mdto")
        let (run, folder) = try await capture("/sample-thread/", ["--org", org.path, "--mdto-replies", "--no-warc", "--operator", "Alice", "--case", "ZAAK-1"], out: out)
        #expect(run.status == 0, "\(run.stderr)")
        let original = try #require(folder)
        func copy() throws -> URL {
            let bag = TestSupport.temporaryFolder("attack").appendingPathComponent(original.lastPathComponent)
            try FileManager.default.copyItem(at: original, to: bag)
            return bag
        }
        func edit(_ bag: URL, _ path: String, _ change: (String) -> String) throws {
            let url = bag.appendingPathComponent(path)
            try change(try String(contentsOf: url, encoding: .utf8)).write(to: url, atomically: true, encoding: .utf8)
        }
        func verdict(_ bag: URL) async throws -> TestSupport.Output { try await TestSupport.exhibit(["verify", bag.path]) }
        #expect(try await verdict(original).status == 0)

        // The informatieobject's appraisal, actor and case changed; a reply's object removed.
        let a = try copy()
        try edit(a, "mdto/post.mdto.xml") { $0.replacingOccurrences(of: "<begripCode>N</begripCode>", with: "<begripCode>B</begripCode>")
            .replacingOccurrences(of: "<verwijzingNaam>Alice</verwijzingNaam>", with: "<verwijzingNaam>Mallory</verwijzingNaam>") }
        try FileManager.default.removeItem(at: a.appendingPathComponent("mdto/reply-30.mdto.xml"))
        try BagWriter(root: a).writeTagManifests()
        let aRun = try await verdict(a)
        #expect(aRun.status == 1 && aRun.stdout.contains("FAIL mdto/post.mdto.xml: differs from what capture.json and post.json give")
                && aRun.stdout.contains("FAIL mdto/reply-30.mdto.xml"), "\(aRun.stdout)")
        // The custody fields of bag-info changed.
        let b = try copy()
        try edit(b, "bag-info.txt") { $0.replacingOccurrences(of: "Internal-Sender-Identifier: ZAAK-1", with: "Internal-Sender-Identifier: ZAAK-999") }
        try BagWriter(root: b).writeTagManifests()
        let bRun = try await verdict(b)
        #expect(bRun.status == 1 && bRun.stdout.contains("FAIL bag-info.txt: Internal-Sender-Identifier says 'ZAAK-999', capture.json gives 'ZAAK-1'"), "\(bRun.stdout)")
        // ... and a timestamp that fails does not bless it either.
        let stampAttempt = try await TestSupport.exhibit(["timestamp", b.path, "--tsa", "http://127.0.0.1:9/tsa"])
        #expect(stampAttempt.status == 1 && stampAttempt.stderr.contains("not stamping"), "\(stampAttempt.stderr)")
        #expect(try await verdict(b).status == 1)
        // The sidecars and the log removed.
        let c = try copy()
        try FileManager.default.removeItem(at: c.appendingPathComponent("mdto"))
        try FileManager.default.removeItem(at: c.appendingPathComponent("premis.xml"))
        try BagWriter(root: c).writeTagManifests()
        let cRun = try await verdict(c)
        #expect(cRun.status == 1 && cRun.stdout.contains("FAIL mdto/post.mdto.xml: capture.json lists it among the archival tag files"), "\(cRun.stdout)")
        let cRecord = try await TestSupport.exhibit(["verify", c.path, "--record"])
        #expect(cRecord.status == 1 && cRecord.stderr.contains("premis.xml is missing although the capture made it"), "\(cRecord.stderr)")
        // A CDATA section or an entity after a long comment cannot change what the reader sees.
        let d = try copy()
        try edit(d, "mdto/dom.html.bestand.mdto.xml") { $0.replacingOccurrences(of: "</omvang>", with: "<![CDATA[0]]></omvang>") }
        try BagWriter(root: d).writeTagManifests()
        let dRun = try await verdict(d)
        #expect(dRun.status == 1 && dRun.stdout.contains("FAIL mdto/dom.html.bestand.mdto.xml"), "\(dRun.stdout)")
        #expect(throws: XMLTagReader.Failure.self) {
            try XMLTagReader.read(Data(("<?xml version=\"1.0\"?><!--" + String(repeating: "x", count: 5000) + "--><!DOCTYPE a [<!ENTITY e \"0\">]><a>1&e;</a>").utf8))
        }
        // A PREMIS object copied over another's.
        let e = try copy()
        try edit(e, "premis.xml") { text in
            let objects = text.components(separatedBy: "<object ")
            return objects.count > 2 ? objects[0] + "<object " + objects[2] + "<object " + objects[2...].joined(separator: "<object ") : text
        }
        try BagWriter(root: e).writeTagManifests()
        let eRun = try await verdict(e)
        #expect(eRun.status == 1 && eRun.stdout.contains("FAIL premis.xml"), "\(eRun.stdout)")
        // premis.xml changed with only its SHA-256 line updated: --record does not rewrite it.
        let f = try copy()
        try edit(f, "premis.xml") { $0.replacingOccurrences(of: "</premis>", with: "<!-- x --></premis>") }
        let sha = try FileDigest(fileAt: f.appendingPathComponent("premis.xml").path).sha256
        try edit(f, "tagmanifest-sha256.txt") { text in
            text.split(separator: "\n").map { $0.hasSuffix("  premis.xml") ? "\(sha)  premis.xml" : String($0) }.joined(separator: "\n") + "\n"
        }
        let fRecord = try await TestSupport.exhibit(["verify", f.path, "--record"])
        #expect(fRecord.status == 1 && fRecord.stderr.contains("does not match its lines"), "\(fRecord.stderr)")
        #expect(try await verdict(f).status == 1)
        // --record keeps the log's bytes: what was there (an attribute in another namespace) stays.
        let g = try copy()
        try edit(g, "premis.xml") { $0.replacingOccurrences(of: "<object xsi:type=\"file\">", with: "<object xmlns:foo=\"urn:foo\" foo:bar=\"1\" xsi:type=\"file\">") }
        try BagWriter(root: g).writeTagManifests()
        let gRecord = try await TestSupport.exhibit(["verify", g.path, "--record"])
        #expect(gRecord.status == 0, "\(gRecord.stdout) \(gRecord.stderr)")
        let gLog = try String(contentsOf: g.appendingPathComponent("premis.xml"), encoding: .utf8)
        #expect(gLog.contains("foo:bar=\"1\"") && PREMIS.validations(in: Data(gLog.utf8)).count == 1)
        #expect(try await TestSupport.run("/usr/bin/xmllint", ["--noout", g.appendingPathComponent("premis.xml").path]).status == 0)
        // bag-info read as BagIt reads it: a continuation line, a label in other case or spacing,
        // a field Exhibit never writes, a changed Bagging-Date.
        for change in [("Contact-Name: Alice\n", "Contact-Name: Alice\n  and Mallory\n"), ("Contact-Name: Alice\n", "Contact-Name: Alice\ncontact-name : Mallory\n"),
                       ("Contact-Name: Alice\n", "Contact-Name: Alice\nBag-Group-Identifier: forged\n"),
                       ("Bagging-Date: \(try TestSupport.decodeRecord(original).startedAt.prefix(10))", "Bagging-Date: 2019-01-01")] {
            let bag = try copy()
            try edit(bag, "bag-info.txt") { $0.replacingOccurrences(of: change.0, with: change.1) }
            try BagWriter(root: bag).writeTagManifests()
            let result = try await verdict(bag)
            #expect(result.status == 1 && result.stdout.contains("FAIL bag-info.txt"), "\(change.1): \(result.stdout.suffix(600))")
        }
        // PREMIS: an agent renamed, or an event Exhibit never adds after a capture.
        for change in [("<agentName>Alice</agentName>", "<agentName>Mallory</agentName>"),
                       ("</premis>", "  <event>\n    <eventIdentifier>\n      <eventIdentifierType>UUID</eventIdentifierType>\n      <eventIdentifierValue>x</eventIdentifierValue>\n    </eventIdentifier>\n    <eventType>deletion</eventType>\n    <eventDateTime>2030-01-01T00:00:00Z</eventDateTime>\n  </event>\n</premis>")] {
            let bag = try copy()
            try edit(bag, "premis.xml") { text in
                guard change.0 == "</premis>" else { return text.replacingOccurrences(of: change.0, with: change.1) }
                // An event after the agents would break the schema's order; put it before them.
                return text.replacingOccurrences(of: "  <agent>", with: change.1.replacingOccurrences(of: "</premis>", with: "") + "  <agent>", options: [], range: text.range(of: "  <agent>"))
            }
            try BagWriter(root: bag).writeTagManifests()
            let result = try await verdict(bag)
            #expect(result.status == 1 && result.stdout.contains("FAIL premis.xml"), "\(change.1.prefix(40)): \(result.stdout.suffix(600))")
        }
        // A log that declares another encoding is not appended to.
        let enc = try copy()
        try edit(enc, "premis.xml") { $0.replacingOccurrences(of: "encoding=\"UTF-8\"", with: "encoding=\"ISO-8859-1\"") }
        try BagWriter(root: enc).writeTagManifests()
        let encRecord = try await TestSupport.exhibit(["verify", enc.path, "--record", "--operator", "José Ñúñez"])
        #expect(encRecord.status == 1 && encRecord.stderr.contains("encoding other than UTF-8"), "\(encRecord.stderr)")
        // Files someone added to timestamps/ and signature/ stay out of an export.
        let extra = try copy()
        try Data("x".utf8).write(to: extra.appendingPathComponent("timestamps-notes.txt"))
        try FileManager.default.createDirectory(at: extra.appendingPathComponent("timestamps"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: extra.appendingPathComponent("timestamps/x.txt"))
        try BagWriter(root: extra).writeTagManifests()
        let to = TestSupport.temporaryFolder("transfer")
        let exported = try await TestSupport.exhibit(["export", "--mdto", extra.path, "--to", to.path, "--name", "p"])
        #expect(exported.status == 0, "\(exported.stderr)")
        let manifest = try String(contentsOf: to.appendingPathComponent("p/manifest-sha256.txt"), encoding: .utf8)
        #expect(!manifest.contains("x.txt") && !manifest.contains("notes"), "\(manifest)")
        // A capture made without an organisation file, given forged sidecars and a forged log.
        let plainOut = TestSupport.temporaryFolder("plain")
        let (plainRun, plainFolder) = try await capture("/sample-thread/", ["--no-warc"], out: plainOut)
        #expect(plainRun.status == 0)
        let plain = try #require(plainFolder)
        try FileManager.default.copyItem(at: original.appendingPathComponent("mdto"), to: plain.appendingPathComponent("mdto"))
        try FileManager.default.copyItem(at: original.appendingPathComponent("premis.xml"), to: plain.appendingPathComponent("premis.xml"))
        try BagWriter(root: plain).writeTagManifests()
        let plainVerify = try await verdict(plain)
        #expect(plainVerify.status == 1 && plainVerify.stdout.contains("capture.json says this capture wrote no MDTO sidecars")
                && plainVerify.stdout.contains("capture.json says this capture wrote no PREMIS log"), "\(plainVerify.stdout.suffix(800))")
        let plainExport = try await TestSupport.exhibit(["export", "--mdto", plain.path, "--to", to.path, "--name", "q"])
        #expect(plainExport.status == 1)
        // A log nested deeper than Exhibit ever writes is refused, not recursed into; a long run of siblings reads.
        #expect(throws: XMLTagReader.Failure.self) { try XMLTagReader.read(Data(("<a>" + String(repeating: "<b>", count: 20_000) + String(repeating: "</b>", count: 20_000) + "</a>").utf8)) }
        let siblings = try XMLTagReader.read(Data(("<a>" + String(repeating: "<b/>\n", count: 40_000) + "</a>").utf8))
        #expect(siblings.children.count == 40_000)

        // list shows a capture whose record is broken, rather than leaving it out.
        let h = TestSupport.temporaryFolder("list")
        try FileManager.default.copyItem(at: original, to: h.appendingPathComponent("broken"))
        try edit(h.appendingPathComponent("broken"), "data/capture.json") { $0 + "{" }
        let list = try await TestSupport.exhibit(["list", "--out", h.path])
        #expect(list.status == 0 && list.stdout.contains("broken") && list.stdout.contains("INVALID"), "\(list.stdout)")
    }

    @Test("exhibit batch uses the organisation file and the custody options for every line, like capture")
    func batch() async throws {
        let org = try await ArchivalChecks.organisationFile(json: true)
        let server = try await TestSupport.baseURL()
        let list = TestSupport.temporaryFolder("batch-org").appendingPathComponent("list.txt")
        try "\(server)/sample-thread/\n\(server)/mastodon/\n".write(to: list, atomically: true, encoding: .utf8)
        let out = TestSupport.temporaryFolder("batch-org")
        let run = try await TestSupport.exhibit(["batch", list.path, "--out", out.path, "--org", org.path, "--no-warc", "--case", "B-7", "--waardering", "V",
                                                 "--bewaartermijn", "P7Y"])
        #expect(run.status == 0, "\(run.stderr)")
        let bags = TestSupport.visibleFolders(in: out).filter { $0.hasPrefix("2") }.map { out.appendingPathComponent($0) }
        #expect(bags.count == 2)
        for bag in bags {
            try await ArchivalChecks.expectValid(bag)
            let record = try TestSupport.decodeRecord(bag)
            #expect(record.custody?.caseReference == "B-7" && record.archival?.settings.overrides == ["waardering=V", "bewaartermijn=P7Y"])
            let object = try XMLTagReader.read(Data(contentsOf: bag.appendingPathComponent("mdto/post.mdto.xml"))).child("informatieobject")
            #expect(object?.child("waardering")?.child("begripCode")?.text == "V" && object?.child("bewaartermijn")?.child("termijnLooptijd")?.text == "P7Y")
            #expect(try await TestSupport.exhibit(["verify", bag.path]).status == 0)
        }
    }

    @Test("a payload file in a format Exhibit does not know (an inline SVG kept with --keep-inline-media) is recorded by its media type only, with a warning")
    func unknownFormat() async throws {
        let org = try await ArchivalChecks.organisationFile()
        let out = TestSupport.temporaryFolder("mdto")
        let (run, folder) = try await capture("/unknown-format/", ["--org", org.path, "--mdto", "--no-warc", "--keep-inline-media"], out: out)
        #expect(run.status == 0, "\(run.stderr)")
        let bag = try #require(folder)
        let record = try TestSupport.decodeRecord(bag)
        let svg = try #require(record.files.first { $0.name.hasPrefix("media/") && $0.name.hasSuffix(".svg") }, "\(record.files.map(\.name))")
        #expect(svg.format?.puid == nil && svg.format?.mediaType == "image/svg+xml")
        #expect(record.warnings.contains { $0.message.contains("the format of data/\(svg.name) is not identified in PRONOM") })
        let sidecar = try XMLTagReader.read(Data(contentsOf: bag.appendingPathComponent(MDTO.bestandPath(svg.name))))
        let format = try #require(sidecar.child("bestand")?.child("bestandsformaat"))
        #expect(format.child("begripLabel")?.text == "image/svg+xml" && format.child("begripCode") == nil
                && format.child("begripBegrippenlijst")?.child("verwijzingNaam")?.text == "IANA Media Types")
        let premis = try XMLTagReader.read(Data(contentsOf: bag.appendingPathComponent("premis.xml")))
        let identification = premis.children("event").first { $0.child("eventType")?.text == "format identification" }
        #expect(identification?.child("eventOutcomeInformation")?.child("eventOutcome")?.text == "warning")
        try await ArchivalChecks.expectValid(bag)
        #expect(try await TestSupport.exhibit(["verify", bag.path]).status == 0)
    }

    @Test("the hostile-text page: names with <, &, emoji, right-to-left text and 200 characters stay valid MDTO, escaped, non-empty")
    func hostileText() async throws {
        let org = try await ArchivalChecks.organisationFile()
        let out = TestSupport.temporaryFolder("mdto")
        let (run, folder) = try await capture("/hostile-text/", ["--org", org.path, "--mdto-replies", "--operator", "Op <&> \u{202E}erator 🎉",
                                                                 "--purpose", "\"quoted\" & <tagged>"], out: out)
        #expect(run.status == 0, "\(run.stderr)")
        let bag = try #require(folder)
        try await ArchivalChecks.expectValid(bag)
        let post = try XMLTagReader.read(Data(contentsOf: bag.appendingPathComponent("mdto/post.mdto.xml")))
        let naam = try #require(post.child("informatieobject")?.child("naam")?.text)
        #expect(naam.count <= 80 && naam.hasPrefix("Mallory </td></tr> \"&\" Author op "), "\(naam)")
        let replies = try BagWriter.files(under: bag.appendingPathComponent("mdto")).filter { $0.hasPrefix("reply-") }
        #expect(replies.count == 2)
        let long = try replies.map { try XMLTagReader.read(Data(contentsOf: bag.appendingPathComponent("mdto/" + $0))) }
            .first { $0.child("informatieobject")?.child("betrokkene")?.child("betrokkeneActor")?.child("verwijzingNaam")?.text?.count == 200 }
        #expect(long != nil, "no reply names its 200-character author")
        // Every element with text has text.
        func empty(_ tag: XMLTag) -> Bool { (tag.children.isEmpty && (tag.text ?? "").trimmingCharacters(in: .whitespaces).isEmpty) || tag.children.contains(where: empty) }
        for file in try BagWriter.files(under: bag.appendingPathComponent("mdto")) {
            #expect(!empty(try XMLTagReader.read(Data(contentsOf: bag.appendingPathComponent("mdto/" + file)))), "\(file) has an empty element")
        }
        let raw = try String(contentsOf: bag.appendingPathComponent("mdto/post.mdto.xml"), encoding: .utf8)
        #expect(raw.contains("Mallory &lt;/td&gt;&lt;/tr&gt; \"&amp;\" Author") && raw.contains("Op &lt;&amp;&gt; \u{202E}erator 🎉"))
        #expect(try await TestSupport.exhibit(["verify", bag.path]).status == 0)
    }
}

/// The MDTO SIP naming rule, as the test reads it: no `< > : " / \ | ? * # &`, no space, ≤ 255.
func ExportCommand_isSafe(_ name: String) -> Bool {
    name.count <= 255 && !name.contains { "<>:\"/\\|?*#& ".contains($0) }
}
