import Capture
import DevTools
import Foundation
import Testing

/// The `exhibit` binary as a user runs it: exit codes, one-line errors, stdout and stderr.
@Suite("exhibit command line", .serialized, .hangGuard)
struct CommandLineTests {
    @Test("success: exit 0, the capture folder on stdout, a progress line per step on stderr")
    func capturePrintsFolder() async throws {
        let out = TestSupport.temporaryFolder()
        let run = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + "/sample-thread/", "--out", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        let folder = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(folder.hasPrefix(out.path + "/"))
        #expect(FileManager.default.fileExists(atPath: folder + "/data/capture.json"))
        for step in ["launch", "navigate", "settle", "prepare", "screenshot", "pdf", "dom", "metadata", "bag"] {
            #expect(run.stderr.range(of: #"\[\s*\d+\.\d\ds\] "# + step, options: .regularExpression) != nil, "no \(step) line")
        }
        #expect(run.stderr.contains("sha256 "))
    }

    @Test("a reader of stderr and stdout that goes away (| head) loses the progress lines, not the capture: exit 0, a whole capture, no browser left")
    func closedOutputPipes() async throws {
        let out = TestSupport.temporaryFolder(), tmp = TestSupport.temporaryFolder("tmpdir")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestSupport.exhibit)
        process.arguments = TestSupport.forFixtures(["capture", try await TestSupport.baseURL() + "/sample-thread/", "--out", out.path])
        process.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": tmp.path]) { $1 }
        let errors = Pipe(), output = Pipe()
        process.standardError = errors
        process.standardOutput = output
        try process.run()
        // Both readers are gone before the first progress line is written.
        try errors.fileHandleForReading.close()
        try output.fileHandleForReading.close()
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { process.waitUntilExit(); continuation.resume() }
        }
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "status \(process.terminationStatus)")
        let folders = TestSupport.visibleFolders(in: out)
        #expect(folders.count == 1)
        if let folder = folders.first {
            #expect(try TestSupport.decodeRecord(out.appendingPathComponent(folder)).state == .complete)
        }
        let left = try await TestSupport.run("/usr/bin/pgrep", ["-af", "--", tmp.path]).stdout
        #expect(left.isEmpty, "browser processes left: \(left)")
    }

    @Test("--json prints a machine-readable summary on stdout; --quiet silences stderr")
    func jsonAndQuiet() async throws {
        let out = TestSupport.temporaryFolder()
        let run = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + "/sample-thread/",
                                                 "--out", out.path, "--json", "--quiet"])
        #expect(run.status == 0)
        #expect(run.stderr.isEmpty, "\(run.stderr)")
        struct Summary: Decodable {
            let folder: String, captureId: String, state: String, httpStatus: Int
            struct File: Decodable { let name: String; let size: Int; let sha256: String }
            let files: [File]
        }
        let summary = try JSONDecoder().decode(Summary.self, from: Data(run.stdout.utf8))
        #expect(summary.state == "complete" && summary.httpStatus == 200)
        #expect(summary.files.map(\.name).sorted() == ["archive.warc.gz", "capture.json", "dom.html", "page.pdf", "post.json", "screenshot.png"])
        #expect(FileManager.default.fileExists(atPath: summary.folder))
    }

    /// Each bad input: its arguments, the exit code and a phrase of the one-line error.
    static let badInputs: [(String, [String], Int32, String)] = [
        ("malformed URL", ["capture", "http//missing-colon"], 2, "malformed URL"),
        ("no host", ["capture", "https://"], 2, "malformed URL"),
        ("javascript: scheme", ["capture", "javascript:alert(1)"], 2, "unsupported URL scheme 'javascript:'"),
        ("data: scheme", ["capture", "data:text/html,<h1>x</h1>"], 2, "unsupported URL scheme 'data:'"),
        ("missing browser", ["capture", "http://127.0.0.1:9/", "--browser", "/nonexistent"], 2, "browser not found: /nonexistent"),
        ("bad scale", ["capture", "http://127.0.0.1:9/", "--scale", "7"], 2, "--scale must be 1, 2 or 3"),
        ("unknown option", ["capture", "http://127.0.0.1:9/", "--frobnicate"], 2, "frobnicate"),
        ("private address that is a name", ["capture", "http://10.1.2.3/", "--allow-private-address", "intranet.example"], 2,
         "--allow-private-address 'intranet.example' is not an IP address"),
    ]

    @Test("usage errors exit 2 with one clear line, before any browser starts", arguments: badInputs.indices)
    func usageErrors(index: Int) async throws {
        let (label, arguments, code, phrase) = Self.badInputs[index]
        let out = TestSupport.temporaryFolder()
        let run = try await TestSupport.exhibit(arguments + ["--out", out.path])
        #expect(run.status == code, "\(label): exit \(run.status), \(run.stderr)")
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.first?.hasPrefix("exhibit: error: ") == true, "\(label): \(run.stderr)")
        #expect(lines.first?.contains(phrase) == true, "\(label): \(run.stderr)")
        #expect(run.stdout.isEmpty)
        #expect(TestSupport.visibleFolders(in: out).isEmpty)
    }

    @Test("an unwritable output folder is a usage error")
    func unwritableOutput() async throws {
        let file = TestSupport.temporaryFolder().appendingPathComponent("a-file")
        try Data("x".utf8).write(to: file)
        let base = try await TestSupport.baseURL()
        let underFile = try await TestSupport.exhibit(["capture", base + "/sample-thread/", "--out", file.path + "/sub"])
        #expect(underFile.status == 2, "\(underFile.stderr)")
        #expect(underFile.stderr.hasPrefix("exhibit: error: cannot create output folder"), "\(underFile.stderr)")
        let isFile = try await TestSupport.exhibit(["capture", base + "/sample-thread/", "--out", file.path])
        #expect(isFile.status == 2)
        #expect(isFile.stderr.contains("is a file, not a folder"), "\(isFile.stderr)")
    }

    @Test("a closed port and an unresolvable host fail with exit 1, a one-line reason, and no folder that looks complete")
    func networkFailures() async throws {
        // A port that was free a moment ago: bind, note, close.
        let closed = try await TestSupport.run("/usr/bin/env", ["python3", "-c",
            "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1]); s.close()"])
        let port = closed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        for (url, phrase) in [("http://127.0.0.1:\(port)/post/1", "connection refused"),
                              ("http://no-such-host.invalid/post/1", "does not resolve")] {
            let out = TestSupport.temporaryFolder()
            let run = try await TestSupport.exhibit(["capture", url, "--out", out.path, "--quiet"])
            #expect(run.status == 1, "\(url): \(run.stderr)")
            #expect(run.stderr.hasPrefix("exhibit: error: navigate failed for \(url): "), "\(run.stderr)")
            #expect(run.stderr.contains(phrase), "\(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count == 1)
            #expect(run.stdout.isEmpty)
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []).isEmpty,
                    "a failed capture left something behind")
        }
    }

    @Test("a 404 or 500 page is captured, its status recorded and printed as a warning", arguments: [404, 500])
    func httpErrorPages(status: Int) async throws {
        let out = TestSupport.temporaryFolder()
        let run = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + "/_status/\(status)", "--out", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("warning: the page answered HTTP \(status)"), "\(run.stderr)")
        let record = try TestSupport.decodeRecord(URL(fileURLWithPath: run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(record.http.status == status)
        #expect(record.warnings.contains { $0.message.contains("HTTP \(status)") })
    }

    @Test("redirects are followed and recorded; the final URL is the one after them")
    func redirects() async throws {
        let base = try await TestSupport.baseURL()
        let out = TestSupport.temporaryFolder()
        let run = try await TestSupport.exhibit(["capture", base + "/_redirect?to=/sample-thread/", "--out", out.path, "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let record = try TestSupport.decodeRecord(URL(fileURLWithPath: run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(record.finalURL == base + "/sample-thread/")
        #expect(record.redirects.first?.status == 302)
        #expect(record.redirects.first?.location == "/sample-thread/")
    }

    @Test("--proxy, --user-agent and --browser-arg reach the browser and are recorded in capture.json")
    func passThrough() async throws {
        let base = try await TestSupport.baseURL()
        let out = TestSupport.temporaryFolder()
        // The .invalid host resolves nowhere: the page loads only if the request went through the proxy
        // (the fixture server answers proxy-form requests too), and it echoes the headers it got.
        let run = try await TestSupport.exhibit(["capture", "http://proxied.invalid/_echo/headers", "--out", out.path, "--quiet",
                                                 "--proxy", base, "--user-agent", "ExhibitTest/1.0 (+evidence)",
                                                 "--browser-arg=--lang=nl", "--browser-arg", "--disable-gpu"])
        #expect(run.status == 0, "\(run.stderr)")
        let folder = URL(fileURLWithPath: run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let record = try TestSupport.decodeRecord(folder)
        let dom = try String(contentsOf: folder.appendingPathComponent("data/dom.html"), encoding: .utf8)
        #expect(dom.contains("GET http://proxied.invalid/_echo/headers"), "request did not come through the proxy")
        #expect(dom.contains("User-Agent: ExhibitTest/1.0 (+evidence)"))
        #expect(record.options.proxy == base)
        #expect(record.options.userAgent == "ExhibitTest/1.0 (+evidence)")
        #expect(record.browser.userAgent == "ExhibitTest/1.0 (+evidence)")
        #expect(record.options.browserArguments == ["--lang=nl", "--disable-gpu"])
        let commandLine = record.browser.commandLine ?? []
        #expect(commandLine.contains("--proxy-server=\(base)"))
        #expect(commandLine.contains("--lang=nl") && commandLine.contains("--disable-gpu"))
    }

    @Test("--browser-url attaches to a running browser, which is left running")
    func attachFromCommandLine() async throws {
        let owner = try await LaunchedBrowser().open()
        let port = try #require(URLComponents(string: owner.endpoint)?.port)
        let out = TestSupport.temporaryFolder()
        let run = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + "/sample-thread/",
                                                 "--out", out.path, "--quiet", "--browser-url", "http://127.0.0.1:\(port)"])
        #expect(run.status == 0, "\(run.stderr)")
        let record = try TestSupport.decodeRecord(URL(fileURLWithPath: run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(record.browser.mode.rawValue == "attached")
        #expect(record.browser.endpoint == owner.endpoint)
        #expect(record.browser.commandLine == nil)
        _ = try await owner.connection.send(BrowserCommands.GetVersion())
        // Neither the captured page's context nor the report's is left behind in someone else's
        // browser, also when the capture fails after the report's page was opened (while settling).
        #expect(try await Self.contexts(of: owner).isEmpty, "contexts left after a capture")
        let failed = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + "/blank-band/", "--strict",
                                                    "--out", out.path, "--quiet", "--browser-url", "http://127.0.0.1:\(port)"])
        #expect(failed.status == 1, "\(failed.stderr)")
        #expect(try await Self.contexts(of: owner).isEmpty, "contexts left after a failed capture")
        await owner.close()
    }

    /// The browser contexts a browser has besides its default one.
    static func contexts(of browser: BrowserHandle) async throws -> [String] {
        struct NoParameters: Encodable, Sendable {}
        struct Answer: Decodable { struct Result: Decodable { let browserContextIds: [String] }; let result: Result }
        let data = try await browser.connection.sendRaw(method: "Target.getBrowserContexts", params: NoParameters(), sessionId: nil, timeout: nil)
        return try JSONDecoder().decode(Answer.self, from: data).result.browserContextIds
    }

    @Test("--help documents the exit codes")
    func helpShowsExitCodes() async throws {
        let run = try await TestSupport.exhibit(["--help"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("0 captured; 1 capture failed; 2 usage error"))
        #expect(run.stdout.contains("5 refused by the network policy"))
    }
}
