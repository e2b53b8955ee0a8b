import DevTools
import Foundation
import Sessions

/// Puts a session into the capture's own, fresh browser context before the page is asked for:
/// its cookies with `Storage.setCookies` on that context, and its `localStorage` by a script that
/// runs in every new document of the page before the document's own scripts (Bluesky's web app
/// keeps its login there, not in cookies). The script runs in an isolated world the page cannot
/// see, sets only the items of the document's own origin, and is removed once the captured
/// document has loaded, so the page's own later changes to its storage are not overwritten.
/// The session file is only read.
struct RestoreSession {
    struct Output: Sendable {
        /// The script to remove once the page has loaded; nil when the session holds no storage.
        let scriptId: String?
        /// Origins whose items the script sets.
        let origins: [String]
        /// The session's cookies for the captured site, set (or, expired, not set).
        let set: [SessionCookie]
        let cookiesSet: Int
        /// Cookies of other sites, not set.
        let leftOut: Int
    }

    let session: PageSession
    let use: SessionUse
    let context: CaptureContext

    func run() async throws -> Output {
        let now = context.started.timeIntervalSince1970
        let (forSite, leftOut) = use.cookies(for: context.url.absoluteString)
        if leftOut > 0 {
            context.warn(.navigate, "\(use.label): \(leftOut) cookie(s) for other sites than \(context.url.host ?? "the page's") were not set (nor listed)")
        }
        let expired = forSite.filter { $0.expires >= 0 && $0.expires <= now }
        if !expired.isEmpty {
            context.warn(.navigate, "\(use.label): \(expired.count) of \(forSite.count) cookie(s) had expired and were not set ("
                         + expired.prefix(8).map { "\($0.name) for \($0.domain)" }.joined(separator: ", ") + (expired.count > 8 ? ", …" : "") + ")")
        }
        // Chromium refuses a SameSite=None cookie that is not Secure (Firefox exports have them),
        // and one refused cookie fails the whole call: such cookies are left out, by name.
        let refused = forSite.filter { $0.sameSite?.lowercased() == "none" && !$0.secure }
        if !refused.isEmpty {
            context.warn(.navigate, "\(use.label): \(refused.count) cookie(s) say SameSite=None without Secure, which the browser refuses; not set ("
                         + refused.prefix(8).map { "\($0.name) for \($0.domain)" }.joined(separator: ", ") + ")")
        }
        let valid = forSite.filter { cookie in !expired.contains(cookie) && !refused.contains(cookie) }
        if !valid.isEmpty {
            _ = try await session.connection.send(StorageCommands.SetCookies(cookies: valid.map(SessionUse.browserCookie),
                                                                             browserContextId: session.browserContextId))
        }
        let stored = use.loaded.state.origins.filter { !$0.localStorage.isEmpty }
        var scriptId: String?
        if !stored.isEmpty {
            let items = Dictionary(stored.map { ($0.origin, $0.localStorage.map { [$0.name, $0.value] }) }, uniquingKeysWith: { $0 + $1 })
            let json = String(decoding: try JSONEncoder().encode(items), as: UTF8.self)
            // The items travel as a JSON literal inside the script: JSON is a subset of
            // JavaScript expressions, and JSONEncoder escapes what would end the literal.
            let source = "(() => { const items = (\(json))[location.origin]; if (!items) return; "
                + "for (const [k, v] of items) { try { localStorage.setItem(k, v); } catch (e) {} } })();"
            scriptId = try await session.send(PageCommands.AddScriptToEvaluateOnNewDocument(
                source: source, worldName: TraceRedaction.credentialWorld)).identifier
        }
        return Output(scriptId: scriptId, origins: stored.map(\.origin), set: forSite.filter { !refused.contains($0) },
                      cookiesSet: valid.count, leftOut: leftOut)
    }

    /// Takes the storage script away once the captured document has loaded.
    static func finish(_ output: Output?, on session: PageSession) async {
        guard let id = output?.scriptId else { return }
        _ = try? await session.send(PageCommands.RemoveScriptToEvaluateOnNewDocument(identifier: id))
    }
}
