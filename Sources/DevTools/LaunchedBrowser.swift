import Foundation
import Logging
import NIOConcurrencyHelpers

/// Launches a local headless Chromium with a fresh, temporary profile and connects to it.
public struct LaunchedBrowser: BrowserProvider {
    /// `--browser PATH`; when nil, `EXHIBIT_BROWSER`, then the usual install locations.
    public var executable: String?
    /// `--proxy-server` for the browser.
    public var proxy: String?
    /// `--user-agent` for the browser.
    public var userAgent: String?
    /// Extra Chromium flags, appended as given.
    public var extraArguments: [String]
    /// How long to wait for the browser to announce its DevTools endpoint.
    public var startTimeout: Duration
    /// Where every DevTools message of the browser connection is logged, if anywhere.
    public var trace: ProtocolTrace?
    /// How Exhibit talks to the browser it starts.
    public var transport: Transport
    /// `--browser-user`: the unprivileged user a root Exhibit runs the browser as (default
    /// ``BrowserAccount/defaultUser``).
    public var browserUser: String?
    /// `--allow-root-browser`: as root, run the browser as root without its sandbox.
    public var allowRootBrowser: Bool
    /// False for a visible window on the person's display (`exhibit session create` on a desktop):
    /// a person logs in there by hand. Captures are always headless.
    public var headless: Bool = true

    /// The two ways to carry DevTools to a browser Exhibit starts.
    public enum Transport: String, Sendable, CaseIterable {
        /// A WebSocket on 127.0.0.1 at a port the browser picks: the same way Exhibit attaches to
        /// browsers elsewhere. Any local user can connect to a loopback port while it is open.
        case webSocket = "websocket"
        /// `--remote-debugging-pipe`: no port at all, for shared multi-user hosts.
        case pipe
    }

    public init(executable: String? = nil, proxy: String? = nil, userAgent: String? = nil,
                extraArguments: [String] = [], startTimeout: Duration = .seconds(20), trace: ProtocolTrace? = nil,
                transport: Transport = .webSocket, browserUser: String? = nil, allowRootBrowser: Bool = false) {
        self.executable = executable
        self.proxy = proxy
        self.userAgent = userAgent
        self.extraArguments = extraArguments
        self.startTimeout = startTimeout
        self.trace = trace
        self.transport = transport
        self.browserUser = browserUser
        self.allowRootBrowser = allowRootBrowser
    }

    /// The account the browser will run as (see ``BrowserAccount/resolve(browserUser:allowRoot:uid:)``).
    public func account() throws(DevToolsError) -> BrowserAccount {
        try BrowserAccount.resolve(browserUser: browserUser, allowRoot: allowRootBrowser)
    }

    /// Where Exhibit looks for a browser when none is named, in order.
    public static let candidates = ["/usr/lib/chromium/chromium", "chromium", "google-chrome",
                                    "google-chrome-stable", "chromium-browser"]

    /// Finds the browser executable: the explicit path, then `EXHIBIT_BROWSER`, then ``candidates``
    /// (bare names are looked up on `PATH`).
    public static func locate(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        let fileManager = FileManager.default
        if let explicit {
            guard fileManager.isExecutableFile(atPath: explicit) else {
                throw DevToolsError.browserNotFound("\(explicit) does not exist or is not executable")
            }
            return explicit
        }
        if let fromEnvironment = environment["EXHIBIT_BROWSER"], !fromEnvironment.isEmpty {
            guard fileManager.isExecutableFile(atPath: fromEnvironment) else {
                throw DevToolsError.browserNotFound("EXHIBIT_BROWSER=\(fromEnvironment) does not exist or is not executable")
            }
            return fromEnvironment
        }
        let path = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        for candidate in candidates {
            if candidate.hasPrefix("/") {
                if fileManager.isExecutableFile(atPath: candidate) { return candidate }
            } else {
                for dir in path where fileManager.isExecutableFile(atPath: dir + "/" + candidate) {
                    return dir + "/" + candidate
                }
            }
        }
        throw DevToolsError.browserNotFound("none of \(candidates.joined(separator: ", ")) found; install Debian's chromium or pass --browser PATH")
    }

