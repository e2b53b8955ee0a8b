import Capture
import DevTools
import Foundation
import Testing

/// Issue 12, point 7: while a capture runs as root, another local user cannot use its browser to
/// read a root-only file. The attacker is `Tests/Support/attacker/devtools_thief.py`, run as
/// `nobody`: it finds the capture's DevTools port the way any local user could, opens the file in a
/// new tab and reads the tab back. The capture is held still (SIGSTOP) while it tries, so the
/// browser is certainly running; the browser itself is not stopped.
@Suite("Nobody else drives the capture browser", .serialized, .hangGuard)
struct BrowserAccountTests {
    static let thief = TestSupport.packageRoot.appendingPathComponent("Tests/Support/attacker/devtools_thief.py").path

    struct Theft: Decodable {
        let found: Bool
        let port: Int?
        let read: String?
        let error: String?
        let ports_tried: Int
    }

    /// A process of the capture browser: its uid and whether seccomp filters it (the sandbox).
    struct BrowserProcess { let type: String; let uid: UInt32; let seccompFiltered: Bool }

    /// A file only root can read: 0600 inside a 0700 folder.
    func rootOnlySecret() throws -> (url: URL, text: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("exhibit-secret-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        let file = folder.appendingPathComponent("secret.txt")
        let text = "exhibit-secret-\(UUID().uuidString)"
        try Data(text.utf8).write(to: file)
        chmod(file.path, 0o600)
        return (file, text)
    }

    /// The processes of the browser whose profile lies under `tmp`: those whose command line names
    /// it, and every process of their process groups (renderers forked by the zygote do not name
    /// the profile), read from /proc.
    func browserProcesses(under tmp: URL) -> [BrowserProcess] {
        struct Entry { let pid: String; let commandLine: String; let group: Substring? }
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { pid -> Entry? in
            guard Int32(pid) != nil, let commandLine = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            // After the command name: state, ppid, pgrp.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return Entry(pid: pid, commandLine: commandLine, group: fields.count > 2 ? fields[2] : nil)
        }
        let groups = Set(entries.filter { $0.commandLine.contains(tmp.path) }.compactMap(\.group))
        return entries.filter { $0.group.map(groups.contains) == true }.compactMap { entry in
            guard let status = try? String(contentsOfFile: "/proc/\(entry.pid)/status", encoding: .utf8) else { return nil }
            func field(_ name: String) -> [Substring] {
                status.split(separator: "\n").first { $0.hasPrefix(name + ":") }?.dropFirst(name.count + 1).split(whereSeparator: \.isWhitespace) ?? []
            }
            // Chromium retitles its helpers, which joins their arguments with spaces.
            let type = entry.commandLine.range(of: "--type=").map { found in
                String(entry.commandLine[found.upperBound...].prefix { !$0.isWhitespace && $0 != "\0" })
            } ?? "browser"
            return BrowserProcess(type: type, uid: field("Uid").first.flatMap { UInt32($0) } ?? UInt32.max,
                                  seccompFiltered: field("Seccomp").first == "2")
        }
    }

    /// Captures the sample thread with `extra` options; once it has navigated, holds it still,
    /// runs the thief as `nobody` and looks at the browser's processes, then lets it finish.
    func attack(_ extra: [String]) async throws -> (theft: Theft, processes: [BrowserProcess], status: Int32, stderr: String,
                                                    secret: String, out: URL) {
        let secret = try rootOnlySecret()
        defer { try? FileManager.default.removeItem(at: secret.url.deletingLastPathComponent()) }
        let marker = "thief-\(UUID().uuidString.prefix(8))"
        let tmp = TestSupport.temporaryFolder("tmpdir"), out = TestSupport.temporaryFolder("account")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let capture = try RunningExhibit(["capture", try await TestSupport.baseURL() + "/sample-thread/?\(marker)", "--out", out.path] + extra,
                                         tmp: tmp)
        try await capture.waitFor("] navigate")
        kill(capture.pid, SIGSTOP)
        let processes = browserProcesses(under: tmp)
        let run = try await TestSupport.run("/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--",
                                                                 "/usr/bin/python3", Self.thief, marker, secret.url.absoluteString],
                                            environment: ["PATH": "/usr/bin:/bin", "HOME": "/"])
        kill(capture.pid, SIGCONT)
        let (status, stderr) = try await capture.finish()
        let theft = try JSONDecoder().decode(Theft.self, from: Data(run.stdout.utf8))
        return (theft, processes, status, stderr, secret.text, out)
    }

    func record(in out: URL) throws -> CaptureRecord {
        let folder = try #require(TestSupport.visibleFolders(in: out).first, "no capture in \(out.path)")
        return try TestSupport.decodeRecord(out.appendingPathComponent(folder))
    }

