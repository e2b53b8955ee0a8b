import ExhibitTestSupport
import Foundation
import Sessions
import Testing

/// `exhibit session list` and `exhibit session delete` as a user runs them, with
/// `EXHIBIT_SESSIONS` pointing at a test folder.
@Suite("exhibit session command line", .serialized, .hangGuard)
struct SessionCommandTests {
    typealias Support = SessionTestSupport

    /// `exhibit`, built next to the test bundle by `swift build --build-tests`.
    static var exhibit: String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("exhibit").path
    }

    static func run(_ arguments: [String], store: SessionStore) async throws -> ProcessRunner.Output {
        try await ProcessRunner.run(exhibit, arguments, environment: ["EXHIBIT_SESSIONS": store.directory.path])
    }

    static func store() throws -> SessionStore {
        let store = SessionStore(directory: Support.folder())
        // Expiry times far in the past and the future: the command counts against the real clock.
        var state = SessionStoreTests.state
        for index in state.cookies.indices where state.cookies[index].expires != -1 {
            state.cookies[index].expires = index < 2 ? 1_000_000_000 : 4_000_000_000
        }
        try store.save(state, as: "bsky")
        try store.save(SessionState(cookies: [Support.cookies[2]]), as: "plain")
        return store
    }

    @Test("list: one line a session with its sites, account and expired cookies")
    func list() async throws {
        let store = try Self.store()
        let run = try await Self.run(["session", "list"], store: store)
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines == [
            "bsky  created 2026-12-01T23:15:00Z  api.example.org, example.com, https://example.com, www.example.com  @investigator  2 of 4 cookies expired",
            "plain  created unknown  example.com  account unknown",
        ])
        #expect(!run.stdout.contains("s3cr3t-sid-value") && !run.stdout.contains("t0k3n"))
    }

    @Test("list --json: an array with every key in each entry")
    func listJSON() async throws {
        let store = try Self.store()
        let run = try await Self.run(["session", "list", "--json"], store: store)
        #expect(run.status == 0, "\(run.stderr)")
        let entries = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]]
        #expect(entries?.map { $0["name"] as? String } == ["bsky", "plain"])
        #expect(entries?.first?["created"] as? String == "2026-12-01T23:15:00Z")
        #expect(entries?.first?["expiredCookies"] as? Int == 2)
        #expect(entries?.last?["account"] is NSNull)
        #expect(Set(entries?.first?.keys.map { $0 } ?? []) == ["name", "created", "origins", "account", "cookieCount", "expiredCookies", "problem"])
    }

    @Test("list with no sessions says how to make one, on stderr, and exits 0")
    func listEmpty() async throws {
        let store = SessionStore(directory: Support.folder().appendingPathComponent("absent"))
        let run = try await Self.run(["session", "list"], store: store)
        #expect(run.status == 0)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("no sessions in \(store.directory.path)"))
    }

    @Test("delete removes the session; an unknown one is exit 2 with one line naming the known ones")
    func delete() async throws {
        let store = try Self.store()
        let run = try await Self.run(["session", "delete", "plain"], store: store)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try store.names() == ["bsky"])
        let again = try await Self.run(["session", "delete", "plain"], store: store)
        #expect(again.status == 2)
        #expect(again.stderr == "exhibit: error: unknown session 'plain'; known sessions: bsky\n")
    }

    @Test("a store folder others can read is exit 2 with the chmod that fixes it")
    func unsafeFolder() async throws {
        let store = try Self.store()
        chmod(store.directory.path, 0o750)
        let run = try await Self.run(["session", "list"], store: store)
        #expect(run.status == 2)
        #expect(run.stderr == "exhibit: error: session folder \(store.directory.path) is open to others (mode 0750); run: chmod 700 \(store.directory.path)\n")
    }
}
