import Capture
import DevTools
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PlatformProfiles
import Synchronization
import Testing
import WebArchive

/// Issue 15's promises about the archive, checked by tools Exhibit did not write: pywb replays
/// `data/archive.wacz` as it is (seen by OCR on a screenshot of the replay, not by Exhibit's own
/// reader), and the investigator's credentials are in no byte of the capture.
@Suite("Replaying the archive in pywb, and no secret in it", .serialized, .hangGuard)
struct ArchiveReplayTests {
    static let venv = TestSupport.packageRoot.appendingPathComponent(".venv-webarchive/bin")
    static var hasPywb: Bool {
        ["wb-manager", "wayback"].allSatisfy { FileManager.default.isExecutableFile(atPath: venv.appendingPathComponent($0).path) }
    }
    static let tesseract = "/usr/bin/tesseract"
    static var hasTesseract: Bool { FileManager.default.isExecutableFile(atPath: tesseract) }

    @Test("pywb, started on loopback from data/archive.wacz, replays the sample thread: OCR of a screenshot of the replay reads the post and a reply, its DOM holds the post's text, and every byte came from pywb, none from the live fixture",
          .enabled(if: hasPywb, "pywb absent (.venv-webarchive; run scripts/install-deps.sh)"),
          .enabled(if: hasTesseract, "tesseract absent (Debian package tesseract-ocr; run scripts/install-deps.sh)"))
    func pywbReplaysTheCapture() async throws {
        let server = try await TestSupport.server.value
        // A query no other test asks for, so the fixture server's log tells whether this page was
        // fetched from it again while the replay ran.
        let marker = "replay-" + UUID().uuidString.prefix(8).lowercased()
        let out = TestSupport.temporaryFolder("replay")
        let run = try await TestSupport.exhibit(["capture", server.baseURL + "/sample-thread/?" + marker, "--out", out.path,
                                                 "--quiet", "--wacz", "--no-pdf"])
        try #require(run.status == 0, "\(run.stderr)")
        let folder = URL(fileURLWithPath: run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let record = try TestSupport.decodeRecord(folder)
        let post = try JSONDecoder().decode(PostData.self, from: Data(contentsOf: folder.appendingPathComponent("data/post.json")))
        let postText = try #require(post.post?.text)
        let replyText = try #require(post.post?.replies.first?.text)
        let url = record.finalURL
        #expect(url.contains(marker))
        let fetchedWhileCapturing = server.requests.filter { $0.contains(marker) }.count
        #expect(fetchedWhileCapturing >= 1)

        // The response record of the page, whose date names the capture in pywb's URL.
        let warc = folder.appendingPathComponent("data/archive.warc.gz").path
        let page = try #require(ArchiveRecordingTests.first(try ArchiveRecordingTests.records(warc), "response", url), "no response record for \(url)")
        let recorded = try #require(page.info.header["WARC-Date"].flatMap(WARCDate.parse), "no WARC-Date on the page's record")

        let pywb = try await Pywb.start(wacz: folder.appendingPathComponent("data/archive.wacz"), url: url)
        // pywb's own replay URL, as a person opens it: the banner above a frame that holds the page
        // (`…/coll/<timestamp>mp_/<url>`). Opening that frame's URL alone, without the banner, does
        // not work in pywb 2.10: its wombat.js sends a top-level mp_ page back into the frame.
        let replayURL = "http://127.0.0.1:\(pywb.port)/coll/\(WARCDate.timestamp14(recorded))/" + url
        let replay: Replay
        do {
            replay = try await Self.open(replayURL)
        } catch {
            await pywb.stop()
            throw error
        }
        await pywb.stop()
        let log = pywb.logText
        print("pywb log (sample thread replay):\n\(log)")

        // Recorded, not live: the page was not asked of the fixture server again, and every
        // request of the replay went to pywb (whose collection has no live fallback).
        #expect(server.requests.filter { $0.contains(marker) }.count == fetchedWhileCapturing, "the fixture served the page during the replay")
        let pywbOrigin = "http://127.0.0.1:\(pywb.port)/"
        let elsewhere = replay.requests.filter { !$0.hasPrefix(pywbOrigin) && !$0.hasPrefix("data:") && !$0.hasPrefix("blob:") }
        #expect(elsewhere.isEmpty, "requests of the replay not to pywb: \(elsewhere)")
        // The frame's document is the archived page: pywb gives it the record's date as
        // Memento-Datetime, which a live answer never has.
        let frame = try #require(replay.documents.first { $0.url == "http://127.0.0.1:\(pywb.port)/coll/\(WARCDate.timestamp14(recorded))mp_/" + url },
                                 "no document at the frame's URL: \(replay.documents.map(\.url))")
        #expect(frame.status == 200)
        #expect(frame.mementoDatetime == Self.httpDate(recorded), "Memento-Datetime \(frame.mementoDatetime ?? "none"), the record's date \(Self.httpDate(recorded))")
        #expect(replay.failed.isEmpty, "replay requests that failed: \(replay.failed)\n\(log)")
        // Every part of the page was in the archive (Chromium's own /favicon.ico for pywb's top page
        // is no part of it: the sample declares a data: icon).
        // Only the collection's URLs count: other suites' port scanners (the DevTools-port thief
        // asks every loopback port for /json/list) reach pywb too.
        let missing = log.split(separator: "\n").filter { $0.contains("\" 404 ") && $0.contains(" /coll/") && !$0.contains("/favicon.ico") }
        #expect(missing.isEmpty, "pywb found no record for part of the page: \(missing)")

        // The DOM pywb served holds the post and the reply (the weaker proof: text can be in a DOM
        // and not on screen).
        let dom = TestSupport.normalised(replay.text)
        #expect(dom.contains(TestSupport.normalised(postText)), "the replayed DOM lacks the post's text")
        #expect(dom.contains(TestSupport.normalised(replyText)), "the replayed DOM lacks the first reply's text")

        // The pixels: tesseract reads the screenshot of the replay.
        let png = out.appendingPathComponent("replay.png")
        try replay.screenshot.write(to: png)
        let ocr = try await TestSupport.run(Self.tesseract, [png.path, "-", "-l", "eng"])
        #expect(ocr.status == 0, "\(ocr.stderr)")
        let read = Self.words(ocr.stdout)
        print("tesseract read from the replay (\(replay.screenshot.count) bytes of PNG):\n\(ocr.stdout)")
        for (name, text) in [("post", postText), ("first reply", replyText)] {
            let wanted = Self.distinctiveWords(text)
            let found = wanted.filter { read.contains($0) }
            #expect(wanted.count >= 4, "too few distinctive words in the \(name): \(text)")
            // OCR may misread a word; a replay that does not show the text matches none.
            #expect(found.count >= wanted.count - 1, "the \(name)'s words \(wanted) on screen: only \(found) read")
        }
    }

