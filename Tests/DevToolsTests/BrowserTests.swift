import Foundation
import Testing
@testable import DevTools

/// These tests drive the real Chromium that `make test` installs.
@Suite("Real Chromium: launch, attach, death", .serialized, .hangGuard)
struct BrowserTests {
    @Test("launch finds the browser, binds DevTools to 127.0.0.1 only, and removes its profile afterwards")
    func launchAndClose() async throws {
        let browser = try await LaunchedBrowser().open()
        let version = try await browser.connection.send(BrowserCommands.GetVersion())
        #expect(version.product.hasPrefix("Chrome/"))
        #expect(browser.endpoint.hasPrefix("ws://127.0.0.1:"))
        let port = try #require(URLComponents(string: browser.endpoint)?.port)
        // What a connection reaches is the proof: loopback answers, no other address of this
        // machine does. /proc/net/tcp is read too, but some CI kernels list nothing there.
        #expect(Self.accepts(address: "127.0.0.1", port: port), "DevTools does not answer on 127.0.0.1:\(port)")
        for address in Self.nonLoopbackAddresses() {
            #expect(!Self.accepts(address: address, port: port), "DevTools answers on \(address):\(port)")
        }
        let listeners = Self.listeningAddresses(port: port)
        #expect(listeners.allSatisfy { $0 == "127.0.0.1" }, "DevTools listens on \(listeners)")
        let profile = try #require(browser.profileDirectory)
        #expect(FileManager.default.fileExists(atPath: profile))
        let command = try #require(browser.launchCommand)
        #expect(command.contains("--headless"))
        // As root the browser runs as an unprivileged user, with its sandbox.
        #expect(!command.contains("--no-sandbox"))
        #expect(browser.account?.sandbox == true)
        #expect(browser.account?.switchesUser == (getuid() == 0))
        let pid = try #require(browser.processIdentifier)
        // Chromium's zygote, renderers and utility processes share its process group.
        _ = try await PageSession.open(on: browser.connection)
        #expect(Self.processGroup(pid).count >= 3, "the browser's helpers are not in its process group: \(Self.processGroup(pid))")
        await browser.close()
        #expect(!FileManager.default.fileExists(atPath: profile))
        #expect(kill(pid, 0) != 0, "browser process \(pid) still running after close")
        // None of its processes still runs (zombies are left to whoever reaps orphans).
        var left = Self.processGroup(pid)
        for _ in 0..<100 where !left.isEmpty {
            try await Task.sleep(for: .milliseconds(20))
            left = Self.processGroup(pid)
        }
        #expect(left.isEmpty, "processes of the browser's group left after close: \(left)")
    }

