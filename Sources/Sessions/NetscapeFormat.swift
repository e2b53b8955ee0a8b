/// Netscape `cookies.txt`, as curl, wget, yt-dlp and browser export add-ons write it: one cookie a
/// line, seven fields separated by tabs.
enum NetscapeFormat {
    private static let httpOnlyPrefix = "#HttpOnly_"
    private static let fieldNames = "domain, include-subdomains, path, secure, expiry, name, value"

    /// The file's lines, without their line ends (LF or CRLF: Swift reads CRLF as one character).
    static func lines(_ text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    }

    /// Text that starts with the format's header, or whose first cookie line has a tab: anything
    /// else (prose, HTML, a key file) is no cookie file at all, not a cookie file with a bad line 1.
    static func claims(_ text: String) -> Bool {
        for line in lines(text) where !isBlank(line) {
            if line.hasPrefix("# Netscape HTTP Cookie File") || line.hasPrefix("# HTTP Cookie File") { return true }
            if isComment(line) { continue }
            return line.contains("\t")
        }
        return false
    }

    static func read(_ text: String, file: String) throws(SessionError) -> SessionState {
        var cookies: [SessionCookie] = []
        for (index, line) in lines(text).enumerated() where !isBlank(line) && !isComment(line) {
            let place = "\(file) line \(index + 1)"
            let httpOnly = line.hasPrefix(httpOnlyPrefix)
            let fields = (httpOnly ? line.dropFirst(httpOnlyPrefix.count) : line)
                .split(separator: "\t", omittingEmptySubsequences: false)
            // The fields are never quoted back: a line cut in the wrong place has a value where the
            // message would show a domain or a name.
            guard fields.count == 7 else {
                throw SessionError(.malformed, "\(place): expected 7 fields separated by tabs (\(fieldNames)), found \(fields.count)")
            }
            guard let subdomains = flag(fields[1]) else {
                throw SessionError(.malformed, "\(place): include-subdomains (field 2) must be TRUE or FALSE")
            }
            guard let secure = flag(fields[3]) else {
                throw SessionError(.malformed, "\(place): secure (field 4) must be TRUE or FALSE")
            }
            guard let expiry = Int64(fields[4]) else {
                throw SessionError(.malformed, "\(place): the expiry (field 5) is not a whole number of seconds since 1970")
            }
            let cookie = SessionCookie(name: String(fields[5]), value: String(fields[6]),
                                       domain: CookieRules.domain(String(fields[0]), includingSubdomains: subdomains),
                                       path: String(fields[2]), expires: expiry <= 0 ? -1 : Double(expiry),
                                       httpOnly: httpOnly, secure: secure, sameSite: nil)
            cookies.append(try CookieRules.checked(cookie, place: place))
        }
        return SessionState(cookies: cookies)
    }

    private static func isBlank(_ line: Substring) -> Bool { line.allSatisfy { $0 == " " || $0 == "\t" } }

    /// `#` starts a comment, except the `#HttpOnly_` prefix curl puts before an HttpOnly cookie's domain.
    private static func isComment(_ line: Substring) -> Bool { line.hasPrefix("#") && !line.hasPrefix(httpOnlyPrefix) }

    private static func flag(_ field: Substring) -> Bool? {
        switch field.uppercased() {
        case "TRUE": true
        case "FALSE": false
        default: nil
        }
    }
}
