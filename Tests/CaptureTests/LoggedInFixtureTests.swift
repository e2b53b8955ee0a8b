@testable import Capture
import DevTools
import Foundation
import PlatformProfiles
import Testing

/// Issue 14: the platform fixtures' logged-in mode (`?login`), the fixture server's login form, and
/// each profile's `viewer` rules, in a real browser. A guest sees the first replies and the login
/// wall the profile detects; a person who logs in through the form sees the whole thread and their
/// handle, which the profile's viewer rules read. The viewer rules are checked here, on the
/// logged-in pages, because `exhibit profiles explain` (and so ProfileRuleCoverageTests) loads
/// pages in a fresh browser that is never logged in.
@Suite("Logged-in fixtures and viewer rules, with the real browser", .serialized, .hangGuard)
struct LoggedInFixtureTests {
    struct Platform: Sendable, CustomTestStringConvertible {
        let name: String
        /// What the person types at login; the page shows it with an @.
        let handle: String
        var testDescription: String { name }
        var path: String { "/\(name)/index.html?login" }
        /// What the viewer rules must read: the handle without its @ (Facebook and LinkedIn show a
        /// name there, which in the fixture is the handle).
        var viewer: String { handle.hasPrefix("@") ? String(handle.dropFirst()) : handle }
    }

    static let platforms: [Platform] = [
        .init(name: "x", handle: "@fixture_viewer"),
        .init(name: "instagram", handle: "fixture.viewer"),
        .init(name: "facebook", handle: "@fixture.viewer"),
        .init(name: "linkedin", handle: "fixture-viewer"),
        .init(name: "bluesky", handle: "fixture-viewer.bsky.social"),
    ]
    static let password = "fixture-password"

    static func profile(_ name: String) throws -> Profile {
        try ProfileLoader.load(file: TestSupport.packageRoot.appendingPathComponent("Profiles/\(name).json"))
    }

    /// The replies a guest sees: the first three top-level ones of the shared thread.
    static func guestReplies() throws -> [String] {
        Array(try ThreadData.load().replies.filter { $0.batch == "initial" && $0.parent == nil }.prefix(3).map(\.id))
    }

    // MARK: - The page, as a person uses it

    /// One browser context (its own cookies and storage) with Exhibit's isolated world at hand.
    struct Tab {
        let page: PageSession
        let base: String
        var frameId = ""

        static func open(_ browser: BrowserHandle) async throws -> Tab {
            let page = try await PageSession.open(on: browser.connection)
            _ = try await page.send(PageCommands.Enable())
            return Tab(page: page, base: try await TestSupport.baseURL())
        }

        mutating func go(_ path: String) async throws {
            frameId = try await page.send(PageCommands.Navigate(url: base + path)).frameId
        }

        func value<T: Decodable & Sendable>(_ expression: String) async throws -> T? { try await page.evaluate(expression) }

        /// Waits (up to 20 s) until `expression` is true in the page.
        func wait(_ expression: String, _ what: String) async throws {
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                if (try? await page.evaluate("!!(\(expression))", as: Bool.self)) == true { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            Issue.record("timed out waiting for \(what)")
        }

        /// The page of `path` once its thread is drawn (after the session check, on Bluesky).
        mutating func load(_ path: String) async throws {
            try await go(path)
            try await waitForThread(path)
        }

        func waitForThread(_ path: String) async throws {
            try await wait("location.pathname + location.search === \(PageScript.json(path)) && document.readyState === 'complete' && document.querySelector('[data-reply-id]')",
                           "the thread of \(path)")
        }

        var replies: [String] { get async throws { try await value("[...document.querySelectorAll('[data-reply-id]')].map(e => e.getAttribute('data-reply-id'))") ?? [] } }

        /// A trusted click in the middle of the element, as a mouse gives it.
        func click(_ selector: String) async throws {
            let point: [Double]? = try await value("""
                (() => { const e = document.querySelector(\(PageScript.json(selector))); if (!e) return null;
                  e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()
                """)
            let xy = try #require(point, "no \(selector) on the page")
            try await page.click(x: xy[0], y: xy[1])
        }

        /// Typing, as a keyboard gives it, into what has the focus.
        func type(_ text: String) async throws { _ = try await page.send(InsertText(text: text)) }

        /// The login form, filled in and sent the way a person does: click, type, click.
        mutating func logIn(handle: String, password: String, next: String) async throws {
            try await go("/_login?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"))
            try await wait("document.readyState === 'complete' && document.querySelector('#handle')", "the login form")
            try await click("#handle")
            try await type(handle)
            try await click("#password")
            try await type(password)
            try await click("button[type=submit]")
        }

