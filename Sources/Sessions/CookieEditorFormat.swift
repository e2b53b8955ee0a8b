/// The JSON export of the Cookie-Editor browser extension (and others that copied it): a list of
/// cookies in the shape of the `chrome.cookies` API.
enum CookieEditorFormat {
    /// A list of objects at least one of which looks like a cookie (or an empty list, the export of
    /// a site without cookies); any other list is no cookie file at all.
    static func claims(_ json: JSONValue) -> Bool {
        guard case .array(let entries) = json else { return false }
        return entries.isEmpty || entries.contains { entry in
            ["name", "value", "domain"].contains { entry[$0] != nil }
        }
    }

    static func read(_ json: JSONValue, file: String) throws(SessionError) -> SessionState {
        guard case .array(let entries) = json else { throw SessionError(.malformed, "\(file) is not a JSON list") }
        var cookies: [SessionCookie] = []
        for (index, entry) in entries.enumerated() {
            let fields = try JSONFields(entry, place: "\(file) entry \(index + 1) of \(entries.count)")
            var domain = try fields.string("domain")
            if let hostOnly = try fields.bool("hostOnly") {
                domain = CookieRules.domain(domain, includingSubdomains: !hostOnly)
            }
            let session = try fields.bool("session") ?? false
            let cookie = SessionCookie(name: try fields.string("name"), value: try fields.string("value"), domain: domain,
                                       path: try fields.optionalString("path") ?? "/",
                                       expires: session ? -1 : try fields.number("expirationDate") ?? -1,
                                       httpOnly: try fields.bool("httpOnly") ?? false, secure: try fields.bool("secure") ?? false,
                                       sameSite: try sameSite(fields))
            cookies.append(try CookieRules.checked(cookie, place: fields.place))
        }
        return SessionState(cookies: cookies)
    }

    /// The `chrome.cookies` spelling in Playwright's.
    private static func sameSite(_ fields: JSONFields) throws(SessionError) -> String? {
        switch try fields.optionalString("sameSite")?.lowercased() {
        case nil, "unspecified"?: return nil
        case "no_restriction"?, "none"?: return "None"
        case "lax"?: return "Lax"
        case "strict"?: return "Strict"
        default: throw SessionError(.malformed, "\(fields.place): 'sameSite' must be no_restriction, lax, strict or unspecified")
        }
    }
}
