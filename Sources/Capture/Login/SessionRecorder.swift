import DevTools
import Foundation
import LiveView
import PlatformProfiles
import Sessions
import Synchronization

/// `exhibit session create`: a person logs in by hand in a throw-away browser, and the browser's
/// state is then saved: every cookie of its context, the `localStorage` of each origin it showed,
/// and the account the page shows as logged in. Nothing is typed or stored by Exhibit but what
/// the browser holds at the end; passwords never pass through Exhibit except as the live view's
/// key presses, which are forwarded and not kept.
public struct SessionRecorder: Sendable {
    /// How the person reaches the browser.
    public enum Mode: String, Sendable {
        /// A visible Chromium window on this machine's display.
        case window
        /// A headless Chromium shown live on a page served on 127.0.0.1 (reached through an SSH tunnel).
        case remote
    }

    /// What the person is told, in order, as the login goes on.
    public enum Event: Sendable {
        /// The login page has loaded; in remote mode, the live view's address.
        case ready(liveView: String?)
        /// The state was read; the account shown, if the profile could read it.
        case read(cookies: Int, origins: [String], account: String?)
        /// Something the person should know (storage that could not be read, no account found).
        case warning(String)
    }

    public let loginURL: String
    public let mode: Mode
    public let browser: LaunchedBrowser
    /// The profiles whose viewer rules read the logged-in account: the one named by ``profileName``,
    /// else the one the URL of the page shown at the end chooses.
    public let profiles: ProfileCatalog
    public var profileName: String?
    /// How long the login page may take to load before the person is shown anything.
    public let loadSeconds: Double
    /// How long the person has to log in.
    public let waitSeconds: Double
    /// Viewport of the remote view, in CSS pixels.
    public var viewport: (width: Int, height: Int) = (1280, 900)

    public init(loginURL: String, mode: Mode, browser: LaunchedBrowser, profiles: ProfileCatalog,
                loadSeconds: Double = 60, waitSeconds: Double = 1800) {
        self.loginURL = loginURL
        self.mode = mode
        var browser = browser
        browser.headless = mode == .remote
        self.browser = browser
        self.profiles = profiles
        self.loadSeconds = loadSeconds
        self.waitSeconds = waitSeconds
    }

    /// Runs the login. `finished` ends when the person says they are done (Enter in the terminal);
    /// in remote mode the live view's Done button does too. Throws ``SessionRecorderError``.
    /// Each element of `finished` is the moment Enter was pressed; a press before the login page
    /// was shown (typed ahead while it loaded) does not count.
    public func run(finished: AsyncStream<Date>, tell: @escaping @Sendable (Event) -> Void) async throws -> SessionState {
        let handle = try await browser.open()
        defer { Task { await handle.close() } }
        let page = try await PageSession.open(on: handle.connection)
        let origins = VisitedOrigins()
        let events = await page.events()
        let dialogs = DialogNotes()
        let watcher = Task {
            for await event in events {
                switch event.method {
                case "Page.frameNavigated":
                    if let navigated = try? event.decode(PageCommands.FrameNavigated.self) { origins.add(navigated.frame.url) }
                case "Page.javascriptDialogOpening":
                    // A headless dialog is invisible in the screencast and blocks every input and
                    // evaluation: it is accepted at once and the person is told what it said.
                    let opened = try? event.decode(PageCommands.JavascriptDialogOpening.self)
                    _ = try? await page.send(PageCommands.HandleJavaScriptDialog(accept: true), timeout: .seconds(5))
                    dialogs.add(opened?.message ?? "")
                default:
                    break
                }
            }
        }
        defer { watcher.cancel() }
        _ = try await page.send(PageCommands.Enable())
        _ = try await page.send(PageCommands.SetLifecycleEventsEnabled())
        if mode == .remote {
            _ = try await page.send(EmulationCommands.SetDeviceMetricsOverride(width: viewport.width, height: viewport.height, deviceScaleFactor: 1))
        }
        try await load(page)

        var liveView: LiveViewServer?
        var pump: Task<Void, Never>?
        let (doneButton, pressDone) = AsyncStream<Void>.makeStream()
        if mode == .remote {
            let server = try await LiveViewServer.start(title: "Exhibit login: \(loginURL)")
            liveView = server
            pump = try await stream(page, to: server, done: pressDone, dialogs: dialogs)
        }
        defer {
            pump?.cancel()
            if let liveView { Task { await liveView.stop() } }
        }
        let shown = Date()
        tell(.ready(liveView: liveView?.url))
        try await waitForPerson(finished: finished, after: shown, doneButton: doneButton)
        await liveView?.say("Saving the session…")

        let cookies = try await handle.connection.send(StorageCommands.GetCookies(browserContextId: page.browserContextId)).cookies
        let (storage, unread) = await localStorage(page, origins: origins.all)
        for origin in unread { tell(.warning("the localStorage of \(origin) could not be read (no page of it is open now); it is not in the session")) }
        if cookies.isEmpty && storage.isEmpty {
            throw SessionRecorderError("the browser holds no cookies and no localStorage: there is no login to save (was Done pressed before logging in?); nothing was saved")
        }
        let account = await viewer(page)
        if account == nil { tell(.warning("the page shows no logged-in account that a profile can read; the session is saved with its account unknown")) }
        tell(.read(cookies: cookies.count, origins: storage.map(\.origin), account: account))
        await liveView?.say("Saved. You can close this page.")
        return SessionState(
            cookies: cookies.map { cookie in
                SessionCookie(name: cookie.name, value: cookie.value, domain: cookie.domain, path: cookie.path,
                              expires: (cookie.expires ?? -1) > 0 ? (cookie.expires ?? -1) : -1,
                              httpOnly: cookie.httpOnly ?? false, secure: cookie.secure ?? false, sameSite: cookie.sameSite)
            },
            origins: storage,
            exhibit: SessionInfo(created: Date(), loginURL: Self.recordable(loginURL), account: account))
    }