        /// Exhibit's isolated world in the current document, with `install.js`.
        func world() async throws -> IsolatedWorld { try await IsolatedWorld.open(page, frameId: frameId) }

        /// The profile's login-wall rule that finds a visible wall, as the capture looks for one.
        func wall(_ profile: Profile) async throws -> String? {
            let found: Found? = try await world().call("present", profile.walls?.login ?? [])
            return found?.selector
        }

        /// Each viewer rule alone, read from the whole page by install.js's own field reader (the
        /// account header's, which reads a rule list from the document when no header element is named).
        func viewerReadings(_ profile: Profile) async throws -> [String?] {
            let rules = profile.viewer ?? []
            let spec = ViewerSpec(fields: Dictionary(uniqueKeysWithValues: rules.enumerated().map { ("rule\($0.offset)", [$0.element]) }))
            let read: ViewerReading? = try await world().call("account", spec)
            return rules.indices.map { read?.header?.fields["rule\($0)"] }
        }

        /// Refuses the consent dialog, then scrolls and clicks the profile's expansion controls until
        /// nothing more loads: what a capture does, here to see how much of the thread there is.
        func readWholeThread(_ profile: Profile) async throws {
            // Answered once, the dialog is not shown again in this browser context.
            if try await value("!!document.querySelector('[data-consent=essential]')") == true { try await click("[data-consent=essential]") }
            var last = -1
            for _ in 0..<12 {
                let _: Bool? = try await value("(window.scrollTo(0, document.documentElement.scrollHeight), true)")
                try await Task.sleep(for: .milliseconds(700))
                let world = try await world()
                let targets: [Target] = try await world.call("find", profile.expand?.click ?? []) ?? []
                for target in targets {
                    let point: Point? = try await world.call("locate", target.index)
                    if let point { try await page.click(x: point.x, y: point.y) }
                    try await Task.sleep(for: .milliseconds(500))
                }
                let count = try await replies.count
                if count == last && targets.isEmpty { break }
                last = count
            }
        }
    }

    struct InsertText: DevToolsCommand {
        static let method = "Input.insertText"
        typealias Result = NoResult
        let text: String
    }
    struct Found: Decodable, Sendable { let selector: String }
    struct Target: Decodable, Sendable { let index: Int }
    struct Point: Decodable, Sendable { let x: Double; let y: Double }
    struct ViewerSpec: Encodable, Sendable {
        let header: [String] = []
        let fields: [String: [Profile.FieldRule]]
        let posts = ":not(*)"
        let postFields: [String: [Profile.FieldRule]] = [:]
    }
    struct ViewerReading: Decodable, Sendable {
        struct Header: Decodable, Sendable { let fields: [String: String] }
        let header: Header?
    }

    static func withBrowser(_ body: (BrowserHandle) async throws -> Void) async throws {
        let browser = try await LaunchedBrowser().open()
        do { try await body(browser) } catch { await browser.close(); throw error }
        await browser.close()
    }

    // MARK: - Tests

    @Test("a guest sees the first replies and the login wall, and gets no more by scrolling or clicking; after logging in through the form, the whole thread and the viewer, which every viewer rule reads",
          arguments: platforms)
    func guestThenViewer(platform: Platform) async throws {
        let profile = try Self.profile(platform.name)
        let first = try Self.guestReplies()
        try await Self.withBrowser { browser in
            var tab = try await Tab.open(browser)
            try await tab.load(platform.path)
            #expect(try await tab.replies == first, "\(platform.name): a guest's replies")
            #expect(try await tab.wall(profile) != nil, "\(platform.name): no login wall the profile detects")
            #expect(try await tab.viewerReadings(profile).allSatisfy { $0 == nil }, "\(platform.name): a guest has no viewer")
            try await tab.readWholeThread(profile)
            #expect(try await tab.replies == first, "\(platform.name): a guest got more replies")

            try await tab.logIn(handle: platform.handle, password: Self.password, next: platform.path)
            try await tab.waitForThread(platform.path)
            #expect(try await tab.wall(profile) == nil, "\(platform.name): a login wall for a viewer")
            let readings = try await tab.viewerReadings(profile)
            #expect(!readings.isEmpty && readings.allSatisfy { $0 == platform.viewer }, "\(platform.name): \(readings)")
            try await tab.readWholeThread(profile)
            #expect(try await tab.replies.count == 44, "\(platform.name): a viewer's replies")
            if platform.name == "x" {
                let text: String? = try await tab.value("document.body.innerText")
                #expect(text?.contains("@fixture_viewer") == true)
            }
            if platform.name == "bluesky" {
                // bsky.app keeps its login in localStorage: the cookie alone is no login there.
                let _: Bool? = try await tab.value("(localStorage.removeItem('fixture-session'), true)")
                try await tab.load(platform.path)
                #expect(try await tab.replies == first, "bluesky: logged in by the cookie alone")
                #expect(try await tab.wall(profile) != nil, "bluesky: logged in by the cookie alone")
            }
            await tab.page.close()
        }
    }

