import Capture
import Foundation
import PDFTools
import Testing

/// A page that tries to bend the record (`Fixtures/hostile-page/`): dialogs that would stall the
/// capture, a forged `document.title` and `outerHTML`, text swapped while printing, and an element
/// two million pixels wide. Captured through the binary.
@Suite("Hostile pages cannot bend the record", .serialized, .hangGuard)
struct HostilePageTests {
    func capture(_ extra: [String] = []) async throws -> (TestSupport.Output, URL?) {
        let out = TestSupport.temporaryFolder("hostile")
        let run = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + "/hostile-page/", "--out", out.path] + extra)
        return (run, TestSupport.visibleFolders(in: out).first.map { out.appendingPathComponent($0) })
    }

    @Test("dialogs are dismissed and recorded, the DOM and title come from the protocol, the print swap and the width are caught")
    func everyTrick() async throws {
        let (run, captured) = try await capture()
        #expect(run.status == 0, "\(run.stderr)")
        let folder = try #require(captured)
        let record = try TestSupport.decodeRecord(folder)
        // Dialogs: answered at once, each an action with its text.
        let dialogs = record.actions.filter { $0.kind == .dialog }
        #expect(dialogs.contains { $0.label == "an alert on load" && $0.detail?.hasPrefix("alert dialog") == true }, "\(record.actions)")
        #expect(dialogs.contains { $0.label == "a confirm later" } && dialogs.contains { $0.label == "a prompt" }, "\(dialogs)")
        // The page's forgeries reach neither dom.html nor the record.
        #expect(record.pageTitle == "The real title")
        let dom = try String(contentsOf: folder.appendingPathComponent("data/dom.html"), encoding: .utf8)
        // (The forgery's text is in the page's own script, so it is in dom.html as script source; the
        // forged serialisation, had it been used, would be the whole file.)
        #expect(dom.hasPrefix("<!DOCTYPE html>") && dom.contains("<h1>The real text of the page</h1>"))
        #expect(!dom.hasPrefix("<html><body>forged DOM"))
        // The text swapped by beforeprint is a warning of the pdf step, and the capture is not complete.
        #expect(record.warnings.contains { $0.step == .pdf && $0.message.contains("DOM changed") && $0.message.contains("beforeprint") },
                "\(record.warnings)")
        #expect(record.state == .partial && record.completeness.summary.contains("the page changed while it was captured"))
        // Two million pixels wide: cut at --max-width and said so.
        #expect(record.screenshot.cssWidth == 16_384 && record.screenshot.pixelWidth == 16_384)
        #expect((record.screenshot.documentWidth ?? 0) >= 2_000_000, "\(String(describing: record.screenshot.documentWidth))")
        #expect(record.completeness.summary.contains("page cut at --max-width ("), "\(record.completeness.summary)")
        #expect(record.warnings.contains { $0.step == .screenshot && $0.message.contains("over --max-width 16384") })
        let png = try await TestSupport.run("/usr/bin/pngcheck", [folder.appendingPathComponent("data/screenshot.png").path])
        #expect(png.status == 0, "\(png.stdout)")
        // Links in the PDF to a script, a local file and a network share are recorded, and kept as printed.
        let unsafe = record.pdf?.unsafeLinks ?? []
        #expect(unsafe.sorted() == ["page 1: file:///etc/passwd", "page 1: javascript:alert(1)", "page 1: smb://fileserver/share/x"], "\(unsafe)")
        #expect(record.pdf?.unsafeLinksRemoved == false)
        #expect(record.warnings.contains { $0.step == .pdfCheck && $0.message.contains("3 unsafe target(s), kept as printed") })
    }

    @Test("--pdf-strip-unsafe-links removes them before hashing, keeps the web link, records it, and the bag verifies")
    func stripUnsafeLinks() async throws {
        let (run, captured) = try await capture(["--pdf-strip-unsafe-links"])
        #expect(run.status == 0, "\(run.stderr)")
        let folder = try #require(captured)
        let record = try TestSupport.decodeRecord(folder)
        #expect(record.pdf?.unsafeLinks?.count == 3 && record.pdf?.unsafeLinksRemoved == true)
        let links = try PDFDocument(path: folder.appendingPathComponent("data/page.pdf").path).links().map(\.target)
        #expect(links == ["https://example.org/ok"], "\(links)")
        #expect(record.pdf?.sha256AsPrinted != record.files.first { $0.name == "page.pdf" }?.sha256)
        let verify = try await TestSupport.exhibit(["verify", folder.path])
        #expect(verify.status == 0, "\(verify.stdout)")
    }

    @Test("under --strict the page that changed while printed fails the capture, naming the step, and the partial folder is kept")
    func strictFails() async throws {
        let (run, captured) = try await capture(["--strict"])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(captured == nil)
        let last = run.stderr.split(separator: "\n").last ?? ""
        #expect(last.hasPrefix("exhibit: error: pdf failed for ") && last.contains("DOM changed") && last.contains("(--strict)"), "\(run.stderr)")
        #expect(last.contains("incomplete output kept in"), "\(last)")
    }
}