    /// The command line Exhibit gives Chromium (see the capture notes for why each flag is there).
    public func arguments(profileDirectory: String, sandbox: Bool = true) -> [String] {
        var args = headless ? ["--headless"] : []
        switch transport {
        case .webSocket: args += ["--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1"]
        case .pipe: args.append("--remote-debugging-pipe")
        }
        args += [
            "--user-data-dir=\(profileDirectory)",
            "--no-first-run", "--no-default-browser-check",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--disable-extensions", "--disable-breakpad", "--metrics-recording-only",
            "--hide-scrollbars", "--mute-audio", "--force-color-profile=srgb",
            "--password-store=basic", "--use-mock-keychain",
            "--blink-settings=lazyLoadEnabled=false",
            "--disable-features=Translate,MediaRouter,OptimizationHints,PaintHolding",
            // A capture has two pages open at once (the captured one and its report's); neither may
            // be treated as a background page, with throttled timers or a lowered CPU priority.
            "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
            "--disable-backgrounding-occluded-windows",
        ]
        // Chromium's sandbox cannot start as root: only an explicitly allowed root browser goes without.
        if !sandbox && !extraArguments.contains("--no-sandbox") { args.append("--no-sandbox") }
        if Self.devShmIsSmall() { args.append("--disable-dev-shm-usage") }
        if let proxy { args.append("--proxy-server=\(proxy)") }
        if let userAgent { args.append("--user-agent=\(userAgent)") }
        args += extraArguments
        // No first tab: every capture makes its own context and page, and without the tab Chromium
        // answers the DevTools handshake about 0.1 s sooner (measured). Playwright does the same.
        args.append("--no-startup-window")
        return args
    }

    private static func devShmIsSmall() -> Bool {
        var stats = statvfs()
        guard statvfs("/dev/shm", &stats) == 0 else { return true }
        return UInt64(stats.f_bavail) * UInt64(stats.f_frsize) < 512 << 20
    }

    public func open() async throws -> BrowserHandle {
        let executable = try Self.locate(explicit: executable)
        var account = try account()
        if extraArguments.contains("--no-sandbox") { account = account.withoutSandbox }
        // mkdtemp makes the folder 0700 in one step: no other local user can read the profile,
        // nor DevToolsActivePort (the port) inside it.
        var template = Array(FileManager.default.temporaryDirectory.appendingPathComponent("exhibit-profile-XXXXXX").path.utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw DevToolsError.launchFailed("cannot create a profile folder in \(FileManager.default.temporaryDirectory.path): "
                                             + String(cString: strerror(errno)), stderrTail: "")
        }
        let profile = String(cString: made)
        if let problem = account.cannotReach(profile) {
            try? FileManager.default.removeItem(atPath: profile)
            throw DevToolsError.accountRefused(problem)
        }
        let arguments = arguments(profileDirectory: profile, sandbox: account.sandbox)
        let process = BrowserProcess(executable: executable, arguments: arguments, profileDirectory: profile,
                                     account: account, transport: transport)
        // A starting Chromium is CPU-heavy: many at once on a small machine (a batch, a test run)
        // starve each other past the start timeout, which only counts once this one may start.
        do { try await LaunchGate.shared.enter() } catch {
            try? FileManager.default.removeItem(atPath: profile)
            throw error
        }
        var gateHeld = true
        defer { if gateHeld { Task { await LaunchGate.shared.leave() } } }
        do {
            try process.start()
            process.cleanup = InterruptCleanup.add { [process] in process.endNow() }
            let connection: DevToolsConnection
            let endpoint: String
            switch transport {
            case .webSocket:
                endpoint = try await process.waitForEndpoint(timeout: startTimeout)
                connection = try await DevToolsConnection.connect(to: endpoint, trace: trace)
            case .pipe:
                endpoint = BrowserHandle.pipeEndpoint
                connection = await DevToolsConnection.connect(over: try process.pipeTransport(), label: endpoint, trace: trace)
            }
            devToolsLog.debug("browser launched", metadata: ["pid": "\(process.pid)", "endpoint": "\(endpoint)",
                                                             "executable": "\(executable)", "user": "\(account.user)"])
            process.onUnexpectedExit { status, tail in
                Task { await connection.terminate(.browserExited(status: status, stderrTail: tail)) }
            }
            // The socket usually closes a moment before the exit is reaped: wait briefly for it.
            await connection.setCloseExplainer { await process.unexpectedExit(within: 2) }
            if transport == .pipe {
                // Nothing announces a pipe browser as ready; its first answer does, or its death.
                do { _ = try await connection.send(BrowserCommands.GetVersion(), timeout: startTimeout) }
                catch { throw DevToolsError.launchFailed("\(executable) did not answer on the DevTools pipe: \(error)", stderrTail: process.stderrTail) }
            }
            gateHeld = false
            await LaunchGate.shared.leave()
            return BrowserHandle(connection: connection, endpoint: endpoint, process: process)
        } catch {
            process.expectExit()
            await process.waitForExit(graceSeconds: 0)
            process.removeProfile()
            throw error
        }
    }
}

