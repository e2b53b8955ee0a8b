import Capture
import FixtureServer
import Foundation
import PrivateNetwork
import Testing

/// The network policy through the real binary and a real Chromium: loopback, private, link-local
/// and metadata addresses refused for the page, every redirect hop and every request of the page,
/// its frames and its workers; `--allow-private` and `--allow-private-address` to let them through.
///
/// Offline there is no public address, so "a public page that redirects to loopback" starts at an
/// address allowed by `--allow-private-address 127.0.0.1` (the fixture server). A second fixture
/// server on 127.0.0.2 stands for what must never be reached: each test checks that it was not.
@Suite("The network policy refuses private addresses", .serialized, .hangGuard)
struct NetworkPolicyTests {
    /// A fixture server on another loopback address, or nil (with a note) where it cannot bind.
    static func listener(on host: String) async -> FixtureServer? {
        do { return try await FixtureServer.start(root: TestSupport.fixtures, host: host) } catch {
            print("note: no listener on \(host) (\(error)); the checks that need it are skipped")
            return nil
        }
    }

    /// stderr without blank lines.
    static func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

    /// Every file and folder left in `folder`, hidden ones included.
    static func leftovers(_ folder: URL) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    }

    @Test("a loopback page, however spelled, is refused before any browser starts: exit 5, one line naming the rule, nothing kept",
          arguments: ["127.0.0.1", "2130706433", "0x7f.1", "127.1", "[::ffff:127.0.0.1]"])
    func loopbackPageRefused(host: String) async throws {
        let port = try await TestSupport.server.value.port
        let url = "http://\(host):\(port)/sample-thread/"
        let out = TestSupport.temporaryFolder("refused")
        let run = try await TestSupport.exhibit(["capture", url, "--out", out.path], asGiven: true)
        #expect(run.status == 5, "\(run.stderr)")
        let lines = Self.lines(run.stderr)
        #expect(lines.count == 1, "\(run.stderr)")
        let embedded = host.hasPrefix("[") ? "loopback ::ffff:127.0.0.1 (127.0.0.0/8 inside IPv4-mapped ::ffff:0:0/96)"
            : "loopback 127.0.0.1 (127.0.0.0/8)"
        #expect(lines.first?.hasPrefix("exhibit: error: navigate http://") == true, "\(run.stderr)")
        #expect(lines.first?.contains(" refused: \(embedded); pass --allow-private to capture private addresses") == true, "\(run.stderr)")
        #expect(!run.stderr.contains("launch"), "a browser was started: \(run.stderr)")
        #expect(Self.leftovers(out).isEmpty, "\(Self.leftovers(out))")
    }

    @Test("a page at an allowed address that redirects to a private one is refused at that hop: exit 5, the hop and the rule named, nothing kept, nothing reached",
          arguments: [
              ("127.0.0.2", "loopback 127.0.0.2 (127.0.0.0/8)"),
              ("http://169.254.169.254/latest/meta-data/", "cloud metadata 169.254.169.254 (169.254.169.254/32)"),
              ("[::1]", "loopback ::1 (::1/128)"),
              ("http://10.0.0.1/", "private 10.0.0.1 (10.0.0.0/8)"),
              ("two hops to 127.0.0.2", "loopback 127.0.0.2 (127.0.0.0/8)"),
          ])
    func redirectRefused(target: String, rule: String) async throws {
        let server = try await TestSupport.server.value
        let second = await Self.listener(on: "127.0.0.2")
        defer { if let second { Task { await second.stop() } } }
        let secondPort = second?.port ?? server.port
        func redirect(to url: String) -> String {
            "/_redirect?to=" + (url.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? url)
        }
        // The hop that must be refused, and the path that leads there from the allowed server.
        let hop: String, path: String
        switch target {
        case "127.0.0.2": hop = "http://127.0.0.2:\(secondPort)/sample-thread/"; path = redirect(to: hop)
        case "[::1]": hop = "http://[::1]:\(server.port)/sample-thread/"; path = redirect(to: hop)
        case "two hops to 127.0.0.2": hop = "http://127.0.0.2:\(secondPort)/two-hops"; path = redirect(to: redirect(to: hop))
        default: hop = target; path = redirect(to: hop)
        }
        let out = TestSupport.temporaryFolder("redirect")
        let run = try await TestSupport.exhibit(["capture", server.baseURL + path, "--allow-private-address", "127.0.0.1",
                                                 "--out", out.path, "--quiet"], asGiven: true)
        #expect(run.status == 5, "\(run.stderr)")
        let lines = Self.lines(run.stderr)
        #expect(lines.count == 1, "\(run.stderr)")
        #expect(lines.first?.hasPrefix("exhibit: error: navigate \(server.baseURL)/_redirect?to=") == true, "\(run.stderr)")
        #expect(lines.first?.contains(" → redirect to \(hop) refused: \(rule); pass --allow-private") == true, "\(run.stderr)")
        #expect(Self.leftovers(out).isEmpty, "\(Self.leftovers(out))")
        if let second { #expect(second.requests.isEmpty, "127.0.0.2 was reached: \(second.requests)") }
    }

    @Test("requests of the page, its cross-site frame, its dedicated, shared and service workers to private addresses are refused, recorded with their rule and warned about; a WebSocket is recorded")
    func subresourcesRefused() async throws {
        let server = try await TestSupport.server.value
        guard let secret = await Self.listener(on: "127.0.0.2"), let frameSite = await Self.listener(on: "127.0.0.3") else { return }
        defer { Task { await secret.stop(); await frameSite.stop() } }
        let out = TestSupport.temporaryFolder("subresources")
        let run = try await TestSupport.exhibit([
            "capture", server.baseURL + "/private-addresses/?private=\(secret.port)&frame=\(frameSite.port)",
            "--allow-private-address", "127.0.0.1", "--allow-private-address", "127.0.0.3", "--out", out.path,
        ], asGiven: true)
        #expect(run.status == 0, "\(run.stderr)")
        let folder = out.appendingPathComponent(try #require(TestSupport.visibleFolders(in: out).first))
        let record = try TestSupport.decodeRecord(folder)
        let network = try #require(record.network)
        #expect(network.privateAddresses == .refused && network.allowedAddresses == ["127.0.0.1", "127.0.0.3"])
        #expect(network.rules == "exhibit-private-addresses/1" && network.responseAddressesChecked)
        #expect(network.ranges.contains("loopback 127.0.0.0/8") && network.ranges.contains("link-local fe80::/10"))
        #expect(record.options.allowedPrivateAddresses == ["127.0.0.1", "127.0.0.3"] && !record.options.allowPrivateAddresses)

        func entry(_ from: String) -> CaptureRecord.BlockedRequest? { network.blocked.first { $0.url.contains("from=\(from)") } }
        for from in ["page-fetch", "frame-image", "dedicated-worker", "shared-worker", "service-worker"] {
            let refused = entry(from)
            #expect(refused?.stage == .request && refused?.address == "127.0.0.2" && refused?.rule == "loopback 127.0.0.0/8",
                    "\(from): \(String(describing: refused)) in \(network.blocked)")
        }
        let metadata = network.blocked.first { $0.host == "169.254.169.254" }
        #expect(metadata?.rule == "cloud metadata 169.254.169.254/32" && metadata?.resourceType == "Image" && metadata?.stage == .request)
        let socket = entry("websocket")
        #expect(socket?.stage == .websocket && socket?.resourceType == "WebSocket" && socket?.rule == "loopback 127.0.0.0/8")
        // Only the WebSocket, which Fetch cannot pause, got through; everything else was stopped before it was sent.
        #expect(secret.requests.allSatisfy { $0.contains("from=websocket") }, "\(secret.requests)")
        #expect(frameSite.requests.contains { $0.contains("/private-addresses/frame.html") }, "\(frameSite.requests)")

        #expect(record.warnings.contains { $0.message.contains("requests to 127.0.0.2 refused by the network policy (loopback 127.0.0.0/8)") })
        #expect(record.warnings.contains { $0.message.contains("requests to 169.254.169.254 refused by the network policy") })
        #expect(record.warnings.contains { $0.message.contains("WebSocket to 127.0.0.2") })
        // Every target's requests were checked: none is said to have escaped the policy.
        #expect(!record.warnings.contains { $0.message.contains("could not be checked") }, "\(record.warnings)")
        #expect(record.completeness.summary.contains("request(s) to private addresses refused"), "\(record.completeness.summary)")
        #expect(record.completeness.content.contains { $0.name == "page resources" && !$0.captured })
        #expect(run.stderr.contains("refused by the network policy"))
        let report = try String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(report.contains("Requests the network policy refused") && report.contains("cloud metadata 169.254.169.254/32"))

        let schema = TestSupport.packageRoot.appendingPathComponent("Schemas/capture.schema.json").path
        let check = try await TestSupport.run("/usr/bin/env", ["python3", "-c", """
            import json, sys, jsonschema
            jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
            print("valid")
            """, folder.appendingPathComponent("data/capture.json").path, schema])
        #expect(check.status == 0 && check.stdout.contains("valid"), "\(check.stderr)")
    }

    @Test("--allow-private captures the loopback fixture as before, records the policy as allowed, and never pauses a request before it is sent")
    func allowPrivate() async throws {
        let out = TestSupport.temporaryFolder("allowed")
        let trace = out.appendingPathComponent("trace.jsonl").path
        let run = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + "/sample-thread/", "--allow-private",
                                                 "--out", out.path, "--quiet", "--trace", trace], asGiven: true)
        #expect(run.status == 0, "\(run.stderr)")
        let folder = out.appendingPathComponent(try #require(TestSupport.visibleFolders(in: out).first { $0 != "trace.jsonl" }))
        let record = try TestSupport.decodeRecord(folder)
        #expect(record.state == .complete)
        #expect(record.network?.privateAddresses == .allowed && record.network?.blocked.isEmpty == true)
        #expect(record.network?.responseAddressesChecked == false)
        #expect(record.options.allowPrivateAddresses)
        let messages = try String(contentsOfFile: trace, encoding: .utf8)
        // No request paused before it is sent. (Frames may still be followed by auto-attach: a page no
        // platform matches may embed a post in a frame of another site.) The web archive's recorder
        // pauses responses only, at the Response stage, to start streaming large bodies.
        let enables = messages.split(separator: "\n").filter { $0.contains("\"Fetch.enable\"") }
        #expect(enables.count == 1 && enables.allSatisfy { $0.contains(#""requestStage":"Response""#) && !$0.contains(#""requestStage":"Request""#) },
                "\(enables)")
    }

    @Test("names that mean this machine are refused: localhost by name, even with its address allowed; another name by the address it resolves to")
    func loopbackNames() async throws {
        let port = try await TestSupport.server.value.port
        let out = TestSupport.temporaryFolder("names")
        for extra in [[], ["--allow-private-address", "127.0.0.1"]] {
            let run = try await TestSupport.exhibit(["capture", "http://localhost:\(port)/sample-thread/", "--out", out.path] + extra,
                                                    asGiven: true)
            #expect(run.status == 5, "\(run.stderr)")
            #expect(run.stderr.contains("refused: loopback name localhost (localhost, *.localhost); pass --allow-private"), "\(run.stderr)")
        }
        // The machine's own name resolves to loopback on many hosts (Debian's /etc/hosts); where it
        // does, it is refused by that address, with no name rule involved.
        let name = ProcessInfo.processInfo.hostName.lowercased()
        if case .success(let addresses) = await NameResolver().resolve(name), !addresses.isEmpty,
           addresses.allSatisfy({ AddressRules.rule(for: $0)?.name == "loopback" }), AddressRules.rule(forName: name) == nil {
            let run = try await TestSupport.exhibit(["capture", "http://\(name):\(port)/sample-thread/", "--out", out.path], asGiven: true)
            #expect(run.status == 5, "\(run.stderr)")
            #expect(run.stderr.contains("navigate http://\(name):\(port)/sample-thread/ refused: loopback "), "\(run.stderr)")
        } else {
            print("note: the host name \(name) does not resolve to loopback only; its check is skipped")
        }
        #expect(Self.leftovers(out).isEmpty, "\(Self.leftovers(out))")
    }

    @Test("a document answered from a refused address, although its name resolved to an allowed one for Exhibit, fails the capture (exit 5)")
    func responseAddressChecked() async throws {
        // The browser is told to resolve the machine's own name to 127.0.0.2 while Exhibit's lookup
        // gives 127.0.0.1, which is allowed: what a DNS answer changed between the two lookups does.
        let name = ProcessInfo.processInfo.hostName.lowercased()
        guard case .success(let addresses) = await NameResolver().resolve(name), addresses == [IPAddress("127.0.0.1")!],
              AddressRules.rule(forName: name) == nil else {
            print("note: the host name \(name) does not resolve to 127.0.0.1 alone; the response-address check is skipped")
            return
        }
        guard let secret = await Self.listener(on: "127.0.0.2") else { return }
        defer { Task { await secret.stop() } }
        let out = TestSupport.temporaryFolder("rebound")
        let run = try await TestSupport.exhibit([
            "capture", "http://\(name):\(secret.port)/sample-thread/", "--allow-private-address", "127.0.0.1", "--out", out.path, "--quiet",
            "--browser-arg=--host-resolver-rules=MAP \(name) 127.0.0.2",
        ], asGiven: true)
        #expect(run.status == 5, "\(run.stderr)")
        #expect(run.stderr.contains("was answered from 127.0.0.2") && run.stderr.contains("refused: loopback 127.0.0.2 (127.0.0.0/8)"), "\(run.stderr)")
        #expect(Self.leftovers(out).isEmpty, "\(Self.leftovers(out))")
        #expect(secret.requests.contains { $0.hasPrefix("GET /sample-thread/") }, "the browser did not go where it was told: \(secret.requests)")
    }
}