    @Test("the investigator's session cookie and the bearer token its page sends from the session's localStorage are in no byte of the capture (WARC raw and gunzipped, WACZ and each entry, every file, the PDFs' text, the command's output), only as [redacted sha256:<hex>]; capture.json and the warcinfo record list the redaction")
    func sessionSecretsRedacted() async throws {
        let base = try await TestSupport.baseURL()
        // Values no fixture and no other test holds, made fresh for this run.
        let cookieValue = "sc-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let token = "tk-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let sessionFolder = TestSupport.temporaryFolder("secret-session")
        let session = sessionFolder.appendingPathComponent("investigator.json")
        let state: [String: Any] = [
            "cookies": [["name": "fixture_session", "value": cookieValue, "domain": "127.0.0.1", "path": "/", "expires": -1,
                         "httpOnly": true, "secure": false, "sameSite": "Lax"]],
            "origins": [["origin": base, "localStorage": [["name": "api-token", "value": token]]]],
        ]
        try JSONSerialization.data(withJSONObject: state).write(to: session)
        chmod(session.path, 0o600)
        let out = TestSupport.temporaryFolder("secret-capture")
        let run = try await TestSupport.exhibit(["capture", base + "/archive-secrets/", "--out", out.path, "--quiet", "--wacz", "--session", session.path])
        try #require(run.status == 0, "\(run.stderr)")
        let folder = URL(fileURLWithPath: run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        for secret in [cookieValue, token] {
            #expect(!run.stdout.contains(secret) && !run.stderr.contains(secret), "the command printed a secret")
        }

        // What the browser sent: the cookie alone (the page sets none), and the page's bearer token.
        let sent = ["Cookie": "fixture_session=" + cookieValue, "Authorization": "Bearer " + token]
        let warc = folder.appendingPathComponent("data/archive.warc.gz")
        let text = try await ArchiveRecordingTests.gunzipped(warc.path)
        #expect(text.contains("GET /archive-secrets/feed.json HTTP/1.1\r\n"), "the page's API request is not in the archive")
        for secret in [cookieValue, token] { #expect(!text.contains(secret), "a secret is in the gunzipped WARC") }

        // Every byte of the capture, read by Python: each file raw and, when it is gzip, gunzipped
        // (all members); each entry of each ZIP (the WACZ) the same way. Also the replacement each
        // header should have, computed here with hashlib rather than by Exhibit's own code.
        let files = try FileManager.default.subpathsOfDirectory(atPath: folder.path).map { folder.appendingPathComponent($0).path }
            .filter { var directory: ObjCBool = false; return FileManager.default.fileExists(atPath: $0, isDirectory: &directory) && !directory.boolValue }
        let query = try JSONSerialization.data(withJSONObject: ["secrets": [cookieValue, token], "sent": sent, "files": files])
        let queryFile = sessionFolder.appendingPathComponent("query.json")
        try query.write(to: queryFile)
        let sweep = try await TestSupport.run("/usr/bin/env", ["python3", "-c", Self.sweep, queryFile.path])
        try #require(sweep.status == 0, "\(sweep.stderr)")
        let found = try JSONDecoder().decode(Sweep.self, from: Data(sweep.stdout.utf8))
        #expect(found.secretsIn.isEmpty, "secrets found in: \(found.secretsIn)")
        print("secrets searched for in \(found.read.count) files and entries; redacted forms found: \(found.redactedIn)")
        let wacz = folder.appendingPathComponent("data/archive.wacz").path
        for entry in [warc.path + " (gunzipped)", wacz, wacz + "!archive/data.warc.gz (gunzipped)", wacz + "!indexes/index.cdx",
                      wacz + "!pages/pages.jsonl", wacz + "!datapackage.json", folder.appendingPathComponent("data/capture.json").path,
                      folder.appendingPathComponent("data/post.json").path, folder.appendingPathComponent("report.html").path] {
            #expect(found.read.contains(entry), "not searched: \(entry); searched \(found.read)")
        }
        for (name, _) in sent {
            let line = try #require(found.replacement[name])
            #expect(text.contains(line), "no '\(line)' in the WARC")
            #expect(found.redactedIn[name]?.contains(wacz + "!archive/data.warc.gz (gunzipped)") == true, "no redacted \(name) in the WACZ's WARC")
            // Exhibit's own formula gives the same line.
            #expect(line == "\(name): " + HeaderRedaction.replacement(for: sent[name] ?? ""))
        }
        // The PDFs' text, which is compressed in the files.
        for pdf in ["data/page.pdf", "report.pdf"] {
            let pdfText = try await TestSupport.run("/usr/bin/pdftotext", [folder.appendingPathComponent(pdf).path, "-"])
            #expect(pdfText.status == 0 && !pdfText.stdout.isEmpty, "\(pdf): \(pdfText.stderr)")
            for secret in [cookieValue, token] { #expect(!pdfText.stdout.contains(secret), "a secret is in the text of \(pdf)") }
        }

        // The redaction is listed: by header and count in capture.json, as the policy in warcinfo.
        let record = try TestSupport.decodeRecord(folder)
        #expect(record.viewer?.session != nil)
        let redacted = try #require(record.archive?.redactedHeaders)
        #expect(redacted.contains { $0.name == "cookie" && $0.count >= 3 }, "the page, its script and the API request all carried the cookie: \(redacted)")
        #expect(redacted.contains { $0.name == "authorization" && $0.count == 1 }, "\(redacted)")
        let warcinfo = try #require(ArchiveRecordingTests.records(warc.path).first)
        #expect(warcinfo.info.type == "warcinfo")
        let info = String(decoding: warcinfo.block, as: UTF8.self)
        #expect(info.contains("redaction: " + HeaderRedaction.policy), "\(info)")
        #expect(info.contains("Cookie") && info.contains("Authorization"), "\(info)")
    }

    /// What the sweep script found: which file or entry holds a secret, which it read, the
    /// replacement line of each header, and where that line is.
    struct Sweep: Decodable {
        let secretsIn: [String]
        let read: [String]
        let replacement: [String: String]
        let redactedIn: [String: [String]]
    }

    /// Reads the query file named by its argument; prints a ``Sweep``.
    static let sweep = """
        import gzip, hashlib, json, sys, zipfile
        query = json.load(open(sys.argv[1]))
        secrets = [s.encode() for s in query["secrets"]]
        replacement = {name: "%s: [redacted sha256:%s]" % (name, hashlib.sha256(value.encode()).hexdigest())
                       for name, value in query["sent"].items()}
        out = {"secretsIn": [], "read": [], "replacement": replacement, "redactedIn": {name: [] for name in replacement}}
        def look(name, data):
            out["read"].append(name)
            if any(secret in data for secret in secrets):
                out["secretsIn"].append(name)
            for header, line in replacement.items():
                if line.encode() in data:
                    out["redactedIn"][header].append(name)
            if data[:2] == b"\\x1f\\x8b":
                look(name + " (gunzipped)", gzip.decompress(data))
        for path in query["files"]:
            look(path, open(path, "rb").read())
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as package:
                    for entry in package.infolist():
                        look(path + "!" + entry.filename, package.read(entry))
        print(json.dumps(out))
        """

    // MARK: - The replay browser

    /// What the replay page showed and asked for.
    struct Replay: Sendable {
        /// Every URL the page and its frame asked for.
        let requests: [String]
        /// Requests that failed or were answered 400 or more.
        let failed: [String]
        let documents: [Document]
        /// The text of the replay frame's document.
        let text: String
        let screenshot: Data

        struct Document: Sendable {
            let url: String
            let status: Int
            let mementoDatetime: String?
        }
    }

    /// The replay frame's document, once it has loaded; null before.
    static let frameDocument = "(() => { const frame = document.querySelector('iframe'); const d = frame && frame.contentDocument; return d && d.readyState === 'complete' && d.body ? d : null; })()"

    /// Opens `url` in a fresh headless Chromium, 1280 CSS px wide like the capture, waits until
    /// the page and its replay frame are loaded, the frame's fonts are ready and the network is
    /// quiet, and takes a PNG of the viewport (pywb's banner, then the post and the first replies).
    static func open(_ url: String) async throws -> Replay {
        var result: Replay?
        try await LoggedInFixtureTests.withBrowser { browser in
            let page = try await PageSession.open(on: browser.connection)
            let seen = Mutex<(requests: [String], failed: [String], documents: [Replay.Document], idle: Set<String>)>(([], [], [], []))
            let events = await page.events()
            let listener = Task {
                for await event in events {
                    switch event.method {
                    case "Network.requestWillBeSent":
                        if let sent = try? event.decode(NetworkCommands.RequestWillBeSent.self) {
                            seen.withLock { $0.requests.append(sent.request.url) }
                        }
                    case "Network.responseReceived":
                        if let received = try? event.decode(NetworkCommands.ResponseReceived.self) {
                            let response = received.response
                            seen.withLock {
                                if response.status >= 400 { $0.failed.append("\(response.status) \(response.url)") }
                                if received.type == "Document" {
                                    let memento = response.headers.first { $0.key.lowercased() == "memento-datetime" }?.value
                                    $0.documents.append(.init(url: response.url, status: response.status, mementoDatetime: memento))
                                }
                            }
                        }
                    case "Network.loadingFailed":
                        if let ended = try? event.decode(NetworkCommands.LoadingEnded.self) {
                            seen.withLock { $0.failed.append("request \(ended.requestId): \(ended.errorText ?? "failed")") }
                        }
                    case "Page.lifecycleEvent":
                        if let lifecycle = try? event.decode(PageCommands.LifecycleEvent.self), lifecycle.name == "networkIdle" {
                            seen.withLock { _ = $0.idle.insert(lifecycle.loaderId) }
                        }
                    default: break
                    }
                }
            }
            defer { listener.cancel() }
            _ = try await page.send(PageCommands.Enable())
            _ = try await page.send(PageCommands.SetLifecycleEventsEnabled())
            _ = try await page.send(NetworkCommands.Enable())
            _ = try await page.send(EmulationCommands.SetDeviceMetricsOverride(width: 1280, height: 1400, deviceScaleFactor: 1))
            let navigation = try await page.send(PageCommands.Navigate(url: url))
            if let error = navigation.errorText { throw ReplayFailure("the replay \(url) did not load: \(error)") }
            let deadline = ContinuousClock.now + .seconds(120)
            while true {
                let loaded = (try? await page.evaluate("!!\(frameDocument) && document.readyState === 'complete'", as: Bool.self)) == true
                if loaded && seen.withLock({ $0.idle.contains(navigation.loaderId ?? "") }) { break }
                guard ContinuousClock.now < deadline else {
                    throw ReplayFailure("the replay \(url) did not finish loading within 120 s: \(seen.withLock { $0.requests })")
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            _ = try await page.evaluate("\(frameDocument).fonts.ready.then(() => true)", as: Bool.self, awaitPromise: true)
            let text = try await page.evaluate("\(frameDocument).body.innerText", as: String.self) ?? ""
            // Only the viewport: the post and the first replies are at the top, and a short
            // picture keeps tesseract quick.
            let shot = try await page.send(PageCommands.CaptureScreenshot(clip: nil, captureBeyondViewport: false))
            guard let png = Data(base64Encoded: shot.data) else { throw ReplayFailure("the screenshot of \(url) is not base64") }
            await page.close()
            let state = seen.withLock { $0 }
            result = Replay(requests: state.requests, failed: state.failed, documents: state.documents, text: text, screenshot: png)
        }
        guard let result else { throw ReplayFailure("no replay of \(url)") }
        return result
    }

    /// `date` as an HTTP date (what pywb puts in Memento-Datetime).
    static func httpDate(_ date: Date) -> String {
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "UTC")
        format.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return format.string(from: date)
    }

    /// The words of `text`, lower-case, letters and digits only: what OCR output and page text are
    /// compared by.
    static func words(_ text: String) -> Set<String> {
        Set(text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init))
    }

    /// Up to six of the longest plain-Latin words of `text` (at least six letters): words OCR with
    /// English data reads reliably and that are unlikely to be on the page by chance.
    static func distinctiveWords(_ text: String) -> [String] {
        let plain = words(text).filter { $0.count >= 6 && $0.allSatisfy { $0.isASCII && $0.isLetter } }
        return Array(plain.sorted { ($0.count, $0) > ($1.count, $1) }.prefix(6))
    }

    struct ReplayFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

/// pywb's `wayback` serving one collection made from a WACZ, on a free loopback port, for one test.
/// It runs under a small Python keeper (``keeper``) that ends it when the keeper is told to, or when
/// the test process dies, so no pywb outlives the run.
final class Pywb: @unchecked Sendable {
    let port: Int
    let log: URL
    private let process: Process
    private let keepAlive: Pipe

    private init(port: Int, log: URL, process: Process, keepAlive: Pipe) {
        self.port = port; self.log = log; self.process = process; self.keepAlive = keepAlive
    }

    var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    static var bin: URL { ArchiveReplayTests.venv }

    /// Makes the collection `coll` in a new folder from `wacz` and starts `wayback` on it; returns
    /// once pywb's CDX API lists `url`.
    static func start(wacz: URL, url: String) async throws -> Pywb {
        let root = TestSupport.temporaryFolder("pywb")
        let manager = bin.appendingPathComponent("wb-manager").path
        // wb-manager works on the current folder; env -C sets it.
        let made = try await TestSupport.run("/usr/bin/env", ["-C", root.path, manager, "init", "coll"])
        guard made.status == 0 else { throw ArchiveReplayTests.ReplayFailure("wb-manager init coll: \(made.stderr)") }
        // pywb 2.10 adds a WACZ only with --unpack-wacz: it copies the WARC out of the package and
        // takes the package's own index (indexes/index.cdx) into the collection's, so what is
        // replayed is found through Exhibit's CDXJ, not an index pywb made itself.
        let added = try await TestSupport.run("/usr/bin/env", ["-C", root.path, manager, "add", "--unpack-wacz", "coll", wacz.path])
        let index = root.appendingPathComponent("collections/coll/indexes/index.cdxj")
        let lines = ((try? String(contentsOf: index, encoding: .utf8)) ?? "").split(separator: "\n")
        let indexKeys = lines.map { String($0.prefix { $0 != " " }) }
        guard added.status == 0, !lines.isEmpty else {
            throw ArchiveReplayTests.ReplayFailure("wb-manager add --unpack-wacz coll \(wacz.path) (exit \(added.status)) left no index: \(added.stderr)")
        }
        // A port found free can be taken before pywb binds it: then pywb exits and another is tried.
        var logs: [String] = []
        for attempt in 1...3 {
            let port = try await freePort()
            let log = root.appendingPathComponent("wayback-\(attempt).log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let process = Process()
            process.executableURL = bin.appendingPathComponent("python")
            process.arguments = ["-c", Self.keeper, bin.appendingPathComponent("wayback").path, "-p", String(port), "-b", "127.0.0.1", "-d", root.path]
            process.currentDirectoryURL = root
            let keepAlive = Pipe()
            process.standardInput = keepAlive
            let handle = try FileHandle(forWritingTo: log)
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            let pywb = Pywb(port: port, log: log, process: process, keepAlive: keepAlive)
            let indexed: Bool
            do { indexed = try await pywb.waitUntilIndexed(url, indexKeys: indexKeys) } catch {
                await pywb.stop()
                throw error
            }
            if indexed { return pywb }
            await pywb.stop()
            logs.append(pywb.logText)
        }
        throw ArchiveReplayTests.ReplayFailure("pywb did not start on loopback: \(logs.joined(separator: "\n---\n"))")
    }

    /// Polls pywb's CDX API until it lists `url` (true), pywb exits (false), or two minutes pass
    /// or pywb answers without it (throws, with the first of `indexKeys`).
    private func waitUntilIndexed(_ url: String, indexKeys: [String]) async throws -> Bool {
        var query = URLComponents(string: "http://127.0.0.1:\(port)/coll/cdx")
        query?.queryItems = [URLQueryItem(name: "url", value: url)]
        guard let cdx = query?.url else { throw ArchiveReplayTests.ReplayFailure("no CDX query for \(url)") }
        let session = URLSession(configuration: .ephemeral)
        var last = "no answer"
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            guard process.isRunning else { return false }
            if let answer = try? await session.data(from: cdx), let http = answer.1 as? HTTPURLResponse {
                last = "HTTP \(http.statusCode): \(String(decoding: answer.0, as: UTF8.self))"
                if http.statusCode == 200, !answer.0.isEmpty { return true }
                // pywb reads the collection's index for every query, so an empty answer is final:
                // the key pywb computes for the URL is not among the index's keys.
                if http.statusCode == 200 {
                    throw ArchiveReplayTests.ReplayFailure("pywb finds no capture of \(url) in the WACZ's index; the index's keys: "
                        + indexKeys.prefix(5).joined(separator: ", "))
                }
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw ArchiveReplayTests.ReplayFailure("pywb on port \(port) did not list \(url) within 120 s (\(last)): \(logText)")
    }

    /// Runs pywb (its arguments) and ends it on SIGTERM or when its standard input closes (the test
    /// process died: other processes the tests start may inherit the pipe's other end, so that is
    /// only the fallback). The test process starts its children with most signals blocked, and a
    /// child inherits the mask: pywb's gevent would never see SIGCHLD (it hangs at start-up, waiting
    /// for the `ldconfig -p` that fakeredis runs) and SIGTERM would not end it. So the mask is
    /// cleared first.
    static let keeper = """
        import signal, subprocess, sys, threading
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        pywb = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL)
        signal.signal(signal.SIGTERM, lambda *_: pywb.terminate())
        def orphaned():
            sys.stdin.buffer.read()
            pywb.terminate()
        threading.Thread(target=orphaned, daemon=True).start()
        sys.exit(pywb.wait())
        """

    /// Ends pywb and waits for its keeper to exit.
    func stop() async {
        try? keepAlive.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        let process = self.process
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { process.waitUntilExit(); continuation.resume() }
        }
    }

    /// A TCP port on 127.0.0.1 that nothing listens on just now.
    static func freePort() async throws -> Int {
        let run = try await TestSupport.run("/usr/bin/env", ["python3", "-c", """
            import socket
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            print(s.getsockname()[1])
            """])
        guard let port = Int(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ArchiveReplayTests.ReplayFailure("no free port: \(run.stderr)")
        }
        return port
    }
}