/// A Chromium child process: its stderr is drained continuously (an undrained pipe can block
/// Chromium), the DevTools endpoint is read from it, and its last lines are kept for error messages.
final class BrowserProcess: @unchecked Sendable {
    let executable: String
    let arguments: [String]
    let profileDirectory: String
    private let process = Process()
    private struct State {
        var endpoint: String?
        var tail: [String] = []
        var partialLine = ""
        var exitStatus: Int32?
        var expectingExit = false
        var exitHandler: (@Sendable (Int32, String) -> Void)?
        /// Whether the browser led a process group of its own when it started (Foundation's
        /// `Process` starts it so): only then is the group killed with it.
        var leadsGroup = false
    }
    private let state = NIOLockedValueBox(State())
    /// Wakes the waits for the endpoint and for the exit at each line read and at the exit.
    private let changes = ChangeSignal()

    /// Who the browser runs as.
    let account: BrowserAccount
    let transport: LaunchedBrowser.Transport
    /// The two pipes of `--remote-debugging-pipe`, made by ``start()`` in pipe mode.
    private let pipes = NIOLockedValueBox<PipeTransport?>(nil)

    init(executable: String, arguments: [String], profileDirectory: String,
         account: BrowserAccount, transport: LaunchedBrowser.Transport) {
        self.executable = executable
        self.arguments = arguments
        self.profileDirectory = profileDirectory
        self.account = account
        self.transport = transport
    }

    /// The transport over the browser's fd 3 and fd 4 (pipe mode only).
    func pipeTransport() throws -> PipeTransport {
        guard let transport = pipes.withLockedValue({ $0 }) else {
            throw DevToolsError.launchFailed("the browser was not started with DevTools pipes", stderrTail: stderrTail)
        }
        return transport
    }