    @Test("as root, the browser runs as exhibit-browser with its sandbox: a local user who drives its DevTools port cannot read a root-only file; capture.json says who ran it")
    func unprivilegedBrowser() async throws {
        guard getuid() == 0 else {
            print("skipped: this test needs root (it starts the browser as another user and attacks it as nobody)")
            return
        }
        let attempt = try await attack([])
        #expect(attempt.status == 0, "\(attempt.stderr)")
        // The loopback port is reachable by any local user: that is why the browser must not be root.
        #expect(attempt.theft.found, "the thief did not find the capture browser (\(attempt.theft.ports_tried) ports tried)")
        #expect(!(attempt.theft.read ?? "").contains(attempt.secret), "a local user read a root-only file through the capture browser")
        let account = try #require(getpwnam(BrowserAccount.defaultUser)).pointee.pw_uid
        #expect(!attempt.processes.isEmpty, "no browser process found")
        #expect(attempt.processes.allSatisfy { $0.uid == account }, "\(attempt.processes)")
        let renderers = attempt.processes.filter { $0.type == "renderer" }
        #expect(!renderers.isEmpty && renderers.allSatisfy(\.seccompFiltered), "renderers missing or not sandboxed: \(attempt.processes)")
        let browser = try record(in: attempt.out).browser
        #expect(browser.account == .init(user: BrowserAccount.defaultUser, uid: account, sandbox: true, switchedFromRoot: true))
        #expect(browser.transport == .websocket)
        #expect(!(browser.commandLine ?? []).contains("--no-sandbox"))
    }

    @Test("the control: with --allow-root-browser the same thief does read the root-only file, and capture.json says the sandbox was off")
    func rootBrowserIsExposed() async throws {
        guard getuid() == 0 else {
            print("skipped: this test needs root (it runs the browser as root and attacks it as nobody)")
            return
        }
        let attempt = try await attack(["--allow-root-browser"])
        #expect(attempt.status == 0, "\(attempt.stderr)")
        #expect(attempt.theft.found)
        #expect((attempt.theft.read ?? "").contains(attempt.secret), "the thief failed even against a root browser: \(attempt.theft)")
        #expect(attempt.processes.allSatisfy { $0.uid == 0 })
        let browser = try record(in: attempt.out).browser
        #expect(browser.account == .init(user: "root", uid: 0, sandbox: false, switchedFromRoot: false))
        #expect((browser.commandLine ?? []).contains("--no-sandbox"))
    }

    @Test("--transport pipe: no DevTools port at all, so the thief finds no browser; the capture is whole and says pipe")
    func pipeHasNoPort() async throws {
        guard getuid() == 0 else {
            print("skipped: this test needs root (it attacks the capture as nobody)")
            return
        }
        let attempt = try await attack(["--transport", "pipe"])
        #expect(attempt.status == 0, "\(attempt.stderr)")
        #expect(!attempt.theft.found, "the thief reached a pipe browser: \(attempt.theft)")
        #expect(attempt.theft.ports_tried > 0, "the thief tried no port at all")
        let record = try record(in: attempt.out)
        #expect(record.state == .complete)
        #expect(record.browser.transport == .pipe && record.browser.endpoint == BrowserHandle.pipeEndpoint)
        let commandLine = record.browser.commandLine ?? []
        #expect(commandLine.contains("--remote-debugging-pipe"))
        #expect(!commandLine.contains { $0.hasPrefix("--remote-debugging-port") })
        // The report's pictures reach the PDF although the browser user cannot read the bag.
        let folder = attempt.out.appendingPathComponent(try #require(TestSupport.visibleFolders(in: attempt.out).first))
        let images = try await TestSupport.run("/usr/bin/pdfimages", ["-list", folder.appendingPathComponent("report.pdf").path])
        #expect(images.stdout.split(separator: "\n").count >= 4, "report.pdf lacks its two pictures: \(images.stdout)")
    }

    @Test("as root with TMPDIR in a folder the browser user cannot enter: one line saying so and what to do, nothing captured, no profile left")
    func unreachableProfile() async throws {
        guard getuid() == 0 else {
            print("skipped: this test needs root (the browser only changes user under root)")
            return
        }
        let closed = TestSupport.temporaryFolder("closed"), out = TestSupport.temporaryFolder("closed-out")
        defer { try? FileManager.default.removeItem(at: closed) }
        chmod(closed.path, 0o700)
        let result = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + "/sample-thread/", "--out", out.path],
                                                   environment: ["TMPDIR": closed.path])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("who cannot enter \(closed.path) (mode 700)") && result.stderr.contains("set TMPDIR"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(TestSupport.visibleFolders(in: out).isEmpty)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: closed.path)) ?? []).isEmpty, "a profile folder was left")
    }

    @Test("bad account options are usage errors: --browser-user that does not exist or is root, with --allow-root-browser, or with --browser-url; --transport pipe with --browser-url")
    func accountUsage() async throws {
        let url = try await TestSupport.baseURL() + "/sample-thread/"
        var cases: [([String], String)] = [
            (["--transport", "pipe", "--browser-url", "http://127.0.0.1:9"], "--transport pipe needs a browser Exhibit starts"),
            (["--transport", "carrier-pigeon"], "--transport must be websocket or pipe"),
            (["--browser-user", "nobody", "--browser-url", "http://127.0.0.1:9"], "are for a browser Exhibit starts"),
        ]
        if getuid() == 0 {
            cases += [
                (["--browser-user", "no-such-user-exhibit"], "no-such-user-exhibit, which does not exist"),
                (["--browser-user", "root"], "is root (uid 0)"),
                (["--browser-user", "nobody", "--allow-root-browser"], "contradict each other"),
            ]
        } else {
            cases.append((["--browser-user", "nobody"], "needs Exhibit to run as root"))
        }
        for (arguments, message) in cases {
            let out = TestSupport.temporaryFolder("usage")
            let result = try await TestSupport.exhibit(["capture", url, "--out", out.path] + arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(TestSupport.visibleFolders(in: out).isEmpty)
        }
    }
}