    @Test("a session the server did not issue is a guest (a forged cookie, and a forged localStorage token)", arguments: platforms)
    func forgedSession(platform: Platform) async throws {
        let profile = try Self.profile(platform.name)
        try await Self.withBrowser { browser in
            var tab = try await Tab.open(browser)
            try await tab.go("/_echo/headers")
            try await tab.wait("document.readyState === 'complete'", "the echo page")
            let forged = String(repeating: "ab", count: 32)
            let _: Bool? = try await tab.value("(document.cookie = 'fixture_session=\(forged); path=/', localStorage.setItem('fixture-session', '\(forged)'), true)")
            try await tab.load(platform.path)
            #expect(try await tab.replies == Self.guestReplies(), "\(platform.name)")
            #expect(try await tab.wall(profile) != nil, "\(platform.name)")
            #expect(try await tab.viewerReadings(profile).allSatisfy { $0 == nil }, "\(platform.name)")
            await tab.page.close()
        }
    }

    @Test("a wrong password: the form again with 'Wrong password', status 401, no cookie and no token; the page stays a guest's")
    func wrongPassword() async throws {
        let profile = try Self.profile("x")
        try await Self.withBrowser { browser in
            var tab = try await Tab.open(browser)
            try await tab.logIn(handle: "someone", password: "not-the-password", next: "/x/index.html?login")
            try await tab.wait("document.readyState === 'complete' && document.querySelector('[role=alert]')", "the answer to a wrong password")
            let alert: String? = try await tab.value("document.querySelector('[role=alert]').textContent")
            #expect(alert == "Wrong password")
            let status: Int? = try await tab.value("performance.getEntriesByType('navigation')[0].responseStatus")
            #expect(status == 401)
            #expect(try await tab.value("localStorage.getItem('fixture-session')") as String? == nil)
            try await tab.go("/_echo/headers")
            try await tab.wait("document.readyState === 'complete' && document.querySelector('#headers')", "the echo page")
            let headers: String? = try await tab.value("document.querySelector('#headers').textContent")
            #expect(headers?.contains("GET /_echo/headers") == true && headers?.contains("fixture_session") == false, "\(headers ?? "")")
            try await tab.load("/x/index.html?login")
            #expect(try await tab.wall(profile) != nil)
            await tab.page.close()
        }
    }

    @Test("a guest's ?login page is a login wall to a capture: exit 3, not expanded, the wall not hidden", arguments: platforms)
    func captureOfAGuestIsAWall(platform: Platform) async throws {
        let out = TestSupport.temporaryFolder("guest-wall")
        let url = try await TestSupport.baseURL() + platform.path
        let run = try await TestSupport.exhibit(["capture", url, "--profile", platform.name, "--out", out.path, "--quiet"])
        #expect(run.status == 3, "\(platform.name): \(run.stderr)")
        let folder = out.appendingPathComponent(try #require(TestSupport.visibleFolders(in: out).first))
        let record = try TestSupport.decodeRecord(folder)
        #expect(record.completeness.availability.rawValue == "login wall", "\(platform.name)")
        #expect(record.expansion.stoppedBecause.hasPrefix("not expanded"), "\(platform.name)")
        // The wall is part of the thread, not a prompt over it: it stays in the screenshot.
        #expect(!record.actions.contains { $0.kind.rawValue == "hide" }, "\(platform.name): \(record.actions)")
    }

    @Test("a viewer regex the browser refuses refuses the profile, naming viewer[0].pattern (exit 2)")
    func viewerRegexIsChecked() async throws {
        let folder = try ProfileRuleTests.folder(with: "x") { json in
            json["viewer"] = [["selector": "nav a", "pattern": "(?i)@(\\w+)", "flags": "u"]]
        }
        let out = TestSupport.temporaryFolder("viewer-regex")
        let run = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + "/x/", "--profile", "x", "--profiles", folder, "--out", out.path])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("exhibit: error: profile x.json: field 'viewer[0].pattern': the browser refuses the regular expression /(?i)@(\\w+)/u"),
                "\(run.stderr)")
    }
}
