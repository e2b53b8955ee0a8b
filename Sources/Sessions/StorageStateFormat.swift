import Foundation

/// Playwright's `storageState` JSON, and Exhibit's own session files, which are the same with an
/// `exhibit` key Playwright ignores.
enum StorageStateFormat {
    /// A JSON object with Playwright's keys; any other object is no session file at all.
    static func claims(_ json: JSONValue) -> Bool {
        json["cookies"] != nil || json["origins"] != nil
    }

    static func read(_ json: JSONValue, file: String) throws(SessionError) -> SessionState {
        let top = try JSONFields(json, place: file)
        var state = SessionState()
        for (index, entry) in (try top.array("cookies") ?? []).enumerated() {
            let fields = try JSONFields(entry, place: "\(file) cookie \(index + 1)")
            let cookie = SessionCookie(name: try fields.string("name"), value: try fields.string("value"),
                                       domain: try fields.string("domain"), path: try fields.optionalString("path") ?? "/",
                                       expires: try fields.number("expires") ?? -1,
                                       httpOnly: try fields.bool("httpOnly") ?? false, secure: try fields.bool("secure") ?? false,
                                       sameSite: try fields.optionalString("sameSite"))
            state.cookies.append(try CookieRules.checked(cookie, place: fields.place))
        }
        for (index, entry) in (try top.array("origins") ?? []).enumerated() {
            let fields = try JSONFields(entry, place: "\(file) origin \(index + 1)")
            let origin = try fields.string("origin")
            guard isOrigin(origin) else {
                throw SessionError(.malformed, "\(fields.place): 'origin' is not an http or https origin such as https://bsky.app")
            }
            var items: [StorageItem] = []
            for (itemIndex, item) in (try fields.array("localStorage") ?? []).enumerated() {
                let itemFields = try JSONFields(item, place: "\(fields.place) localStorage item \(itemIndex + 1)")
                items.append(StorageItem(name: try itemFields.string("name"), value: try itemFields.string("value")))
            }
            state.origins.append(OriginStorage(origin: origin, localStorage: items))
        }
        if let exhibit = top.members["exhibit"], exhibit != .null {
            state.exhibit = try info(exhibit, file: file)
        }
        return state
    }

    private static func info(_ json: JSONValue, file: String) throws(SessionError) -> SessionInfo {
        let fields = try JSONFields(json, place: "\(file) 'exhibit'")
        guard let created = ISOTime.date(try fields.string("created")) else {
            throw SessionError(.malformed, "\(fields.place): 'created' is not an ISO 8601 time such as 2026-12-01T23:15:00Z")
        }
        return SessionInfo(created: created, loginURL: try fields.string("loginURL"), account: try fields.optionalString("account"))
    }

    /// `https://bsky.app` or `http://127.0.0.1:8080`: a scheme and a host, nothing after.
    static func isOrigin(_ text: String) -> Bool {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty else { return false }
        return components.path.isEmpty && components.query == nil && components.fragment == nil && components.user == nil
    }
}