    /// What actually runs: the browser command, behind `setpriv` when the user changes and behind
    /// a shell that moves the pipes to fd 3 and 4 in pipe mode (Foundation's `Process` closes
    /// every inherited descriptor above 2, so the shell makes them from stdin and stdout).
    func command() throws -> [String] {
        var command = [executable] + arguments
        if transport == .pipe {
            command = ["/bin/sh", "-c", #"exec "$0" "$@" 3<&0 4>&1 </dev/null >/dev/null"#] + command
        }
        return try account.wrapping(command)
    }

    var stderrTail: String { state.withLockedValue { $0.tail.suffix(12).joined(separator: " | ") } }
    var pid: Int32 { process.processIdentifier }

    /// True once the browser's main process has ended (crashed, killed or closed).
    var hasExited: Bool { state.withLockedValue { $0.exitStatus != nil } }

    /// `pid` (when `including`) and every process below it, read from /proc: a batch counts them
    /// to show it leaves no renderer behind. Empty where /proc is not there.
    static func descendants(of pid: Int32, including: Bool) -> [Int32] {
        var parents: [Int32: [Int32]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let child = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // After the command's closing parenthesis: state, then the parent's pid.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = Int32(fields[1]) { parents[parent, default: []].append(child) }
        }
        var found = including ? [pid] : []
        var queue = [pid]
        while let next = queue.popLast() {
            let children = parents[next] ?? []
            found += children
            queue += children
        }
        return found
    }

    func start() throws {
        let command = try command()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        if transport == .pipe {
            let commands = Pipe(), answers = Pipe()
            process.standardInput = commands
            process.standardOutput = answers
            pipes.withLockedValue { $0 = PipeTransport(toBrowser: commands.fileHandleForWriting, fromBrowser: answers.fileHandleForReading) }
        } else {
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
        }
        // Chromium keeps temporary folders of its own (org.chromium.Chromium.*) that a killed
        // browser cannot remove: inside the profile, they go with it.
        let temporary = profileDirectory + "/tmp"
        try? FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        var environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": temporary]) { $1 }
        if account.switchesUser {
            // The profile is the other user's only writable place; root's environment (agent
            // sockets, credentials, its home) is not passed on.
            for path in [profileDirectory, temporary] where chown(path, account.uid, account.gid) != 0 {
                throw DevToolsError.launchFailed("cannot hand the profile folder \(path) to \(account.user): \(String(cString: strerror(errno)))", stderrTail: "")
            }
            // DISPLAY too, for the one browser that opens a window (`session create` on a desktop);
            // a headless one ignores it. The display's own access rules still apply to that user.
            environment = environment.filter { key, _ in
                ["PATH", "LANG", "LANGUAGE", "TZ", "FONTCONFIG_FILE", "FONTCONFIG_PATH", "DISPLAY"].contains(key) || key.hasPrefix("LC_")
            }
            environment["HOME"] = profileDirectory
            environment["TMPDIR"] = temporary
            environment["USER"] = account.user
            environment["LOGNAME"] = account.user
        }
        process.environment = environment
        let pipe = Pipe()
        process.standardError = pipe
        process.terminationHandler = { [weak self] finished in
            guard let self else { return }
            let status = finished.terminationStatus
            let (handler, tail): ((@Sendable (Int32, String) -> Void)?, String) = self.state.withLockedValue { state in
                state.exitStatus = status
                return (state.expectingExit ? nil : state.exitHandler, state.tail.suffix(12).joined(separator: " | "))
            }
            self.changes.signal()
            handler?(status, tail)
        }
        do { try process.run() }
        catch { throw DevToolsError.launchFailed("cannot start \(command[0]): \(error)", stderrTail: "") }
        let started = process.processIdentifier
        state.withLockedValue { $0.leadsGroup = started > 0 && getpgid(started) == started }
        let reader = pipe.fileHandleForReading
        let thread = Thread { [weak self] in
            while true {
                let chunk = reader.availableData
                guard !chunk.isEmpty else { break }
                self?.consume(chunk)
            }
        }
        thread.name = "exhibit.browser-stderr"
        thread.start()
    }

    private func consume(_ chunk: Data) {
        let text = String(decoding: chunk, as: UTF8.self)
        state.withLockedValue { state in
            var lines = (state.partialLine + text).components(separatedBy: "\n")
            state.partialLine = lines.removeLast()
            for line in lines where !line.isEmpty && !Self.isNoise(line) {
                if state.endpoint == nil, let range = line.range(of: "DevTools listening on ws://") {
                    state.endpoint = "ws://" + line[range.upperBound...].trimmingCharacters(in: .whitespaces)
                }
                state.tail.append(line)
                if state.tail.count > 40 { state.tail.removeFirst(state.tail.count - 40) }
            }
        }
        changes.signal()
    }

    /// Chromium without a session bus logs D-Bus failures continuously; they say nothing about a
    /// crash and would push the useful lines out of the kept tail.
    static func isNoise(_ line: String) -> Bool {
        line.contains(":ERROR:dbus/") || line.contains("Failed to connect to the bus")
    }

    /// Waits for `DevTools listening on ws://…` on stderr (woken by each line Chromium writes), or
    /// for `DevToolsActivePort` in the profile. Nothing announces that file, so when stderr stays
    /// silent it is looked for every 100 ms: only a browser whose stderr is lost ever needs it.
    func waitForEndpoint(timeout: Duration) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        let portFile = profileDirectory + "/DevToolsActivePort"
        // What is known is looked at before the clock: on a machine busy enough that this task
        // resumes after the deadline, an endpoint Chromium announced in time still counts.
        while true {
            let version = changes.version
            let (endpoint, status) = state.withLockedValue { ($0.endpoint, $0.exitStatus) }
            if let endpoint { return endpoint }
            if let status {
                throw DevToolsError.launchFailed("\(executable) exited with status \(status) before opening DevTools",
                                                 stderrTail: stderrTail)
            }
            // The file is created empty first; only a complete one (port and path) counts.
            if let contents = try? String(contentsOfFile: portFile, encoding: .utf8) {
                let lines = contents.split(separator: "\n")
                if lines.count >= 2, let port = Int(lines[0]) { return "ws://127.0.0.1:\(port)\(lines[1])" }
            }
            try Task.checkCancellation()
            if ContinuousClock.now >= deadline { break }
            await changes.wait(after: version, until: min(deadline, ContinuousClock.now + .milliseconds(100)))
        }
        throw DevToolsError.launchFailed("no DevTools endpoint within \(timeout)", stderrTail: stderrTail)
    }

    /// Called once if the process exits while Exhibit still expects it to run.
    func onUnexpectedExit(_ handler: @escaping @Sendable (Int32, String) -> Void) {
        let (status, tail): (Int32?, String) = state.withLockedValue { state in
            state.exitHandler = handler
            return (state.expectingExit ? nil : state.exitStatus, state.tail.suffix(12).joined(separator: " | "))
        }
        if let status { handler(status, tail) }
    }

