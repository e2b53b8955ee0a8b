import Foundation
import NIOHTTP1
import Synchronization

/// The fixture sites' login, so that a capture can be tried as a logged-in viewer offline: a login
/// form at `/_login`, sessions kept in memory, `/_whoami` for pages that keep their session in
/// `localStorage`, and the `?login` mode of the platform pages (see `Fixtures/README.md`).
///
/// Every value here comes from the browser's request, so nothing is trusted: a token the server did
/// not issue is a guest, `next` is only ever a path of this server, and a handle is escaped
/// wherever it is written into a page.
final class FixtureLogin: Sendable {
    /// The only password the form accepts: the fixtures stand for sites where a person logs in,
    /// not for a password check.
    static let password = "fixture-password"
    static let cookieName = "fixture_session"
    /// The `localStorage` key the login page sets, for pages that keep their session there (bsky.app
    /// keeps its login in `localStorage`, not in a cookie).
    static let storageKey = "fixture-session"
    /// The header `/_whoami` reads the `localStorage` token from.
    static let tokenHeader = "X-Fixture-Session"
    /// As long as the cookie's `Max-Age`: a token older than that is a guest even if a browser
    /// still sends it.
    static let lifetime: TimeInterval = 86_400

    private struct Session { let handle: String; let issued: Date }
    private let sessions = Mutex<[String: Session]>([:])

    /// A fresh token for `handle`: 32 random bytes, hex.
    func issue(handle: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
        sessions.withLock { $0[token] = Session(handle: handle, issued: Date()) }
        return token
    }

    /// The handle a token was issued for; nil for a token this server did not issue, or an old one.
    func handle(for token: String?) -> String? {
        guard let token, !token.isEmpty else { return nil }
        return sessions.withLock { sessions in
            guard let session = sessions[token], Date().timeIntervalSince(session.issued) < Self.lifetime else { return nil }
            return session.handle
        }
    }

