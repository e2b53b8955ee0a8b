import Foundation
import Sessions
import Testing

/// Cookie and storage values are credentials: no error, description or summary may hold one.
@Suite("session secrecy")
struct SessionSecrecyTests {
    typealias Support = SessionTestSupport

    /// Values no message has any other reason to contain.
    static let secrets = ["C00KIE-VALUE-7f3a9", "LOCALSTORAGE-VALUE-e21b"]

    static func assertNoSecret(_ text: String, _ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for secret in secrets {
            #expect(!text.contains(secret), "\(context): \(text)", sourceLocation: sourceLocation)
        }
    }

    /// A session whose every value is a secret, and files that break it in every way a value can
    /// be near an error.
    @Test("no error kind, description, summary or printed form contains a cookie or storage value")
    func valuesNeverShown() throws {
        let store = SessionStore(directory: Support.folder())
        let cookie = SessionCookie(name: "sid", value: Self.secrets[0], domain: ".example.com", expires: 1)
        let item = StorageItem(name: "session", value: Self.secrets[1])
        let state = SessionState(cookies: [cookie], origins: [OriginStorage(origin: "https://example.com", localStorage: [item])],
                                 exhibit: SessionInfo(created: Date(), loginURL: "https://example.com/", account: "@me"))
        let file = try store.save(state, as: "secret")
        let loaded = try store.load("secret")

        var texts: [(String, String)] = [
            ("cookie", "\(cookie)"), ("cookie reflecting", String(reflecting: cookie)),
            ("item", "\(item)"), ("item reflecting", String(reflecting: item)),
            ("state", "\(state)"), ("state reflecting", String(reflecting: state)),
            ("loaded", "\(loaded)"), ("loaded reflecting", String(reflecting: loaded)),
            ("summary", "\(state.cookieSummary)"),
        ]
        var dumped = ""
        dump(state, to: &dumped)
        texts.append(("dump", dumped))
        let summaries = try store.list()
        texts.append(("list", "\(summaries)"))
        texts.append(("list JSON", String(decoding: try JSONEncoder().encode(summaries), as: UTF8.self)))

        // Every kind of error, each from a file holding the secrets.
        let folder = Support.folder("errors")
        let secret = Self.secrets[0]
        let bad: [(String, String, mode_t)] = [
            ("cr.json", #"{"cookies": [{"name": "n", "value": "\#(secret)\r\n", "domain": "x.com"}]}"#, 0o600),
            ("semicolon.json", #"[{"name": "n", "value": "\#(secret);", "domain": "x.com"}]"#, 0o600),
            ("noname.json", #"[{"value": "\#(secret)", "domain": "x.com"}]"#, 0o600),
            ("type.json", #"{"cookies": [{"name": "n", "value": "v", "domain": "x.com", "secure": "\#(secret)"}]}"#, 0o600),
            ("domain.json", #"[{"name": "n", "value": "v", "domain": "\#(secret) x"}]"#, 0o600),
            ("shifted.txt", "x.com\tTRUE\t/\tFALSE\t\(secret)\tn\tv\n", 0o600),
            ("short.txt", "x.com\tTRUE\t/\t0\tn\t\(secret)\n", 0o600),
            ("other.json", #"{"token": "\#(secret)"}"#, 0o600),
            ("broken.json", #"{"cookies": [{"value": "\#(secret)"#, 0o600),
            ("prose.txt", "\(secret) is the password\n", 0o600),
            ("loose.json", #"{"cookies": [{"name": "n", "value": "\#(secret)", "domain": "x.com"}]}"#, 0o644),
        ]
        var kinds: Set<String> = []
        for (name, text, mode) in bad {
            let path = Support.write(text, to: name, in: folder, mode: mode).path
            if let error = Support.error({ try SessionStore.loadCookieFile(path) }) {
                kinds.insert("\(error.kind)")
                texts.append((name, error.description))
                texts.append((name + " reflecting", String(reflecting: error)))
            }
        }
        for attempt in [{ _ = try store.load("missing") },
                        { _ = try store.load("bad name") },
                        { _ = try store.save(state, as: "secret") },
                        {
                            var broken = state
                            broken.cookies[0].value += "\n"
                            _ = try store.save(broken, as: "other")
                        }] {
            if let error = Support.error(attempt) {
                kinds.insert("\(error.kind)")
                texts.append(("\(error.kind)", error.description))
            }
        }
        chmod(file.path, 0o640)
        if let error = Support.error({ try store.load("secret") }) { texts.append(("loose session", error.description)) }
        let loose = try store.list()
        texts.append(("list with a loose file", "\(loose)"))

        #expect(kinds == ["malformed", "notAFormat", "unsafePermissions", "unknownName", "badName", "exists"])
        for (context, text) in texts { Self.assertNoSecret(text, context) }
    }
}
