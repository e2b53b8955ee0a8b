import ArgumentParser
import Capture
import DevTools
import Foundation
import PlatformProfiles
import PrivateNetwork
import Sessions

/// `exhibit session create NAME --url LOGIN_URL`: a person logs in by hand, once; the browser's
/// cookies and localStorage are saved as a session that later captures use.
struct CreateSessionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Log in by hand in a throw-away browser and save its cookies and localStorage as a session.",
        discussion: """
        With a display ($DISPLAY or $WAYLAND_DISPLAY) a Chromium window opens at the login page; log in (two-factor \
        included) and press Enter here. Without one, or with --remote, a headless Chromium is shown live on a page \
        served on 127.0.0.1 at a random port with a random token in its address: open it from your own desktop \
        through an SSH tunnel (the command is printed), log in there, and press Done in the page or Enter here. \
        Use a dedicated investigation account: whatever the page shows depends on who looks.
        """)

    @Argument(help: "Name of the session (letters, digits, '.', '_', '-').")
    var name: String

    @Option(help: "The site's login page.")
    var url: String

    @Flag(help: "Show the browser through a live view on 127.0.0.1 (for a server or container) even when a display is available.")
    var remote = false

    @Flag(help: "Replace a session of the same name.")
    var replace = false

    @Option(help: "Seconds the login page may take to load.")
    var loadTimeout: Double = 60

    @Option(help: "Seconds to wait for the person to finish logging in.")
    var wait: Double = 1800

    @Option(help: "Profile whose viewer rule reads the logged-in account (default: the one the URL of the page shown at the end chooses).")
    var profile: String?

    @Option(help: "Folder of profile files (default as for capture).")
    var profiles: String?

    @Option(help: "Browser executable (default: $EXHIBIT_BROWSER, then /usr/lib/chromium/chromium, chromium, google-chrome).")
    var browser: String?

    @OptionGroup var account: BrowserAccountOptions

    @Flag(help: "Let the browser open a login page on a loopback or private address (refused by default, as for capture).")
    var allowPrivate = false

    func validate() throws {
        guard SessionStore.isName(name) else {
            throw ValidationError("'\(name)' is not a session name: use letters, digits, '.', '_' and '-' (at most 64)")
        }
        do { _ = try TargetURL.validate(url) } catch { throw ValidationError("\(error)") }
        guard loadTimeout > 0, wait > 0, loadTimeout <= 86_400, wait <= 86_400 else {
            throw ValidationError("--load-timeout and --wait must be positive numbers of seconds, at most 86400 (a day)")
        }
        // The login URL is kept in the session and copied into every capture's record: a password
        // or token in it would travel with them.
        if let parsed = URLComponents(string: url), parsed.user != nil || parsed.password != nil {
            throw ValidationError("--url must not hold a user name or password (user:password@host): log in on the page instead")
        }
        if let browser, !FileManager.default.isExecutableFile(atPath: browser) {
            throw ValidationError("browser not found: \(browser) does not exist or is not executable")
        }
    }

    func run() async throws {
        let store = SessionStore()
        // Before any browser starts: a name in use is refused without --replace, and a session
        // folder others can read is refused, rather than discovered after the person logged in.
        if !replace, try store.list().contains(where: { $0.name == name }) {
            throw CommandFailure(code: Exhibit.Code.usage, message: "a session named '\(name)' exists in \(store.directory.path); give --replace to make it again")
        }
        var options = CaptureOptions(url: url)
        options.allowPrivateAddresses = allowPrivate
        options.profilesFolder = profiles
        let catalog: ProfileCatalog
        do { catalog = try CapturePipeline.loadProfiles(options) } catch let error as CaptureError { throw CommandFailure(error) }
        if let profile, catalog.named(profile) == nil {
            throw CommandFailure(code: Exhibit.Code.usage, message: "no profile named '\(profile)' (known: \(catalog.entries.map(\.profile.name).joined(separator: ", ")))")
        }
        if case .refused(let refusal)? = await NetworkPolicy(allowsPrivateAddresses: allowPrivate).check(url: url, resolver: NameResolver()) {
            throw CommandFailure(code: Exhibit.Code.refused, message: "refused: \(refusal); nothing was saved")
        }
        let environment = ProcessInfo.processInfo.environment
        let hasDisplay = !(environment["DISPLAY"] ?? "").isEmpty || !(environment["WAYLAND_DISPLAY"] ?? "").isEmpty
        let mode: SessionRecorder.Mode = remote || !hasDisplay ? .remote : .window
        var recorder = SessionRecorder(loginURL: url, mode: mode,
                                       // Over a pipe: a DevTools port would let any local user read the
                                       // cookies of the login as it happens.
                                       browser: LaunchedBrowser(executable: browser, transport: .pipe, browserUser: account.browserUser,
                                                                allowRootBrowser: account.allowRootBrowser),
                                       profiles: catalog, loadSeconds: loadTimeout, waitSeconds: wait)
        recorder.profileName = profile
        tell("opening \(TerminalText.safe(url)) in a throw-away browser (\(mode == .remote ? "headless, shown through a live view" : "a window on your display"))…\n")
        let state: SessionState
        do {
            state = try await recorder.run(finished: Self.enterPresses()) { event in
                switch event {
                case .ready(let liveView?):
                    let port = URL(string: liveView)?.port.map(String.init) ?? "PORT"
                    tell("""
                    log in through the live view: \(liveView)
                      from your own desktop, tunnel to it first: ssh -N -L \(port):127.0.0.1:\(port) \(NSUserName())@\(ProcessInfo.processInfo.hostName)
                      then open the address above there. Press Done in the page, or Enter here, once logged in.

                    """)
                case .ready(nil):
                    tell("log in in the browser window (two-factor included), then press Enter here.\n")
                case .read(let cookies, let origins, let account):
                    tell("read \(cookies) cookie(s) and the localStorage of \(origins.count) origin(s); logged in as \(account.map { TerminalText.safe($0) } ?? "an account no profile could read")\n")
                case .warning(let message):
                    tell("warning: \(TerminalText.safe(message))\n")
                }
            }
        } catch let error as SessionRecorderError {
            throw CommandFailure(code: Exhibit.Code.failed, message: error.description)
        }
        let file: URL
        do { file = try store.save(state, as: name, replace: replace) }
        catch { throw CommandFailure(code: Exhibit.Code.failed, message: "\(error)") }
        tell("saved session \(name): \(file.path) (mode 0600). It holds credentials: keep it out of captures, mail and version control.\n")
        say(file.path)
    }

    /// The moment of each line read from standard input; ends at its end (no terminal: then only
    /// the live view's Done button or the clock ends the wait).
    static func enterPresses() -> AsyncStream<Date> {
        let (presses, press) = AsyncStream<Date>.makeStream()
        let reader = Thread {
            while readLine(strippingNewline: true) != nil {
                press.yield(Date())
            }
            press.finish()
        }
        reader.name = "exhibit.enter"
        reader.start()
        return presses
    }
}