    /// The viewer a request comes from, by its `fixture_session` cookie; nil for a guest.
    func viewer(_ headers: HTTPHeaders) -> String? {
        for line in headers["Cookie"] {
            for pair in line.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2, parts[0] == Self.cookieName, let handle = handle(for: parts[1]) { return handle }
            }
        }
        return nil
    }

    typealias Response = (HTTPResponseStatus, HTTPHeaders, [UInt8])

    /// `/_login` and `/_whoami`; nil for any other path.
    func respond(path: String, query: [URLQueryItem], head: HTTPRequestHead, body: [UInt8]) -> Response? {
        switch (path, head.method) {
        case ("/_login", .GET):
            return form(next: Self.localPath(query.first { $0.name == "next" }?.value), wrong: false)
        case ("/_login", .POST):
            let fields = Self.formFields(body)
            let next = Self.localPath(fields["next"])
            let handle = (fields["handle"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard !handle.isEmpty, fields["password"] == Self.password else { return form(next: next, wrong: true) }
            return loggedIn(handle: handle.hasPrefix("@") ? handle : "@" + handle, next: next)
        case ("/_whoami", .GET):
            // Only the header: a page that keeps its session in localStorage must not pass on a
            // cookie alone, or a capture that restored only cookies would look logged in.
            guard let handle = handle(for: head.headers.first(name: Self.tokenHeader)) else {
                return Self.json(.unauthorized, ["error": "not logged in"])
            }
            return Self.json(.ok, ["handle": handle])
        case ("/_login", _), ("/_whoami", _):
            return (.methodNotAllowed, HTTPHeaders([("Allow", path == "/_login" ? "GET, POST" : "GET")]), [])
        default:
            return nil
        }
    }

    /// The login form; after a wrong password, the same form saying so, with status 401.
    private func form(next: String, wrong: Bool) -> Response {
        let html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Log in</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
          body { margin: 0; background: #f4f5f7; font: 16px/1.4 system-ui, sans-serif; color: #14171a; }
          main { width: 360px; margin: 96px auto; background: #fff; border: 1px solid #d9dde2; border-radius: 12px; padding: 32px; }
          h1 { font-size: 24px; margin: 0 0 24px; } label { display: block; font-weight: 600; margin: 16px 0 6px; }
          input { box-sizing: border-box; width: 100%; padding: 12px; font: inherit; border: 1px solid #aab2bb; border-radius: 6px; }
          button { width: 100%; margin-top: 24px; padding: 12px; font: inherit; font-weight: 600; color: #fff; background: #1d6fd8; border: 0; border-radius: 24px; cursor: pointer; }
          p.error { color: #b3261e; font-weight: 600; } p.hint { color: #5b6670; font-size: 13px; margin-top: 20px; }
        </style></head>
        <body><main>
          <h1>Log in</h1>
          \(wrong ? "<p class=\"error\" role=\"alert\">Wrong password</p>" : "")
          <form method="post" action="/_login">
            <label for="handle">Handle</label>
            <input id="handle" name="handle" autocomplete="username" autocapitalize="none" spellcheck="false" required>
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required>
            <input type="hidden" name="next" value="\(Self.escape(next))">
            <button type="submit">Log in</button>
          </form>
          <p class="hint">Fixture site: any handle, password <code>\(Self.password)</code>.</p>
        </main></body></html>
        """
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/html; charset=utf-8")
        return (wrong ? .unauthorized : .ok, headers, Array(html.utf8))
    }

    /// A new session: the cookie for the platforms that keep theirs in a cookie, and a page that puts
    /// the same token in `localStorage` (for those that keep it there) before it goes on to `next`.
    /// Both always, so that one login serves every fixture platform.
    private func loggedIn(handle: String, next: String) -> Response {
        let token = issue(handle: handle)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/html; charset=utf-8")
        headers.add(name: "Set-Cookie", value: "\(Self.cookieName)=\(token); Path=/; HttpOnly; SameSite=Lax; Max-Age=\(Int(Self.lifetime))")
        let html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Logged in</title></head>
        <body><p>Logged in as \(Self.escape(handle)). <a href="\(Self.escape(next))">Continue</a></p>
        <script>localStorage.setItem(\(Self.scriptString(Self.storageKey)), \(Self.scriptString(token))); location.replace(\(Self.scriptString(next)));</script>
        </body></html>
        """
        return (.ok, headers, Array(html.utf8))
    }

    /// `?login` on an HTML page: for a viewer, `<!-- viewer -->` becomes the page's viewer template;
    /// for a guest, the part between `<!-- members-only -->` and `<!-- /members-only -->` becomes its
    /// login-wall template. A page that keeps its session in `localStorage` is left to its own script.
    func page(_ html: String, viewer: String?) -> String {
        guard !html.contains(#"<meta name="fixture-session" content="localStorage">"#) else { return html }
        if let viewer {
            let name = viewer.hasPrefix("@") ? String(viewer.dropFirst()) : viewer
            let markup = Self.template("viewer", in: html)
                .replacingOccurrences(of: "{{handle}}", with: Self.escape(viewer))
                .replacingOccurrences(of: "{{name}}", with: Self.escape(name))
            return html.replacingOccurrences(of: "<!-- viewer -->", with: markup)
        }
        guard let start = html.range(of: "<!-- members-only -->"),
              let end = html.range(of: "<!-- /members-only -->", range: start.upperBound..<html.endIndex) else { return html }
        return html.replacingCharacters(in: start.lowerBound..<end.upperBound, with: Self.template("login-wall", in: html))
    }

    /// What `<template data-fixture="NAME">` holds; empty when the page has none.
    static func template(_ name: String, in html: String) -> String {
        guard let open = html.range(of: "<template data-fixture=\"\(name)\">"),
              let close = html.range(of: "</template>", range: open.upperBound..<html.endIndex) else { return "" }
        return String(html[open.upperBound..<close.lowerBound])
    }

    /// A path of this server to go to after the login; anything else (another site, `//host`,
    /// nothing) is `/`.
    static func localPath(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"),
              !next.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return "/" }
        return next
    }

    /// An `application/x-www-form-urlencoded` body; the first value of a name counts.
    static func formFields(_ body: [UInt8]) -> [String: String] {
        var fields: [String: String] = [:]
        let decode = { (part: Substring) in part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(parts[0])
            if fields[name] == nil { fields[name] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return fields
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&#39;")
    }

    /// A JavaScript string literal that cannot end the script element it is written into.
    static func scriptString(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let json = (try? encoder.encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
        return json.replacingOccurrences(of: "<", with: "\\u003c")
    }

    static func json(_ status: HTTPResponseStatus, _ object: [String: String]) -> Response {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        return (status, headers, Array((try? JSONEncoder().encode(object)) ?? Data("{}".utf8)))
    }
}