    /// Pids of the processes in process group `group` that have not exited, from /proc/*/stat.
    static func processGroup(_ group: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            // After the command name: state, ppid, pgrp.
            guard fields.count > 2, fields[0] != "Z", Int32(fields[2]) == group else { return nil }
            return pid
        }
    }

    @Test("a browser whose stderr says nothing is still found through DevToolsActivePort in its profile")
    func endpointFromActivePortFile() async throws {
        // A wrapper that silences Chromium's stderr, so the "DevTools listening on" line never comes.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("exhibit-quiet-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let wrapper = folder.appendingPathComponent("quiet-chromium").path
        try Data("#!/bin/sh\nexec /usr/lib/chromium/chromium \"$@\" 2>/dev/null\n".utf8).write(to: URL(fileURLWithPath: wrapper))
        chmod(wrapper, 0o755)
        let browser = try await LaunchedBrowser(executable: wrapper).open()
        #expect(browser.endpoint.hasPrefix("ws://127.0.0.1:") && browser.endpoint.contains("/devtools/browser/"))
        let version = try await browser.connection.send(BrowserCommands.GetVersion())
        #expect(version.product.hasPrefix("Chrome/"))
        await browser.close()
    }

    @Test("attach by http://HOST:PORT (via /json/version) and by ws:// URL; closing an attached browser leaves it running")
    func attach() async throws {
        let owner = try await LaunchedBrowser().open()
        let port = try #require(URLComponents(string: owner.endpoint)?.port)
        let viaHTTP = try await AttachedBrowser(url: "http://127.0.0.1:\(port)").open()
        #expect(viaHTTP.endpoint == owner.endpoint)
        #expect(viaHTTP.launchCommand == nil)
        _ = try await viaHTTP.connection.send(BrowserCommands.GetVersion())
        await viaHTTP.close()
        let viaWS = try await AttachedBrowser(url: owner.endpoint).open()
        _ = try await viaWS.connection.send(BrowserCommands.GetVersion())
        await viaWS.close()
        // The owner's browser is still alive and answering.
        _ = try await owner.connection.send(BrowserCommands.GetVersion())
        await owner.close()
    }

    @Test("a browser killed mid-session fails pending and later calls with 'exited unexpectedly' and its stderr")
    func browserDeathIsReported() async throws {
        let browser = try await LaunchedBrowser().open()
        let pid = try #require(browser.processIdentifier)
        let page = try await PageSession.open(on: browser.connection)
        // A command that waits long enough for the kill to land while it is pending.
        async let pending: Int? = page.evaluate("new Promise(r => setTimeout(() => r(1), 20000))",
                                                awaitPromise: true, timeout: .seconds(30))
        try await Task.sleep(for: .milliseconds(300))
        kill(pid, SIGKILL)
        do {
            _ = try await pending
            Issue.record("expected the pending call to fail")
        } catch {
            #expect("\(error)".contains("exited unexpectedly") || "\(error)".contains("connection closed"), "\(error)")
        }
        // Once the exit is noticed, any further call names the browser's death, with the tail of
        // its stderr (at least its DevTools announcement).
        let error = try await Self.errorAfterDeath(of: browser)
        #expect(error.contains("; browser stderr: ") && error.contains("DevTools listening on ws://127.0.0.1:"), "\(error)")
        await browser.close()
    }

    /// What a call fails with once the browser's death has been noticed.
    static func errorAfterDeath(of browser: BrowserHandle) async throws -> String {
        try await Task.sleep(for: .milliseconds(300))
        do {
            _ = try await browser.connection.send(BrowserCommands.GetVersion())
            Issue.record("expected a failure")
            return ""
        } catch {
            #expect("\(error)".contains("browser process exited unexpectedly"), "\(error)")
            return "\(error)"
        }
    }

    @Test("--transport pipe: commands and a 40 MB answer travel over fd 3 and 4, no port is opened, and a killed browser is reported with its stderr")
    func pipeTransport() async throws {
        let browser = try await LaunchedBrowser(transport: .pipe).open()
        #expect(browser.endpoint == BrowserHandle.pipeEndpoint)
        #expect(browser.transport == .pipe)
        let command = try #require(browser.launchCommand)
        #expect(command.contains("--remote-debugging-pipe") && !command.contains { $0.hasPrefix("--remote-debugging-port") })
        let version = try await browser.connection.send(BrowserCommands.GetVersion())
        #expect(version.product.hasPrefix("Chrome/"))
        let page = try await PageSession.open(on: browser.connection)
        let big: String? = try await page.evaluate("'x'.repeat(40 * 1024 * 1024)", timeout: .seconds(60))
        #expect(big?.utf8.count == 40 << 20)
        // Several calls in flight at once are each answered (messages are split at their NULs).
        async let first: Int? = page.evaluate("1 + 1")
        async let second: Int? = page.evaluate("2 + 2")
        #expect(try await [first, second] == [2, 4])
        let pid = try #require(browser.processIdentifier)
        kill(pid, SIGKILL)
        _ = try await Self.errorAfterDeath(of: browser)
        let profile = try #require(browser.profileDirectory)
        await browser.close()
        #expect(!FileManager.default.fileExists(atPath: profile))
    }

    @Test("a missing browser is a clear error; EXHIBIT_BROWSER is honoured")
    func missingBrowser() async throws {
        await #expect(throws: DevToolsError.self) { try await LaunchedBrowser(executable: "/nonexistent").open() }
        do {
            _ = try LaunchedBrowser.locate(explicit: nil, environment: ["EXHIBIT_BROWSER": "/nonexistent/chromium"])
            Issue.record("expected browserNotFound")
        } catch {
            #expect("\(error)" == "browser not found: EXHIBIT_BROWSER=/nonexistent/chromium does not exist or is not executable")
        }
        let found = try LaunchedBrowser.locate(explicit: nil, environment: ["EXHIBIT_BROWSER": "/usr/lib/chromium/chromium"])
        #expect(found == "/usr/lib/chromium/chromium")
        #expect(try LaunchedBrowser.locate(explicit: nil, environment: ["PATH": "/usr/bin"]) == "/usr/lib/chromium/chromium")
    }

    @Test("pass-through flags land on the command line; --no-sandbox only as root")
    func commandLine() {
        let launcher = LaunchedBrowser(proxy: "http://127.0.0.1:3128", userAgent: "ExhibitTest/1",
                                       extraArguments: ["--lang=nl"])
        let asUser = launcher.arguments(profileDirectory: "/tmp/p")
        #expect(!asUser.contains("--no-sandbox"))
        #expect(launcher.arguments(profileDirectory: "/tmp/p", sandbox: false).contains("--no-sandbox"))
        var piped = launcher
        piped.transport = .pipe
        #expect(piped.arguments(profileDirectory: "/tmp/p").contains("--remote-debugging-pipe"))
        #expect(!piped.arguments(profileDirectory: "/tmp/p").contains { $0.hasPrefix("--remote-debugging-port") })
        #expect(asUser.contains("--proxy-server=http://127.0.0.1:3128"))
        #expect(asUser.contains("--user-agent=ExhibitTest/1"))
        #expect(asUser.contains("--lang=nl"))
        #expect(asUser.contains("--remote-debugging-port=0"))
        #expect(asUser.last == "--no-startup-window")
        // The captured page and the report's page are open at once: neither may be throttled.
        for flag in ["--disable-renderer-backgrounding", "--disable-background-timer-throttling", "--disable-backgrounding-occluded-windows"] {
            #expect(asUser.contains(flag), "missing \(flag)")
        }
    }

    /// Whether a TCP connection to `address`:`port` (IPv4 or IPv6 literal) is accepted.
    static func accepts(address: String, port: Int) -> Bool {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(address, String(port), &hints, &found) == 0, let info = found else { return false }
        defer { freeaddrinfo(info) }
        let socket = Glibc.socket(info.pointee.ai_family, info.pointee.ai_socktype, 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        return connect(socket, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0
    }

    /// This machine's IPv4 and IPv6 addresses other than loopback (IPv6 link-local ones need a
    /// scope and are left out).
    static func nonLoopbackAddresses() -> [String] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(list) }
        var addresses: [String] = []
        for entry in sequence(first: first, next: { $0.pointee.ifa_next }) {
            guard let address = entry.pointee.ifa_addr,
                  Int32(entry.pointee.ifa_flags) & Int32(IFF_LOOPBACK) == 0 else { continue }
            let family = Int32(address.pointee.sa_family)
            guard family == AF_INET || family == AF_INET6 else { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            let length = socklen_t(family == AF_INET ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
            guard getnameinfo(address, length, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 else { continue }
            let text = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if !text.contains("%") { addresses.append(text) }
        }
        return addresses
    }

    /// Local addresses listening on `port`, read from /proc/net/tcp and tcp6 (no tool needed).
    static func listeningAddresses(port: Int) -> [String] {
        var found: [String] = []
        for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 3, fields[3] == "0A" else { continue }  // 0A = LISTEN
                let local = fields[1].split(separator: ":")
                guard local.count == 2, Int(local[1], radix: 16) == port else { continue }
                let hex = String(local[0])
                if hex.count == 8, let value = UInt32(hex, radix: 16) {
                    let bytes = [value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, value >> 24]
                    found.append(bytes.map(String.init).joined(separator: "."))
                } else {
                    found.append(hex == String(repeating: "0", count: 32) ? "::" : "ipv6:\(hex)")
                }
            }
        }
        return found
    }
}
