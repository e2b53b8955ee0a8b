import Capture
import DevTools
import Evidence
import ExhibitTestSupport
import Foundation
import PDFTools
import Testing

/// Runs Python's html.parser over a report and answers questions about it as JSON: the script
/// elements, images with event handlers, the text, empty cells and the files table.
enum ReportParser {
    struct Summary: Decodable {
        let scripts: Int
        let handlers: [String]
        let text: String
        let emptyCells: Int
        let files: [[String]]
        let images: [String]
    }

    static func parse(_ file: URL) async throws -> Summary {
        let run = try await TestSupport.run("/usr/bin/env", ["python3", "-c", """
            import json, sys
            from html.parser import HTMLParser
            class P(HTMLParser):
                def __init__(self):
                    super().__init__(convert_charrefs=True)
                    self.scripts, self.handlers, self.text, self.images = 0, [], [], []
                    self.cells, self.cell, self.empty = [], None, 0
                    self.rows, self.row, self.table, self.in_files = [], None, 0, False
                    self.heading = ''
                    self.in_h2 = False
                def handle_starttag(self, tag, attrs):
                    if tag == 'script': self.scripts += 1
                    for k, v in attrs:
                        if k.startswith('on'): self.handlers.append(tag + ' ' + k)
                    if tag == 'img': self.images.append(dict(attrs).get('src', ''))
                    if tag in ('td', 'th'): self.cell = ''
                    if tag == 'img' and self.cell is not None: self.cell += '[img]'
                    if tag == 'tr': self.row = []
                    if tag == 'h2': self.in_h2, self.heading = True, ''
                def handle_endtag(self, tag):
                    if tag in ('td', 'th'):
                        if not self.cell.strip(): self.empty += 1
                        if self.row is not None: self.row.append(self.cell.strip())
                        self.cell = None
                    if tag == 'tr':
                        if self.heading == 'Files' and self.row and self.row[0] != 'File': self.rows.append(self.row)
                        self.row = None
                    if tag == 'h2': self.in_h2 = False
                def handle_data(self, data):
                    self.text.append(data)
                    if self.cell is not None: self.cell += data
                    if self.in_h2: self.heading += data
            p = P()
            p.feed(open(sys.argv[1], encoding='utf-8').read())
            print(json.dumps({'scripts': p.scripts, 'handlers': p.handlers, 'text': ' '.join(''.join(p.text).split()),
                              'emptyCells': p.empty, 'files': p.rows, 'images': p.images}))
            """, file.path])
        guard run.status == 0 else { throw PDFError(path: file.path, message: run.stderr) }
        return try JSONDecoder().decode(Summary.self, from: Data(run.stdout.utf8))
    }
}