    /// If the process ends within `seconds` without Exhibit having asked it to, the error saying so.
    func unexpectedExit(within seconds: Double) async -> DevToolsError? {
        guard await exited(within: seconds) else { return nil }
        // terminationHandler may run a moment after isRunning turns false: it signals when it has.
        let recorded = ContinuousClock.now + .milliseconds(200)
        while ContinuousClock.now < recorded {
            let version = changes.version
            if state.withLockedValue({ $0.exitStatus != nil }) { break }
            await changes.wait(after: version, until: recorded)
        }
        let (expected, status) = state.withLockedValue { ($0.expectingExit, $0.exitStatus) }
        guard !expected else { return nil }
        return .browserExited(status: status ?? process.terminationStatus, stderrTail: stderrTail)
    }

    /// From now on an exit is a normal shutdown, not a crash.
    func expectExit() { state.withLockedValue { $0.expectingExit = true } }

    /// Waits for the process to end on its own, then sends SIGTERM, then SIGKILL (to this pid only).
    func waitForExit(graceSeconds: Double) async {
        guard process.processIdentifier > 0 else { return }
        if await exited(within: graceSeconds) { return }
        kill(process.processIdentifier, SIGTERM)
        if await exited(within: 3) { return }
        kill(process.processIdentifier, SIGKILL)
        _ = await exited(within: 3)
    }

    /// Ends the browser and every process it started at once. Chromium runs in a process group of
    /// its own (Foundation's `Process` starts it so), which its zygote, renderers and utility
    /// processes share; when that is not so, only the browser process is killed. Its profile is
    /// thrown away next, so a graceful shutdown would save nothing: it took 0.15 s a capture.
    func killAll() async {
        let pid = process.processIdentifier
        guard pid > 0 else { return }
        killGroup(pid)
        _ = await exited(within: 5)
    }

    /// Whether the process ended within `seconds`, woken by its termination handler.
    private func exited(within seconds: Double) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while true {
            let version = changes.version
            if !process.isRunning || state.withLockedValue({ $0.exitStatus != nil }) { return true }
            if ContinuousClock.now >= deadline { return false }
            await changes.wait(after: version, until: deadline)
        }
    }

    func removeProfile() {
        try? FileManager.default.removeItem(atPath: profileDirectory)
        if let cleanup { InterruptCleanup.remove(cleanup) }
    }

    /// Registered with ``InterruptCleanup`` while the browser runs.
    var cleanup: Int?

    /// On an interrupt: the whole process group killed at once and the profile removed, with
    /// system calls only (the capture's tasks are not waited for).
    func endNow() {
        let pid = process.processIdentifier
        if pid > 0 { killGroup(pid) }
        try? FileManager.default.removeItem(atPath: profileDirectory)
    }

    /// Kills the process group the browser led at its start, and the browser. Whether it leads
    /// one is known from its start, not asked with `getpgid` now: once the browser itself has died
    /// (killed, crashed) `getpgid` fails, and its zygote and renderers lived on and wrote into the
    /// profile being removed (seen in a CI run). A group id is its leader's pid, which no other
    /// process can take while the group lives, so `-pid` never reaches anyone else's processes.
    func killGroup(_ pid: pid_t) {
        if state.withLockedValue({ $0.leadsGroup }) { kill(-pid, SIGKILL) }
        kill(pid, SIGKILL)
    }
}

/// How many browsers of this process may be starting at once (from launch until DevTools
/// answers): the number of cores, at least 2. The others wait their turn, in order.
actor LaunchGate {
    static let shared = LaunchGate(limit: max(2, ProcessInfo.processInfo.activeProcessorCount))

    private let limit: Int
    private var starting = 0
    private var waiting: [(id: UInt64, turn: CheckedContinuation<Void, any Error>)] = []
    private var nextID: UInt64 = 0

    init(limit: Int) { self.limit = limit }

    /// Waits for a slot; a task cancelled while it waits (an interrupt, a batch given up) leaves
    /// the line with `CancellationError` instead of waiting for a browser it no longer wants.
    func enter() async throws {
        if starting < limit {
            starting += 1
            return
        }
        let id = nextID
        nextID += 1
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (turn: CheckedContinuation<Void, any Error>) in
                if Task.isCancelled { turn.resume(throwing: CancellationError()) } else { waiting.append((id, turn)) }
            }
        } onCancel: {
            Task { await self.abandon(id) }
        }
    }

    private func abandon(_ id: UInt64) {
        guard let index = waiting.firstIndex(where: { $0.id == id }) else { return }
        waiting.remove(at: index).turn.resume(throwing: CancellationError())
    }

    func leave() {
        if waiting.isEmpty {
            starting -= 1
        } else {
            // The slot passes straight to the next in line.
            waiting.removeFirst().turn.resume()
        }
    }

    /// How many wait for a slot (for tests).
    var waitingCount: Int { waiting.count }
}