    /// Navigates to the login page and waits for its load event, at most ``loadSeconds``.
    private func load(_ page: PageSession) async throws {
        let events = await page.events()
        let navigation = try await page.send(PageCommands.Navigate(url: loginURL), timeout: .seconds(loadSeconds + 10))
        if let error = navigation.errorText, !error.isEmpty {
            throw SessionRecorderError("the login page \(loginURL) could not be loaded: \(Navigate.explain(error)); nothing was saved")
        }
        let loaded = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await event in events where event.method == "Page.lifecycleEvent" {
                    if let lifecycle = try? event.decode(PageCommands.LifecycleEvent.self),
                       lifecycle.name == "load", lifecycle.loaderId == navigation.loaderId { return true }
                }
                return false
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(loadSeconds))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        guard loaded else {
            throw SessionRecorderError("the login page \(loginURL) did not finish loading within \(Self.seconds(loadSeconds)); nothing was saved")
        }
    }

    /// Screencast frames to the live view, and the person's input back to the page.
    private func stream(_ page: PageSession, to server: LiveViewServer, done: AsyncStream<Void>.Continuation,
                        dialogs: DialogNotes) async throws -> Task<Void, Never> {
        let events = await page.events()
        _ = try await page.send(PageCommands.StartScreencast(quality: 70, maxWidth: viewport.width, maxHeight: viewport.height))
        let frames = Task {
            for await event in events where event.method == "Page.screencastFrame" {
                guard let frame = try? event.decode(PageCommands.ScreencastFrame.self) else { continue }
                if let jpeg = Data(base64Encoded: frame.data) {
                    await server.show(jpeg: Array(jpeg), deviceWidth: frame.metadata.deviceWidth, deviceHeight: frame.metadata.deviceHeight)
                }
                _ = try? await page.send(PageCommands.ScreencastFrameAck(sessionId: frame.sessionId))
            }
        }
        let input = Task {
            for await action in server.inputs {
                if action == .done { done.yield(); continue }
                do { try await forward(action, to: page) } catch { continue }
                for message in dialogs.take() { await server.say("The page showed a dialog, accepted: \(message.prefix(200))") }
            }
        }
        return Task {
            await withTaskCancellationHandler {
                await frames.value
                await input.value
            } onCancel: {
                frames.cancel()
                input.cancel()
            }
        }
    }

    /// One action of the person as trusted input to the page, each given a few seconds: a page
    /// that stalls one input must not hold the others (or Done) for the usual 30 s.
    private func forward(_ action: LiveInput, to page: PageSession) async throws {
        let limit: Duration = .seconds(5)
        switch action {
        case .mouse(let mouse):
            let kind: InputCommands.DispatchMouseEvent.Kind = switch mouse.kind {
            case .pressed: .mousePressed
            case .released: .mouseReleased
            case .moved: .mouseMoved
            }
            _ = try await page.send(InputCommands.DispatchMouseEvent(type: kind, x: mouse.x, y: mouse.y, button: mouse.button,
                                                                      clickCount: mouse.clickCount, deltaX: nil, deltaY: nil,
                                                                      modifiers: mouse.modifiers), timeout: limit)
        case .wheel(let x, let y, let deltaX, let deltaY):
            _ = try await page.send(InputCommands.DispatchMouseEvent(type: .mouseWheel, x: x, y: y, button: "none", clickCount: 0,
                                                                      deltaX: deltaX, deltaY: deltaY, modifiers: nil), timeout: limit)
        case .key(let key):
            // The live view names the event as DevTools does (keyDown with text, rawKeyDown, keyUp).
            let kind = InputCommands.DispatchKeyEvent.Kind(rawValue: key.kind.rawValue) ?? .keyUp
            _ = try await page.send(InputCommands.DispatchKeyEvent(type: kind, key: key.key, code: key.code, text: key.text,
                                                                    windowsVirtualKeyCode: key.keyCode, modifiers: key.modifiers), timeout: limit)
        case .text(let text):
            _ = try await page.send(InputCommands.InsertText(text: text), timeout: limit)
        case .navigate(let url):
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? "") else { return }
            _ = try await page.send(PageCommands.Navigate(url: url), timeout: limit)
        case .done:
            break
        }
    }

    /// Until the person is done: Enter (``finished``), the live view's Done button, or the time up.
    private func waitForPerson(finished: AsyncStream<Date>, after shown: Date, doneButton: AsyncStream<Void>) async throws {
        let done = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await pressed in finished where pressed >= shown { return true }
                // Standard input closed: only the live view (or the clock) can end the wait.
                try? await Task.sleep(for: .seconds(waitSeconds))
                return false
            }
            group.addTask {
                for await _ in doneButton { return true }
                return false
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(waitSeconds))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        guard done else {
            throw SessionRecorderError("nobody finished logging in within \(Self.seconds(waitSeconds)); nothing was saved")
        }
    }

    /// The `localStorage` of each origin the browser showed: the page's own origin read in an
    /// isolated world, the others through `DOMStorage`, which Chromium answers only for origins
    /// a frame still shows. Returns what was read and the origins that could not be.
    private func localStorage(_ page: PageSession, origins: [String]) async -> ([OriginStorage], [String]) {
        var read: [OriginStorage] = []
        var unread: [String] = []
        _ = try? await page.send(DOMStorageCommands.Enable())
        let current: String? = try? await page.evaluate("location.origin")
        for origin in origins {
            var items: [StorageItem]?
            if origin == current {
                let pairs: [[String]]? = try? await page.evaluate("Object.entries(localStorage)")
                items = pairs?.compactMap { $0.count == 2 ? StorageItem(name: $0[0], value: $0[1]) : nil }
            }
            if items == nil, let answer = try? await page.send(DOMStorageCommands.GetItems(storageId: .init(securityOrigin: origin))) {
                items = answer.entries.compactMap { $0.count == 2 ? StorageItem(name: $0[0], value: $0[1]) : nil }
            }
            if let items {
                if !items.isEmpty { read.append(OriginStorage(origin: origin, localStorage: items)) }
            } else {
                unread.append(origin)
            }
        }
        return (read, unread)
    }

    /// The logged-in account the page shows: by the viewer rules of the profile named, else of
    /// the one the page's URL chooses, else of the first profile whose rules read one (a site's
    /// home page after a login matches none of a profile's post or account patterns).
    private func viewer(_ page: PageSession) async -> String? {
        guard let url: String = try? await page.evaluate("location.href"),
              let frame = try? await page.send(PageCommands.GetFrameTree()).frameTree.frame,
              let world = try? await IsolatedWorld.open(page, frameId: frame.id) else { return nil }
        let chosen = profileName.flatMap { profiles.named($0) } ?? profiles.choose(for: url).0
        let candidates = [chosen.profile] + (profileName == nil ? profiles.entries.map(\.profile).filter { $0.name != chosen.profile.name } : [])
        struct Viewer: Decodable, Sendable { let value: String }
        for profile in candidates {
            guard let rules = profile.viewer, !rules.isEmpty else { continue }
            if let found: Viewer = try? await world.call("viewer", rules) { return profile.viewerAccount(found.value) }
        }
        return nil
    }

    /// The login URL as the session (and every capture's record) keeps it: scheme, host, port and
    /// path only; a query or fragment may carry a magic-link token.
    static func recordable(_ url: String) -> String {
        guard var parts = URLComponents(string: url) else { return url }
        parts.user = nil
        parts.password = nil
        parts.query = nil
        parts.fragment = nil
        return parts.string ?? url
    }

    static func seconds(_ value: Double) -> String {
        value.rounded() == value ? "\(Int(value)) s" : String(format: "%.1f s", value)
    }
}

/// Why a login could not be saved: one line.
public struct SessionRecorderError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// What the page's dialogs said, until the live view has told the person.
final class DialogNotes: Sendable {
    private let messages = Mutex<[String]>([])
    func add(_ message: String) { messages.withLock { $0.append(message) } }
    func take() -> [String] {
        messages.withLock { messages in
            let taken = messages
            messages = []
            return taken
        }
    }
}

/// The http(s) origins the browser's frames showed, in the order first seen.
final class VisitedOrigins: Sendable {
    private let seen = Mutex<[String]>([])

    /// Written as `location.origin` writes it (``SessionUse/origin(_:)``), so the page's own origin
    /// is recognised and read in the page, not through `DOMStorage`.
    func add(_ url: String) {
        guard let origin = SessionUse.origin(url), origin.hasPrefix("http://") || origin.hasPrefix("https://") else { return }
        seen.withLock { if !$0.contains(origin) { $0.append(origin) } }
    }

    var all: [String] { seen.withLock { $0 } }
}
