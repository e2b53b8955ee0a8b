import Archival
import ExhibitTestSupport
import Foundation
import Testing

@Suite("PRONOM identification from a file's bytes, against fido")
struct FormatIdentifierTests {
    @Test("PNG 1.0/1.1/1.2, PDF 1.0-2.0, GIF, JFIF 1.00-1.02, WARC 1.0/1.1, XML: Exhibit's PUID is fido's; unknown text is recorded by media type only")
    func againstFido() async throws {
        let folder = TestSupport.temporaryFolder("formats")
        let make = try await TestSupport.run("/usr/bin/env", ["python3", TestSupport.packageRoot.appendingPathComponent("Tests/Support/archival/make-formats.py").path, folder.path])
        #expect(make.status == 0, "\(make.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        let ours = Dictionary(uniqueKeysWithValues: names.map { ($0, FormatIdentifier.identify(folder.appendingPathComponent($0), mediaType: "application/octet-stream")) })
        // The registry entries the rules cite (FormatIdentifier's doc comment).
        let expected = ["png10.png": "fmt/11", "png11.png": "fmt/12", "png12.png": "fmt/13", "gif87a.gif": "fmt/3", "gif89a.gif": "fmt/4",
                        "jfif100.jpg": "fmt/42", "jfif101.jpg": "fmt/43", "jfif102.jpg": "fmt/44", "warc10.warc": "fmt/1355", "warc11.warc": "fmt/1281",
                        "pdf10.pdf": "fmt/14", "pdf11.pdf": "fmt/15", "pdf12.pdf": "fmt/16", "pdf13.pdf": "fmt/17", "pdf14.pdf": "fmt/18",
                        "pdf15.pdf": "fmt/19", "pdf16.pdf": "fmt/20", "pdf17.pdf": "fmt/276", "pdf20.pdf": "fmt/1129", "data.xml": "fmt/101"]
        for (name, puid) in expected { #expect(ours[name]?.puid == puid, "\(name): \(ours[name].map { "\($0)" } ?? "absent")") }
        #expect(ours["notes.txt"]?.puid == nil && ours["notes.txt"]?.mediaType == "application/octet-stream")
        let fido = ArchivalChecks.fido
        guard FileManager.default.isExecutableFile(atPath: fido) else {
            print("skipped: fido is absent (.venv-archival; run scripts/install-deps.sh); PUIDs checked against the cited registry entries only")
            return
        }
        let run = try await TestSupport.run(fido, ["-q", "-matchprintf", "%(info.filename)s %(info.puid)s\n"] + expected.keys.sorted().map { folder.appendingPathComponent($0).path })
        let theirs = Dictionary(run.stdout.split(separator: "\n").compactMap { line -> (String, String)? in
            let parts = line.split(separator: " ")
            guard parts.count == 2 else { return nil }
            return (URL(fileURLWithPath: String(parts[0])).lastPathComponent, String(parts[1]))
        }, uniquingKeysWith: { a, _ in a })
        for name in expected.keys.sorted() { #expect(theirs[name] == ours[name]?.puid, "\(name): fido \(theirs[name] ?? "none"), Exhibit \(ours[name]?.puid ?? "none")") }
    }

    @Test("organisation templates validate in both formats; overrides are checked like the file")
    func templates() throws {
        for json in [false, true] {
            let file = TestSupport.temporaryFolder("org").appendingPathComponent(json ? "o.json" : "o.toml")
            try Organisation.template(json: json).write(to: file, atomically: true, encoding: .utf8)
            let (organisation, _) = try Organisation.load(file)
            #expect(organisation.voorbeeldwaarden && organisation.mdto && organisation.waardering == .N && organisation.opslag.eer)
            let (v, _) = try Organisation.load(file, overrides: [("waardering", "V"), ("bewaartermijn", "P7Y"), ("archiefvormer.naam", "Provincie X")])
            #expect(v.waardering == .V && v.bewaartermijn == "P7Y" && v.archiefvormer.naam == "Provincie X")
            #expect(throws: Organisation.Problem.self) { try Organisation.load(file, overrides: [("waardering", "V"), ("bewaartermijn", "")]) }
            #expect(throws: Organisation.Problem.self) { try Organisation.load(file, overrides: [("opslag.land", "US")]) }
        }
        for good in ["P10Y", "P1Y6M", "PT12H", "P30D", "P1DT2H"] { #expect(Organisation.isDuration(good), "\(good)") }
        for bad in ["P", "10Y", "P10", "-P1Y", "PT", "P1Y ", "P1W"] { #expect(!Organisation.isDuration(bad), "\(bad)") }
    }

    @Test("XML text: markup escaped, characters XML 1.0 cannot carry replaced, the result well-formed")
    func escaping() throws {
        let hostile = "a<b>&c\"d'e\u{0}\u{1}\u{B}\u{FFFE}\u{202E}🎉 مرحبا </naam><x>"
        let tag = XMLTag("naam", attributes: [("k", hostile)], text: hostile)
        let read = try XMLTagReader.read(Data(tag.document.utf8))
        #expect(read.text == "a<b>&c\"d'e\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{202E}🎉 مرحبا </naam><x>")
        #expect(read.children.isEmpty)
        #expect(throws: XMLTagReader.Failure.self) { try XMLTagReader.read(Data("<!DOCTYPE a [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><a>&e;</a>".utf8)) }
    }
}