/// `exhibit session check NAME URL`: whether the session still logs in on that page.
struct CheckSessionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Load a page with a session and say whether it shows the logged-in account (exit 0) or the login wall (exit 3).")

    @Argument(help: "The session's name, or a session file.")
    var session: String

    @Argument(help: "A page of the site (http or https).")
    var url: String

    @Option(help: "Profile to read the page with (default: the one the URL chooses).")
    var profile: String?

    @Option(help: "Folder of profile files (default as for capture).")
    var profiles: String?

    @Option(help: "Browser executable (default: $EXHIBIT_BROWSER, then /usr/lib/chromium/chromium, chromium, google-chrome).")
    var browser: String?

    @OptionGroup var account: BrowserAccountOptions

    @Flag(help: "Let the browser reach loopback and private addresses (refused by default, as for capture).")
    var allowPrivate = false

    @Flag(help: "No progress lines on stderr.")
    var quiet = false

    func validate() throws {
        do { _ = try TargetURL.validate(url) } catch { throw ValidationError("\(error)") }
    }

    func run() async throws {
        let use = try SessionOptions.load(session: session, cookies: nil)
        var options = CaptureOptions(url: url)
        options.profile = profile
        options.profilesFolder = profiles
        options.pdfLayout = .none
        options.allowPrivateAddresses = allowPrivate
        let quiet = self.quiet
        let pipeline = CapturePipeline(options: options,
                                       browser: LaunchedBrowser(executable: browser, transport: .pipe, browserUser: account.browserUser,
                                                                allowRootBrowser: account.allowRootBrowser),
                                       session: use) { event in
            if !quiet { tell(progressLine(event)) }
        }
        let result: SessionCheckResult
        do { result = try await pipeline.checkSession() } catch let error as CaptureError { throw CommandFailure(error) }
        let line = TerminalText.safe(result.line(session: use?.label ?? session))
        guard result.loggedIn else {
            throw CommandFailure(code: Exhibit.Code.loginWall, message: line + "; " + (use?.renewal ?? ""))
        }
        say(line)
    }
}