@Suite("PDF forms, PDF checks and the capture report", .serialized, .hangGuard)
struct ReportTests {
    func capture(_ path: String, _ extra: [String] = [], profile: String = "generic") async throws -> (TestSupport.Output, URL?) {
        let out = TestSupport.temporaryFolder("report")
        let run = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + path, "--profile", profile,
                                                 "--out", out.path, "--quiet"] + extra)
        return (run, TestSupport.visibleFolders(in: out).first.map { out.appendingPathComponent($0) })
    }

    @Test("the report lists exactly the manifest's files with their hashes, has no script and no blank field")
    func reportOfSampleThread() async throws {
        let result = try await SampleCapture.result.value
        let report = try await ReportParser.parse(result.folder.appendingPathComponent("report.html"))
        let manifest = try String(contentsOf: result.folder.appendingPathComponent("manifest-sha256.txt"), encoding: .utf8)
        let listed = manifest.split(separator: "\n").map { line -> [String] in
            let parts = line.split(separator: " ", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            return [parts[1], parts[0]]
        }
        #expect(report.files.map { [$0[0], $0[3]] } == listed)
        for file in report.files {
            let size = try FileManager.default.attributesOfItem(atPath: result.folder.appendingPathComponent(file[0]).path)[.size] as? NSNumber
            #expect(file[1] == size?.stringValue, "\(file[0])")
            #expect(!file[2].isEmpty)
        }
        #expect(report.scripts == 0 && report.handlers.isEmpty)
        #expect(report.emptyCells == 0, "a field of the report rendered empty")
        for bad in ["undefined", "null", "nil", "placeholder", "TODO", "()"] { #expect(!report.text.contains(" \(bad) "), "\(bad)") }
        #expect(report.text.contains("No trusted timestamp: none was requested for this capture."))
        for expected in ["Gemeente Voorbeeld @gemeentevoorbeeld", "Vandaag heeft de gemeenteraad", result.record.requestedURL,
                         result.record.startedAt + " UTC", result.record.browser.product, "1280 × 900 CSS px",
                         result.record.completeness.summary, "Web page (generic)"] {
            #expect(report.text.contains(expected), "report lacks '\(expected)'")
        }
        #expect(report.images == ["report-files/post.png", "report-files/pdf-page-1.png"])
        for image in report.images {
            let check = try await TestSupport.run("/usr/bin/env", ["pngcheck", result.folder.appendingPathComponent(image).path])
            #expect(check.status == 0, "\(check.stdout)")
        }
        // Tag files at the root, covered by the tag manifest; the bag still validates.
        let tags = try String(contentsOf: result.folder.appendingPathComponent("tagmanifest-sha256.txt"), encoding: .utf8)
        for name in ["report.html", "report.pdf", "report-files/post.png", "report-files/pdf-page-1.png"] {
            #expect(tags.contains("  \(name)\n"), "\(name)")
        }
        #expect(!manifest.contains("report"))
        #expect(try BagChecker(root: result.folder).problems().isEmpty)
        for pdf in ["report.pdf", "data/page.pdf"] {
            let info = try await TestSupport.run("/usr/bin/env", ["pdfinfo", result.folder.appendingPathComponent(pdf).path])
            #expect(info.status == 0 && info.stdout.contains("Pages:"), "\(pdf): \(info.stderr)")
        }
        let reportPDF = TestSupport.normalised(try PDFDocument(path: result.folder.appendingPathComponent("report.pdf").path).text)
        #expect(reportPDF.contains("Capture report") && reportPDF.contains("No trusted timestamp"))
    }

    @Test("the PDF's document information is stamped with poppler before hashing, and recorded")
    func pdfMetadata() async throws {
        let result = try await SampleCapture.result.value
        let file = result.folder.appendingPathComponent("data/page.pdf")
        let info = try PDFDocument(path: file.path).info
        let stamped = try #require(result.record.pdf?.metadata)
        #expect(info["Title"] == stamped.title && stamped.title.hasPrefix("Gemeente Voorbeeld: Vandaag heeft de gemeenteraad"))
        #expect(info["Subject"] == result.record.requestedURL && info["Keywords"] == result.record.captureId)
        #expect(info["Creator"] == "Exhibit \(ExhibitVersion.current) with \(result.record.browser.product)")
        let started = try #require(ISO8601DateFormatter.withMilliseconds.date(from: result.record.startedAt))
        #expect(info["CreationDate"] == String(Int(started.timeIntervalSince1970)))
        #expect(stamped.stampedBy == "poppler-glib \(PDFDocument.popplerVersion)")
        // The file as stored (stamped) is what the manifest holds; Chromium's own bytes are recorded too.
        let digest = try FileDigest(fileAt: file.path)
        #expect(result.record.files.first { $0.name == "page.pdf" }?.sha256 == digest.sha256)
        #expect(result.record.pdf?.sha256AsPrinted != digest.sha256)
        let pdfinfo = try await TestSupport.run("/usr/bin/env", ["pdfinfo", file.path])
        #expect(pdfinfo.stdout.contains("Keywords:        \(result.record.captureId)"))
    }

    @Test("a print stylesheet that hides the replies cannot empty the PDF: screen media by default")
    func printStylesheet() async throws {
        let (screen, screenFolder) = try await capture("/print-hides-replies/")
        #expect(screen.status == 0, "\(screen.stderr)")
        let record = try TestSupport.decodeRecord(try #require(screenFolder))
        #expect(record.pdf?.media == "screen" && record.pdf?.textCheck.found == 4 && record.pdf?.textCheck.missing.isEmpty == true)
        let text = TestSupport.normalised(try PDFDocument(path: try #require(screenFolder).appendingPathComponent("data/page.pdf").path).text)
        #expect(text.contains("Tot wanneer kunnen we een zienswijze indienen?"))

        // With the site's print media the check sees the replies go, names each, and --strict fails.
        let (printed, printFolder) = try await capture("/print-hides-replies/", ["--pdf-media", "print"])
        #expect(printed.status == 0)
        let printRecord = try TestSupport.decodeRecord(try #require(printFolder))
        #expect(printRecord.pdf?.textCheck.missing.count == 3)
        #expect(printRecord.warnings.contains { $0.step.rawValue == "pdf-check" && $0.message.contains("reply 2 by @jbakker: 'Tot wanneer kunnen we een zienswijze indienen?'") })
        let (strict, _) = try await capture("/print-hides-replies/", ["--pdf-media", "print", "--strict"])
        #expect(strict.status == 1 && strict.stderr.contains("pdf-check failed") && strict.stderr.contains("not in the PDF's text (--strict)"))
    }

    @Test("the PDF text check in Chinese, Japanese, Thai and hyphenated Dutch wrapped inside words finds every item; the reply print leaves out is named, though all its letters are elsewhere")
    func everyScriptInThePDF() async throws {
        let (result, folder) = try await capture("/scripts-thread/", ["--pdf-media", "print"])
        #expect(result.status == 0, "\(result.stderr)")
        let record = try TestSupport.decodeRecord(try #require(folder))
        let check = try #require(record.pdf?.textCheck)
        #expect(check.itemsChecked == 6 && check.found == 5, "\(check)")
        #expect(check.missing == ["reply 5 by @chenjing: '居民意见规划港口的新市政府今天公布'"], "\(check.missing)")
        #expect(record.warnings.contains { $0.step.rawValue == "pdf-check" && $0.message.contains("@chenjing") })
        // The PDF really wraps inside the words (else this test would prove nothing).
        let text = try PDFDocument(path: try #require(folder).appendingPathComponent("data/page.pdf").path).text
        #expect(text.contains("市政府今天公\n") && text.contains("港の遊歩道は\n"), "\(text.prefix(300))")
    }

    @Test("--pdf single: one page as wide as the viewport, at most 200 inches, continued on further pages")
    func singlePage() async throws {
        let (short, shortFolder) = try await capture("/sample-thread/", ["--pdf", "single"])
        #expect(short.status == 0)
        let one = try TestSupport.decodeRecord(try #require(shortFolder))
        #expect(one.pdf?.layout == "single" && one.pdf?.pageCount == 1)
        #expect(one.pdf?.pageSizesPoints.first?.first == 960)
        let (long, longFolder) = try await capture("/long-thread/", ["--pdf", "single"])
        #expect(long.status == 0)
        let many = try TestSupport.decodeRecord(try #require(longFolder))
        let sizes = try #require(many.pdf?.pageSizesPoints)
        #expect(sizes.count >= 2 && sizes.allSatisfy { $0[0] == 960 && $0[1] <= 14_400 }, "\(sizes)")
        #expect(many.pdf?.textCheck.missing.isEmpty == true)
        let info = try await TestSupport.run("/usr/bin/env", ["pdfinfo", try #require(longFolder).appendingPathComponent("data/page.pdf").path])
        #expect(info.status == 0)
    }

    @Test("--no-pdf makes none, and the record, completeness and report say so")
    func noPDF() async throws {
        let (run, folder) = try await capture("/sample-thread/", ["--no-pdf"])
        #expect(run.status == 0)
        let bag = try #require(folder)
        let record = try TestSupport.decodeRecord(bag)
        #expect(record.pdf == nil && !FileManager.default.fileExists(atPath: bag.appendingPathComponent("data/page.pdf").path))
        #expect(record.completeness.form.contains { $0.name == "PDF" && !$0.captured && $0.detail == "not made (--no-pdf)" })
        let report = try await ReportParser.parse(bag.appendingPathComponent("report.html"))
        #expect(report.text.contains("no PDF was made (--no-pdf)") && report.emptyCells == 0)
    }

    @Test("page text with <script>, <img onerror> and </title> appears literally in the report, never as markup")
    func hostileText() async throws {
        let (run, folder) = try await capture("/hostile-text/")
        #expect(run.status == 0, "\(run.stderr)")
        let bag = try #require(folder)
        let report = try await ReportParser.parse(bag.appendingPathComponent("report.html"))
        #expect(report.scripts == 0 && report.handlers.isEmpty, "\(report.handlers)")
        #expect(report.images == ["report-files/post.png", "report-files/pdf-page-1.png"])
        #expect(report.text.contains(#"Look: <script>alert("report")</script> and <img src=x onerror="alert(1)"> and </title> &amp; done."#))
        #expect(report.text.contains(#"Mallory </td></tr> "&" Author"#))
        #expect(report.text.contains("Page title" + "Breaking: </title><script>alert(1)</script> <img src=x onerror=alert(1)>"))
        #expect(report.emptyCells == 0)
        let html = try String(contentsOf: bag.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(!html.lowercased().contains("<script") && !html.lowercased().contains("<iframe"))
    }

    @Test("exhibit timestamp rewrites report.html and report.pdf with the new token, and the bag stays valid")
    func reportAfterLaterTimestamp() async throws {
        let (run, folder) = try await capture("/sample-thread/")
        #expect(run.status == 0)
        let bag = try #require(folder)
        let before = try String(contentsOf: bag.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(before.contains("No trusted timestamp"))
        let payloadManifest = try Data(contentsOf: bag.appendingPathComponent("manifest-sha256.txt"))
        let tsa = try await LoopbackTSA.shared.value
        let stamp = try await TestSupport.exhibit(["timestamp", bag.path, "--tsa", tsa.url("rsa"), "--tsa-roots", tsa.caFile])
        #expect(stamp.status == 0 && stamp.stdout.contains("report rewritten"), "\(stamp.stderr)")
        let report = try await ReportParser.parse(bag.appendingPathComponent("report.html"))
        let records = try BagStamper(root: bag).existingRecords()
        let token = try #require(records.first)
        #expect(!report.text.contains("No trusted timestamp"))
        #expect(report.text.contains(token.genTime) && report.text.contains(token.serialNumber) && report.text.contains(token.policy))
        #expect(report.text.contains(tsa.url("rsa")) && report.emptyCells == 0)
        let reportPDF = TestSupport.normalised(try PDFDocument(path: bag.appendingPathComponent("report.pdf").path).text)
        #expect(reportPDF.contains(token.serialNumber))
        #expect(try Data(contentsOf: bag.appendingPathComponent("manifest-sha256.txt")) == payloadManifest)
        let verify = try await TestSupport.exhibit(["verify", bag.path, "--trust-roots", tsa.caFile])
        #expect(verify.status == 0, "\(verify.stdout)")
        let bagit = try await TestSupport.run("/usr/bin/env", ["python3", "-m", "bagit", "--validate", bag.path])
        #expect(bagit.stderr.contains("is valid"), "\(bagit.stderr)")
    }
}

extension ReportTests {
    @Test("a capture made before reports existed is still stamped, and the command says it wrote no report")
    func timestampOlderCapture() async throws {
        // Captures of the earlier layout had no web archive either.
        let (run, folder) = try await capture("/sample-thread/", ["--no-pdf", "--no-warc"])
        #expect(run.status == 0)
        let bag = try #require(folder)
        // Make it look like a capture of the earlier layout: no report, no profile sections.
        for name in [CaptureReport.htmlFile, CaptureReport.pdfFile, CaptureReport.imagesFolder, "data/post.json"] {
            try FileManager.default.removeItem(at: bag.appendingPathComponent(name))
        }
        let json = bag.appendingPathComponent("data/capture.json")
        var record = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        for key in ["profile", "actions", "expansion", "completeness"] { record.removeValue(forKey: key) }
        try JSONSerialization.data(withJSONObject: record).write(to: json)
        let payload = try ["screenshot.png", "dom.html", "capture.json"].map { try PayloadFile.hash($0, in: bag, mediaType: "application/octet-stream") }
        try BagWriter(root: bag).write(payload: payload, info: [], baggingDate: Date())

        let tsa = try await LoopbackTSA.shared.value
        let stamp = try await TestSupport.exhibit(["timestamp", bag.path, "--tsa", tsa.url("rsa"), "--tsa-roots", tsa.caFile])
        #expect(stamp.status == 0, "\(stamp.stderr)")
        #expect(stamp.stdout.contains("no report written: this capture was made by an Exhibit version without capture reports"))
        #expect(!FileManager.default.fileExists(atPath: bag.appendingPathComponent(CaptureReport.htmlFile).path))
        let verify = try await TestSupport.exhibit(["verify", bag.path, "--trust-roots", tsa.caFile])
        #expect(verify.status == 0, "\(verify.stdout)")
    }
}

extension ISO8601DateFormatter {
    static var withMilliseconds: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}

@Suite("Captures over HTTPS", .hangGuard)
struct HTTPSCaptureTests {
    @Test("the server's TLS connection is recorded in capture.json and shown in the report")
    func tlsRecorded() async throws {
        let server = try LoopbackHTTPS(root: TestSupport.fixtures)
        let out = TestSupport.temporaryFolder("https")
        let run = try await TestSupport.exhibit(["capture", server.baseURL + "/sample-thread/index.html", "--out", out.path, "--quiet",
                                                 "--browser-arg=--ignore-certificate-errors-spki-list=\(server.spkiHash)"])
        #expect(run.status == 0, "\(run.stderr)")
        let folder = out.appendingPathComponent(try #require(TestSupport.visibleFolders(in: out).first))
        let record = try TestSupport.decodeRecord(folder)
        let tls = try #require(record.http.tls)
        #expect(tls.protocolName.hasPrefix("TLS 1.") && !tls.cipher.isEmpty)
        #expect(tls.subjectName == "127.0.0.1" && tls.issuer == "127.0.0.1")
        #expect(tls.validFrom < tls.validTo && tls.validTo.hasSuffix("Z"))
        #expect(record.http.remoteAddress?.port == server.port)
        #expect(record.options.browserArguments == ["--ignore-certificate-errors-spki-list=\(server.spkiHash)"])
        let report = try await ReportParser.parse(folder.appendingPathComponent("report.html"))
        #expect(report.text.contains("\(tls.protocolName), \(tls.cipher)") && report.text.contains("certificate for 127.0.0.1 issued by 127.0.0.1"))
        #expect(report.emptyCells == 0)
    }
}
