/// What every cookie must be, whichever format it came from. A cookie is sent in a `Cookie`
/// header: a control character (CR, LF, NUL) in its name or value cannot be sent, and could add a
/// header or a cookie of its own, and `;` would split it in two. Such a file is refused, not
/// cleaned, so the capture records exactly the cookies the file holds.
enum CookieRules {
    /// `cookie` as it must be sent: expiry -1 for any session cookie, `sameSite` in Playwright's
    /// spelling; or an error naming `place` and the field, never the value.
    static func checked(_ cookie: SessionCookie, place: String) throws(SessionError) -> SessionCookie {
        var cookie = cookie
        guard !hasControlCharacter(cookie.name), !cookie.name.contains(";"), !cookie.name.contains("=") else {
            throw SessionError(.malformed, "\(place): the cookie name has a control character, ';' or '=', which a browser cannot send")
        }
        let named = "\(place) (cookie \(Display.quoted(cookie.name)))"
        guard !hasControlCharacter(cookie.value), !cookie.value.contains(";") else {
            throw SessionError(.malformed, "\(named): the value has a control character (such as a newline, carriage return or NUL) or ';', which a browser cannot send")
        }
        guard isDomain(cookie.domain) else {
            throw SessionError(.malformed, "\(named): the domain is empty or has characters no host name has")
        }
        guard cookie.path.hasPrefix("/"), !hasControlCharacter(cookie.path), !cookie.path.contains(";") else {
            throw SessionError(.malformed, "\(named): the path must start with '/' and have no control character or ';'")
        }
        guard cookie.expires.isFinite else { throw SessionError(.malformed, "\(named): the expiry is not a number") }
        if cookie.expires < 0 { cookie.expires = -1 }
        if let sameSite = cookie.sameSite {
            guard let spelled = ["Strict", "Lax", "None"].first(where: { $0.lowercased() == sameSite.lowercased() }) else {
                throw SessionError(.malformed, "\(named): sameSite must be Strict, Lax or None")
            }
            cookie.sameSite = spelled
        }
        return cookie
    }

    static func hasControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// A host name or IP address, with or without the leading dot of a domain cookie.
    static func isDomain(_ domain: String) -> Bool {
        let host = domain.hasPrefix(".") ? domain.dropFirst() : Substring(domain)
        let forbidden: Set<Character> = ["/", "\\", ";", ",", "\"", "'", "@", "?", "#", "=", "%", "<", ">"]
        return !host.isEmpty && !host.contains { $0.isWhitespace || forbidden.contains($0) } && !hasControlCharacter(String(host))
    }

    /// `domain` with a leading dot (sent to subdomains too) or without one (host-only).
    static func domain(_ domain: String, includingSubdomains: Bool) -> String {
        let bare = domain.hasPrefix(".") ? String(domain.dropFirst()) : domain
        return includingSubdomains ? "." + bare : bare
    }
}
