import Foundation
import HTTPTransfer
import Logging

/// How Exhibit obtains a browser: launch a local one, or attach to one already running.
/// Nothing above this interface knows which one ran.
public protocol BrowserProvider: Sendable {
    /// Starts or reaches the browser and opens a DevTools connection to it.
    func open() async throws -> BrowserHandle
}

/// A browser Exhibit is talking to, and how to let go of it.
public final class BrowserHandle: Sendable {
    /// The browser-level DevTools connection.
    public let connection: DevToolsConnection
    /// The `ws://` endpoint in use.
    public let endpoint: String
    /// The process Exhibit started, or nil when attached to someone else's browser.
    let process: BrowserProcess?
    /// True for a handle ``lent()`` out of a browser someone else keeps: closing it ends nothing.
    public let isLent: Bool

    init(connection: DevToolsConnection, endpoint: String, process: BrowserProcess?, isLent: Bool = false) {
        self.connection = connection
        self.endpoint = endpoint
        self.process = process
        self.isLent = isLent
    }

    /// The same browser for one capture of many (`exhibit batch`): it reads as this handle does
    /// (launched or attached, its command line, its account), but ``close()`` on it leaves the
    /// connection and the browser running for the next capture.
    public func lent() -> BrowserHandle {
        BrowserHandle(connection: connection, endpoint: endpoint, process: process, isLent: true)
    }

    /// True when the browser goes on after this handle is closed (attached, or lent): whoever
    /// lets go of it must close their own pages first.
    public var outlivesHandle: Bool { process == nil || isLent }

    /// Whether the browser can still be driven: its connection is open and, when Exhibit launched
    /// it, its process has not ended.
    public var isAlive: Bool {
        get async { await connection.closedReason == nil && (process.map { !$0.hasExited } ?? true) }
    }

    /// How many processes run below `pid` (read from /proc; 0 where there is none).
    public static func descendantCount(of pid: Int32) -> Int { BrowserProcess.descendants(of: pid, including: false).count }

    /// The ``endpoint`` of a browser driven over `--remote-debugging-pipe`.
    public static let pipeEndpoint = "pipe"

    /// Who the launched browser runs as and whether its sandbox is on; nil when attached (Exhibit
    /// cannot know how someone else's browser runs).
    public var account: BrowserAccount? { process?.account }

    /// How the launched browser is driven; nil when attached (always a WebSocket then).
    public var transport: LaunchedBrowser.Transport? { process?.transport }

    /// True when Exhibit launched this browser (and ends it on ``close()``), false when attached.
    public var isLaunched: Bool { process != nil }

    /// The executable and full command line, when Exhibit launched the browser.
    public var launchCommand: [String]? { process.map { [$0.executable] + $0.arguments } }

    /// The browser's process id, when Exhibit launched it.
    public var processIdentifier: Int32? { process?.pid }

    /// The temporary profile folder of a launched browser (removed by ``close()``).
    public var profileDirectory: String? { process?.profileDirectory }

    /// The last lines the launched browser wrote to stderr (empty when attached).
    public var stderrTail: String { process?.stderrTail ?? "" }

    /// Closes the connection; a launched browser is also ended, with all its processes, and its
    /// profile folder removed. An attached browser is left running; a lent handle does nothing.
    public func close() async {
        if isLent { return }
        if let process {
            process.expectExit()
            await connection.close()
            await process.killAll()
            process.removeProfile()
        } else {
            await connection.close()
        }
    }
}

/// Attaches to a running browser by `ws://HOST:PORT/devtools/browser/ID` or `http://HOST:PORT`
/// (asking `/json/version` for the WebSocket URL).
public struct AttachedBrowser: BrowserProvider {
    /// What the user gave.
    public let url: String
    /// Where every DevTools message of the connection is logged, if anywhere.
    public var trace: ProtocolTrace?

    public init(url: String, trace: ProtocolTrace? = nil) {
        self.url = url
        self.trace = trace
    }

    public func open() async throws -> BrowserHandle {
        let endpoint = try await Self.resolveEndpoint(url)
        devToolsLog.debug("attaching to a running browser", metadata: ["endpoint": "\(endpoint)"])
        let connection = try await DevToolsConnection.connect(to: endpoint, trace: trace)
        return BrowserHandle(connection: connection, endpoint: endpoint, process: nil)
    }

    /// Turns a `--browser-url` into a `ws://` endpoint.
    public static func resolveEndpoint(_ url: String) async throws -> String {
        if url.hasPrefix("ws://") { return url }
        guard url.hasPrefix("http://"), var components = URLComponents(string: url), components.host != nil else {
            throw DevToolsError.badEndpoint("\(url): expected ws://HOST:PORT/devtools/browser/ID or http://HOST:PORT")
        }
        components.path = "/json/version"
        components.query = nil
        guard let versionURL = components.string else { throw DevToolsError.badEndpoint(url) }
        let response: HTTPResponse
        do { response = try await HTTPTransfer.get(versionURL, timeout: 10) }
        catch { throw DevToolsError.badEndpoint("\(error)") }
        struct Version: Decodable { let webSocketDebuggerUrl: String }
        guard response.status == 200,
              let version = try? JSONDecoder().decode(Version.self, from: Data(response.body)) else {
            throw DevToolsError.badEndpoint("\(versionURL) answered HTTP \(response.status) without webSocketDebuggerUrl")
        }
        return version.webSocketDebuggerUrl
    }
}
