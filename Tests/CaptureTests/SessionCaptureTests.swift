import Capture
import DevTools
import Evidence
import Foundation
import PlatformProfiles
import Testing

/// Issue 14 through the `exhibit` binary: a session made once by a person logging in through the
/// live view (played by a second, independent headless Chromium that clicks and types into the
/// view), then used by captures in fresh contexts, recorded, and never leaked.
@Suite("Logged-in captures: a session made once through the live view, used in fresh contexts", .serialized, .hangGuard)
struct SessionCaptureTests {
    /// The person's handle, typed into the fixture's login form through the live view.
    static let handle = "inquiry"

    /// The session store of this suite, and the session made in it (once, for every test).
    static let store = TestSupport.temporaryFolder("sessions")
    static let made = Task { () throws -> MadeSession in try await makeSession() }

    struct MadeSession: Sendable {
        let file: URL
        /// The session file's bytes as saved.
        let data: Data
        let token: String
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:] }
        let createStatus: Int32
        let createStderr: String
    }

    static var environment: [String: String] { ["EXHIBIT_SESSIONS": store.path] }
    static var profiles: String { TestSupport.packageRoot.appendingPathComponent("Profiles").path }

    /// `exhibit session create inquiry --remote` at the fixture's login form; the person opens the
    /// printed live view in their own browser, clicks the handle field in the picture, types, does
    /// the same for the password, clicks "Log in", and presses Done.
    static func makeSession() async throws -> MadeSession {
        let base = try await TestSupport.baseURL()
        try? FileManager.default.removeItem(at: store)
        let create = try RunningExhibit(["session", "create", handle, "--url", base + "/_login?next=%2Fx%2Findex.html%3Flogin", "--remote",
                                         "--allow-private", "--profile", "x", "--profiles", profiles],
                                        tmp: TestSupport.temporaryFolder("tmpdir"), environment: environment)
        try await create.waitFor("log in through the live view: ")
        let stderr = create.stderr
        guard let range = stderr.range(of: #"http://127\.0\.0\.1:[0-9]+/[0-9a-f]{64}/"#, options: .regularExpression) else {
            let (status, all) = try await create.finish()
            throw Failure("no live view address printed (exit \(status)): \(all)")
        }
        let liveView = String(stderr[range])

        // The person's own browser: where the form's fields are, in the captured browser's CSS pixels,
        // is learnt the way a person learns it, by looking: the same form in a tab of the same size.
        let person = try await LaunchedBrowser().open()
        defer { Task { await person.close() } }
        let form = try await PageSession.open(on: person.connection)
        _ = try await form.send(PageCommands.Enable())
        _ = try await form.send(EmulationCommands.SetDeviceMetricsOverride(width: 1280, height: 900, deviceScaleFactor: 1))
        _ = try await form.send(PageCommands.Navigate(url: base + "/_login"))
        try await waitUntil(form, "document.readyState === 'complete' && !!document.querySelector('#password')")
        let fields = [try await box(form, "#handle"), try await box(form, "#password"), try await box(form, "button[type=submit]")]

        let view = try await PageSession.open(on: person.connection)
        _ = try await view.send(PageCommands.Enable())
        _ = try await view.send(EmulationCommands.SetDeviceMetricsOverride(width: 1000, height: 800, deviceScaleFactor: 1))
        _ = try await view.send(PageCommands.Navigate(url: liveView))
        try await waitUntil(view, "document.getElementById('connection')?.textContent === 'Live' && document.getElementById('view').naturalWidth > 0")
        let picture = try await box(view, "#view")
        // A point of the captured browser's viewport (1280 × 900) as it shows in the picture.
        func shown(_ field: Box) -> (Double, Double) {
            (picture.left + (field.left + field.width / 2) * picture.width / 1280,
             picture.top + (field.top + field.height / 2) * picture.height / 900)
        }
        let (hx, hy) = shown(fields[0])
        try await view.click(x: hx, y: hy)
        try await Task.sleep(for: .milliseconds(300))
        _ = try await view.send(InputCommands.InsertText(text: handle))
        let (px, py) = shown(fields[1])
        try await view.click(x: px, y: py)
        try await Task.sleep(for: .milliseconds(300))
        _ = try await view.send(InputCommands.InsertText(text: "fixture-password"))
        try await Task.sleep(for: .milliseconds(300))
        let (bx, by) = shown(fields[2])
        try await view.click(x: bx, y: by)
        // Logged in once the captured browser has asked for the thread after the form (the server's log).
        let server = try await TestSupport.server.value
        let deadline = ContinuousClock.now + .seconds(60)
        while !server.requests.contains(where: { $0.contains("/x/index.html?login") }) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .seconds(2))
        try await waitUntil(view, "!document.getElementById('done').disabled")
        let done = try await box(view, "#done")
        try await view.click(x: done.left + done.width / 2, y: done.top + done.height / 2)
        let (status, all) = try await create.finish()
        let file = store.appendingPathComponent("\(handle).json")
        let data = (try? Data(contentsOf: file)) ?? Data()
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        let cookies = json["cookies"] as? [[String: Any]] ?? []
        let token = cookies.first { $0["name"] as? String == "fixture_session" }?["value"] as? String ?? ""
        return MadeSession(file: file, data: data, token: token, createStatus: status, createStderr: all)
    }

    struct Box: Decodable, Sendable { let left, top, width, height: Double }
    struct Failure: Error, CustomStringConvertible { let description: String; init(_ d: String) { description = d } }

    static func box(_ page: PageSession, _ selector: String) async throws -> Box {
        let script = "(() => { const r = document.querySelector(\(json(selector))).getBoundingClientRect(); return {left: r.left, top: r.top, width: r.width, height: r.height}; })()"
        guard let box: Box = try await page.evaluate(script) else { throw Failure("\(selector) not found") }
        return box
    }

    static func waitUntil(_ page: PageSession, _ condition: String) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if (try? await page.evaluate("!!(\(condition))", as: Bool.self)) == true { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Failure("timed out waiting for \(condition)")
    }

    static func json(_ text: String) -> String {
        String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }

    /// `exhibit capture` of a fixture page with the X profile (or `profile`) and `extra` arguments;
    /// the folder it printed, if any, with its post and record.
    static func capture(_ path: String, profile: String = "x", _ extra: [String] = []) async throws
        -> (status: Int32, stderr: String, folder: URL?, post: PostData?, record: CaptureRecord?) {
        let out = TestSupport.temporaryFolder("logged-in")
        let run = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + path, "--out", out.path, "--profile", profile,
                                                 "--profiles", profiles, "--quiet"] + extra, environment: environment)
        let name = TestSupport.visibleFolders(in: out).first
        let folder = name.map { out.appendingPathComponent($0) }
        let post = folder.flatMap { try? JSONDecoder().decode(PostData.self, from: Data(contentsOf: $0.appendingPathComponent("data/post.json"))) }
        let record = folder.flatMap { try? TestSupport.decodeRecord($0) }
        return (run.status, run.stderr, folder, post, record)
    }

    @Test("session create --remote: the person logs in through the live view; the session is saved 0600 in a 0700 folder, in Playwright's format with Exhibit's fields and the viewer's account")
    func createdThroughLiveView() async throws {
        let made = try await Self.made.value
        #expect(made.createStatus == 0, "\(made.createStderr)")
        #expect(!made.token.isEmpty, "no fixture_session cookie in \(made.json)")
        var info = stat()
        #expect(stat(made.file.path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(stat(Self.store.path, &info) == 0 && info.st_mode & 0o777 == 0o700)
        let exhibit = made.json["exhibit"] as? [String: Any]
        #expect(exhibit?["account"] as? String == "@\(Self.handle)", "\(String(describing: exhibit))")
        #expect((exhibit?["loginURL"] as? String)?.contains("/_login") == true)
        let origins = made.json["origins"] as? [[String: Any]] ?? []
        let items = origins.flatMap { $0["localStorage"] as? [[String: Any]] ?? [] }
        #expect(items.contains { $0["name"] as? String == "fixture-session" && $0["value"] as? String == made.token }, "\(origins)")
        // The password typed through the view is nowhere in the session.
        #expect(!String(decoding: (try? Data(contentsOf: made.file)) ?? Data(), as: UTF8.self).contains("fixture-password"))
        let list = try await TestSupport.exhibit(["session", "list"], environment: Self.environment)
        #expect(list.status == 0 && list.stdout.contains(Self.handle) && list.stdout.contains("@\(Self.handle)"), "\(list.stdout)\(list.stderr)")
    }

    @Test("with the session the thread is whole and the viewer is read; without it, at the same URL, the thread stops at the login wall (exit 3)")
    func wholeWithSessionCutWithout() async throws {
        let made = try await Self.made.value
        try #require(!made.token.isEmpty)
        let everyone = try await Self.capture("/x/")
        let loggedIn = try await Self.capture("/x/index.html?login", ["--session", Self.handle])
        let guest = try await Self.capture("/x/index.html?login")
        #expect(loggedIn.status == 0, "\(loggedIn.stderr)")
        #expect(guest.status == 3, "\(guest.stderr)")
        #expect(guest.stderr.contains("login wall") && !guest.stderr.contains("session"), "\(guest.stderr)")
        let whole = try #require(everyone.post?.replyCount.captured)
        #expect(loggedIn.post?.replyCount.captured == whole)
        #expect((guest.post?.replyCount.captured ?? 0) < whole, "guest saw \(guest.post?.replyCount.captured ?? -1) of \(whole)")
        // A browser holding a session has no DevTools port any local user could reach.
        #expect(loggedIn.record?.browser.transport == .pipe)
        let refused = try await Self.capture("/x/index.html?login", ["--session", Self.handle, "--transport", "websocket"])
        #expect(refused.status == 2 && refused.stderr.contains("cannot carry a session"), "\(refused.stderr)")
        let viewer = try #require(loggedIn.record?.viewer)
        #expect(viewer.state == "logged in" && viewer.account == "@\(Self.handle)")
        #expect(viewer.session?.name == Self.handle && viewer.session?.given == "--session NAME")
        #expect(viewer.session?.cookies.contains { $0.name == "fixture_session" && $0.domain == "127.0.0.1" } == true)
        #expect(viewer.session?.localStorage.contains { $0.names == ["fixture-session"] && $0.restored } == true)
        let sessionBytes = try Data(contentsOf: made.file)
        #expect(viewer.session?.sha256 == FileDigest.sha256Hex(sessionBytes))
        #expect(guest.record?.viewer?.state == "logged out" && guest.record?.viewer?.session == nil)
        if let folder = loggedIn.folder {
            let report = try String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8)
            #expect(report.contains("Captured logged in as @\(Self.handle) (session \(Self.handle), made "), "report viewer line")
        }
        if let folder = guest.folder {
            let report = try String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8)
            #expect(report.contains("Captured logged out"))
        }
    }

    @Test("no cookie or localStorage value of the session is anywhere in the capture: files, PDF streams inflated, PNG text chunks, the protocol trace")
    func valuesNeverLeak() async throws {
        let made = try await Self.made.value
        try #require(!made.token.isEmpty)
        let trace = TestSupport.temporaryFolder("trace").appendingPathComponent("trace.jsonl")
        let run = try await Self.capture("/x/index.html?login", ["--session", Self.handle, "--trace", trace.path])
        #expect(run.status == 0, "\(run.stderr)")
        let folder = try #require(run.folder)
        var values = Set<String>()
        for cookie in made.json["cookies"] as? [[String: Any]] ?? [] { if let v = cookie["value"] as? String, v.count >= 6 { values.insert(v) } }
        for origin in made.json["origins"] as? [[String: Any]] ?? [] {
            for item in origin["localStorage"] as? [[String: Any]] ?? [] { if let v = item["value"] as? String, v.count >= 6 { values.insert(v) } }
        }
        #expect(!values.isEmpty)
        // Every file as bytes, plus what is compressed inside the PDFs and PNGs, plus the trace.
        let script = """
        import sys, os, re, zlib
        root, trace = sys.argv[1], sys.argv[2]
        values = [v.encode() for v in sys.argv[3:]]
        def texts(path, data):
            yield data
            if path.endswith('.pdf'):
                for m in re.finditer(rb'stream\\r?\\n', data):
                    try: yield zlib.decompressobj().decompress(data[m.end():m.end() + 20000000])
                    except Exception: pass
            if path.endswith('.png'):
                i = 8
                while i + 8 <= len(data):
                    n = int.from_bytes(data[i:i+4], 'big'); kind = data[i+4:i+8]; body = data[i+8:i+8+n]
                    if kind in (b'zTXt', b'iTXt'):
                        for start in range(len(body)):
                            try: yield zlib.decompress(body[start:]); break
                            except Exception: pass
                    i += 12 + n
        found, files = [], 0
        paths = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs] + [trace]
        for path in paths:
            files += 1
            data = open(path, 'rb').read()
            for text in texts(path, data):
                for v in values:
                    if v in text: found.append(path)
        print(files, 'files;', 'found in: ' + ', '.join(sorted(set(found))) if found else 'none found')
        """
        let check = try await TestSupport.run("/usr/bin/python3", ["-c", script, folder.path, trace.path] + values.sorted())
        #expect(check.status == 0 && check.stdout.contains("none found"), "\(check.stdout)\(check.stderr)")
        // The check itself finds a value where one is: in plain bytes and inside a deflated PDF stream.
        let control = TestSupport.temporaryFolder("leak-control")
        let planted = try await TestSupport.run("/usr/bin/python3", ["-c", """
            import sys, zlib
            open(sys.argv[1] + '/page.pdf', 'wb').write(b'%PDF-1.7\\nstream\\n' + zlib.compress(sys.argv[2].encode()) + b'\\nendstream')
            open(sys.argv[1] + '/plain.txt', 'w').write('x' + sys.argv[3])
            """, control.path, made.token, made.token])
        #expect(planted.status == 0, "\(planted.stderr)")
        let caught = try await TestSupport.run("/usr/bin/python3", ["-c", script, control.path, trace.path, made.token])
        #expect(caught.stdout.contains("page.pdf") && caught.stdout.contains("plain.txt"), "the leak check missed planted values: \(caught.stdout)\(caught.stderr)")
        // The trace does show that cookies were set, by name.
        let traced = try String(contentsOf: trace, encoding: .utf8)
        #expect(traced.contains("Storage.setCookies") && traced.contains("fixture_session"))
    }

    @Test("a session file others can read is refused with the chmod that fixes it (exit 2, before any browser starts)")
    func looseFileRefused() async throws {
        let made = try await Self.made.value
        let loose = TestSupport.temporaryFolder("loose")
        chmod(loose.path, 0o700)
        let copy = loose.appendingPathComponent("copy.json")
        try FileManager.default.copyItem(at: made.file, to: copy)
        chmod(copy.path, 0o644)
        let run = try await Self.capture("/x/index.html?login", ["--session", copy.path])
        #expect(run.status == 2 && run.folder == nil, "\(run.stderr)")
        #expect(run.stderr.contains("chmod 600 \(copy.path)"), "\(run.stderr)")
    }

    @Test("an expired cookie in the session: exit 3, the capture of the wall kept, the message naming the session and how to make it again; session check says the same (3), and 0 for the live session")
    func expiredSession() async throws {
        let made = try await Self.made.value
        try #require(!made.token.isEmpty)
        var json = made.json
        json["cookies"] = (json["cookies"] as? [[String: Any]] ?? []).map { cookie -> [String: Any] in
            var cookie = cookie
            cookie["expires"] = 1_000_000_000.0
            return cookie
        }
        json["origins"] = []
        let expired = Self.store.appendingPathComponent("stale.json")
        try JSONSerialization.data(withJSONObject: json).write(to: expired)
        chmod(expired.path, 0o600)
        let run = try await Self.capture("/x/index.html?login", ["--session", "stale"])
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.stderr.contains("session stale") && run.stderr.contains("exhibit session create stale"), "\(run.stderr)")
        #expect(run.record?.viewer?.state == "login wall despite session")
        #expect(run.record?.viewer?.session?.cookies.allSatisfy { $0.expired == true } == true)
        let url = try await TestSupport.baseURL() + "/x/index.html?login"
        let stale = try await TestSupport.exhibit(["session", "check", "stale", url, "--profile", "x", "--profiles", Self.profiles,
                                                   "--allow-private", "--quiet"], environment: Self.environment)
        #expect(stale.status == 3 && stale.stderr.contains("login wall"), "\(stale.stderr)")
        let live = try await TestSupport.exhibit(["session", "check", Self.handle, url, "--profile", "x", "--profiles", Self.profiles,
                                                  "--allow-private", "--quiet"], environment: Self.environment)
        #expect(live.status == 0 && live.stdout.contains("logged in as @\(Self.handle)"), "\(live.stdout)\(live.stderr)")
        // A profile with no viewer rules cannot confirm a login: never exit 0.
        let unconfirmed = try await TestSupport.exhibit(["session", "check", Self.handle, try await TestSupport.baseURL() + "/mastodon/",
                                                         "--profile", "mastodon", "--profiles", Self.profiles, "--allow-private", "--quiet"],
                                                        environment: Self.environment)
        #expect(unconfirmed.status == 3 && unconfirmed.stderr.contains("not confirmed"), "\(unconfirmed.stderr)")
    }

    @Test("cookies.txt and a Cookie-Editor JSON export of the same cookies give the same thread as the session")
    func cookieFileImports() async throws {
        let made = try await Self.made.value
        try #require(!made.token.isEmpty)
        let cookies = made.json["cookies"] as? [[String: Any]] ?? []
        let folder = TestSupport.temporaryFolder("imports")
        var netscape = "# Netscape HTTP Cookie File\n"
        var editor: [[String: Any]] = []
        for cookie in cookies {
            let domain = cookie["domain"] as? String ?? "", name = cookie["name"] as? String ?? "", value = cookie["value"] as? String ?? ""
            let path = cookie["path"] as? String ?? "/", expires = cookie["expires"] as? Double ?? -1
            let httpOnly = cookie["httpOnly"] as? Bool ?? false
            netscape += "\(httpOnly ? "#HttpOnly_" : "")\(domain)\t\(domain.hasPrefix(".") ? "TRUE" : "FALSE")\t\(path)\tFALSE\t\(expires < 0 ? 0 : Int(expires))\t\(name)\t\(value)\n"
            var entry: [String: Any] = ["domain": domain, "name": name, "value": value, "path": path, "secure": false, "httpOnly": httpOnly,
                                        "sameSite": "lax", "hostOnly": !domain.hasPrefix("."), "session": expires < 0]
            if expires >= 0 { entry["expirationDate"] = expires }
            editor.append(entry)
        }
        // A whole browser's jar: a cookie of another site, which must be neither set nor listed, and
        // a SameSite=None cookie without Secure, which the browser refuses (left out, by name).
        netscape += ".example.com\tTRUE\t/\tFALSE\t0\tother_site\tvalue-of-another-site\n"
        editor.append(["domain": "127.0.0.1", "name": "loose_samesite", "value": "loose-value-123", "path": "/", "secure": false,
                       "httpOnly": false, "sameSite": "no_restriction", "hostOnly": true, "session": true])
        let txt = folder.appendingPathComponent("cookies.txt"), js = folder.appendingPathComponent("cookie-editor.json")
        try Data(netscape.utf8).write(to: txt)
        try JSONSerialization.data(withJSONObject: editor).write(to: js)
        chmod(txt.path, 0o600)
        chmod(js.path, 0o600)
        let session = try await Self.capture("/x/index.html?login", ["--session", Self.handle])
        for file in [txt, js] {
            let run = try await Self.capture("/x/index.html?login", ["--cookies", file.path])
            #expect(run.status == 0, "\(file.lastPathComponent): \(run.stderr)")
            #expect(run.post?.replyCount.captured == session.post?.replyCount.captured, "\(file.lastPathComponent)")
            #expect(run.record?.viewer?.account == "@\(Self.handle)")
            #expect(run.record?.viewer?.session?.given == "--cookies FILE")
            #expect(run.record?.viewer?.session?.format == (file == txt ? "Netscape cookies.txt" : "Cookie-Editor JSON"))
            let listed = run.record?.viewer?.session?.cookies.map(\.name) ?? []
            #expect(!listed.contains("other_site") && !listed.contains("loose_samesite"), "\(listed)")
            if file == txt {
                #expect(run.record?.viewer?.session?.cookiesLeftOut == 1)
                #expect(run.record?.warnings.contains { $0.message.contains("1 cookie(s) for other sites") } == true)
            } else {
                #expect(run.record?.warnings.contains { $0.message.contains("SameSite=None without Secure") && $0.message.contains("loose_samesite") } == true)
            }
        }
        // No capture changed the session file.
        #expect(try Data(contentsOf: made.file) == made.data)
        // A session on a page that shows no viewer: logged in as far as the wall says, but the record warns.
        let unseen = try await Self.capture("/x/", ["--session", Self.handle])
        #expect(unseen.record?.viewer?.account == nil && unseen.record?.viewer?.state == "session used, not confirmed")
        #expect(unseen.record?.warnings.contains { $0.message.contains("shows no logged-in account") } == true, "\(String(describing: unseen.record?.warnings))")
        // A malformed line is named by its number (exit 2), and a file of no format lists the accepted ones.
        try Data((netscape + "127.0.0.1\tFALSE\t/\n").utf8).write(to: txt)
        let bad = try await Self.capture("/x/index.html?login", ["--cookies", txt.path])
        #expect(bad.status == 2 && bad.stderr.contains("line \(cookies.count + 3)"), "\(bad.stderr)")
        try Data("<html>not cookies</html>".utf8).write(to: txt)
        let none = try await Self.capture("/x/index.html?login", ["--cookies", txt.path])
        #expect(none.status == 2 && none.stderr.contains("Netscape cookies.txt") && none.stderr.contains("Cookie-Editor"), "\(none.stderr)")
    }

    @Test("profiles explain --session loads the page logged in and says which account the viewer rule read")
    func explainLoggedIn() async throws {
        let made = try await Self.made.value
        try #require(!made.token.isEmpty)
        let url = try await TestSupport.baseURL() + "/x/index.html?login"
        let run = try await TestSupport.exhibit(["profiles", "explain", url, "--profile", "x", "--profiles", Self.profiles,
                                                 "--allow-private", "--quiet", "--session", Self.handle], environment: Self.environment)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("viewer: @\(Self.handle) ("), "\(run.stdout)")
        #expect(!run.stdout.contains("login wall:"), "\(run.stdout)")
    }

    @Test("Bluesky keeps its login in localStorage: the session's item is in place before the page's script runs, so the thread is whole")
    func blueskyLocalStorage() async throws {
        let made = try await Self.made.value
        try #require(!made.token.isEmpty)
        let everyone = try await Self.capture("/bluesky/", profile: "bluesky")
        let trace = TestSupport.temporaryFolder("bluesky-trace").appendingPathComponent("trace.jsonl")
        let loggedIn = try await Self.capture("/bluesky/index.html?login", profile: "bluesky", ["--session", Self.handle, "--trace", trace.path])
        // The page copies its token into a header of its own (X-Fixture-Session), as X and Instagram
        // copy cookies into CSRF headers: the trace redacts the value wherever it travels.
        let traced = try String(contentsOf: trace, encoding: .utf8)
        #expect(traced.contains("X-Fixture-Session") && !traced.contains(made.token), "the token is in the trace")
        let guest = try await Self.capture("/bluesky/index.html?login", profile: "bluesky")
        #expect(loggedIn.status == 0, "\(loggedIn.stderr)")
        #expect(loggedIn.post?.replyCount.captured == everyone.post?.replyCount.captured)
        #expect(loggedIn.record?.viewer?.account == "@\(Self.handle)", "\(String(describing: loggedIn.record?.viewer))")
        #expect(guest.status == 3, "\(guest.stderr)")
    }

    @Test("a page that shows a credential of the session: the capture keeps what the page showed, warns naming the file and the cookie, never the value")
    func pageShowsCredential() async throws {
        let folder = TestSupport.temporaryFolder("shown")
        let base = try await TestSupport.baseURL()
        let state = #"{"cookies": [{"name": "shown", "value": "credential-123456", "domain": "127.0.0.1", "path": "/", "expires": -1, "httpOnly": false, "secure": false}], "origins": [{"origin": "\#(base)", "localStorage": [{"name": "tok", "value": "stored-654321"}]}]}"#
        let file = folder.appendingPathComponent("shown.json")
        try Data(state.utf8).write(to: file)
        chmod(file.path, 0o600)
        let run = try await Self.capture("/shows-credentials/", profile: "generic", ["--session", file.path])
        #expect(run.status == 0, "\(run.stderr)")
        let warnings = run.record?.warnings.map(\.message) ?? []
        #expect(warnings.contains { $0.contains("dom.html holds the value of the session's cookie 'shown'") && $0.contains("localStorage item 'tok'") }, "\(warnings)")
        #expect(!warnings.joined().contains("credential-123456") && !warnings.joined().contains("stored-654321"))
    }

    @Test("a page that claims a logged-in viewer to a browser with no login is not believed: logged out, with a warning; hidden markup is never read")
    func claimedViewer() async throws {
        let run = try await Self.capture("/shows-credentials/claims-viewer.html")
        let viewer = try #require(run.record?.viewer)
        #expect(viewer.state == "logged out" && viewer.account == nil)
        let warnings = run.record?.warnings.map(\.message) ?? []
        #expect(warnings.contains { $0.contains("'@framed_account'") && $0.contains("held no login") }, "\(warnings)")
        #expect(!warnings.joined().contains("hidden_claim"))
    }

    @Test("bad input: an unknown session name lists the known ones (exit 2); a session file that is not JSON (exit 2); a login page that never loads ends session create with one line and saves nothing (exit 1)")
    func badInput() async throws {
        _ = try await Self.made.value
        let unknown = try await Self.capture("/x/", ["--session", "nosuch"])
        #expect(unknown.status == 2 && unknown.stderr.contains("unknown session 'nosuch'") && unknown.stderr.contains(Self.handle), "\(unknown.stderr)")
        let garbage = TestSupport.temporaryFolder("garbage").appendingPathComponent("s.json")
        try Data("{not json".utf8).write(to: garbage)
        chmod(garbage.path, 0o600)
        let notJSON = try await Self.capture("/x/", ["--session", garbage.path])
        #expect(notJSON.status == 2 && notJSON.stderr.contains("is not a session or cookie file"), "\(notJSON.stderr)")
        let never = try await TestSupport.exhibit(["session", "create", "never", "--url", try await TestSupport.baseURL() + "/slow-image/",
                                                   "--remote", "--allow-private", "--load-timeout", "2"], environment: Self.environment)
        #expect(never.status == 1 && never.stderr.contains("did not finish loading within 2 s; nothing was saved"), "\(never.stderr)")
        #expect(!FileManager.default.fileExists(atPath: Self.store.appendingPathComponent("never.json").path))
        for (arguments, says) in [(["--url", "http://someone:pw@127.0.0.1/_login"], "must not hold a user name or password"),
                                  (["--url", "http://127.0.0.1/_login", "--wait", "inf"], "at most 86400"),
                                  (["--url", "http://127.0.0.1/_login", "--load-timeout", "1e300"], "at most 86400")] {
            let run = try await TestSupport.exhibit(["session", "create", "bad"] + arguments + ["--remote", "--allow-private"], environment: Self.environment)
            #expect(run.status == 2 && run.stderr.contains(says), "\(arguments): \(run.stderr)")
        }
    }
}
