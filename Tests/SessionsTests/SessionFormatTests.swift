import Foundation
import Sessions
import Testing

/// The three accepted formats, told apart by their content, and what each refuses.
@Suite("session file formats")
struct SessionFormatTests {
    typealias Support = SessionTestSupport

    static func parse(_ text: String, path: String = "cookies") throws(SessionError) -> (SessionFormat, SessionState) {
        try SessionFile.parse(Data(text.utf8), path: path)
    }

    @Test("the same cookies written in the three formats parse to the same cookies")
    func threeFormatsAgree() throws {
        let (stateFormat, fromState) = try Self.parse(Support.storageStateText)
        let (netscapeFormat, fromNetscape) = try Self.parse(Support.netscapeText)
        let (editorFormat, fromEditor) = try Self.parse(Support.cookieEditorText)
        #expect(stateFormat == .storageState && netscapeFormat == .netscape && editorFormat == .cookieEditor)
        #expect(fromState.cookies == Support.cookies)
        #expect(fromNetscape.cookies == Support.cookies)
        #expect(fromEditor.cookies == Support.cookies)
    }

    @Test("Exhibit's own file is storageState plus an 'exhibit' key, and encodes and parses back to itself")
    func exhibitFileRoundTrip() throws {
        let info = SessionInfo(created: Date(timeIntervalSince1970: 1_796_166_900), loginURL: "https://bsky.app/", account: nil)
        let state = SessionState(cookies: Support.cookies,
                                 origins: [OriginStorage(origin: "https://bsky.app", localStorage: [StorageItem(name: "BSKY_STORAGE", value: "{\"session\":\n{}}")])],
                                 exhibit: info)
        let data = SessionFile.encode(state)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.hasSuffix("}\n"))
        #expect(text.contains("\"created\" : \"2026-12-01T23:15:00Z\""))
        #expect(text.contains("\"account\" : null"))
        #expect(text.contains("https://bsky.app/"), "slashes are not escaped")
        let (format, parsed) = try SessionFile.parse(data, path: "bsky.json")
        #expect(format == .storageState)
        #expect(parsed == state)
        // Sorted keys: saving the same login twice writes the same bytes.
        #expect(SessionFile.encode(parsed) == data)
    }

    @Test("a plain Playwright file (no 'exhibit' key, sameSite, localStorage) loads")
    func plainPlaywright() throws {
        let text = """
            {"cookies": [{"name": "a", "value": "1", "domain": "bsky.app", "path": "/", "expires": -1, "httpOnly": false,
                          "secure": true, "sameSite": "Lax"}],
             "origins": [{"origin": "https://bsky.app", "localStorage": [{"name": "k", "value": "v"}]}]}
            """
        let (format, state) = try Self.parse(text)
        #expect(format == .storageState)
        #expect(state.exhibit == nil)
        #expect(state.cookies.first?.sameSite == "Lax")
        #expect(state.origins == [OriginStorage(origin: "https://bsky.app", localStorage: [StorageItem(name: "k", value: "v")])])
    }

    @Test("Cookie-Editor: sameSite spellings, hostOnly, session and fractional expiry")
    func cookieEditorMapping() throws {
        let text = """
            [{"domain": "x.com", "hostOnly": false, "name": "a", "value": "1", "path": "/", "sameSite": "no_restriction", "expirationDate": 1798761600.5},
             {"domain": ".x.com", "hostOnly": true, "name": "b", "value": "2", "path": "/", "sameSite": "lax", "session": true, "expirationDate": 1798761600},
             {"domain": "x.com", "name": "c", "value": "3", "path": "/", "sameSite": "strict"}]
            """
        let (format, state) = try Self.parse(text)
        #expect(format == .cookieEditor)
        #expect(state.cookies.map(\.domain) == [".x.com", "x.com", "x.com"])
        #expect(state.cookies.map(\.sameSite) == ["None", "Lax", "Strict"])
        #expect(state.cookies.map(\.expires) == [1_798_761_600.5, -1, -1])
    }

    @Test("cookies.txt: CRLF line ends, a byte order mark, blank lines and comments; a header alone is no cookies")
    func netscapeDetails() throws {
        let text = "\u{FEFF}# Netscape HTTP Cookie File\r\n\r\n# a comment\tTRUE\r\nx.com\tFALSE\t/\tFALSE\t0\tn\tv\r\n   \r\n"
        let (format, state) = try Self.parse(text)
        #expect(format == .netscape)
        #expect(state.cookies == [SessionCookie(name: "n", value: "v", domain: "x.com", path: "/", expires: -1)])
        let (_, empty) = try Self.parse("# Netscape HTTP Cookie File\n")
        #expect(empty.cookies.isEmpty)
        // A file without the header is one too, if its first cookie line has tabs.
        #expect(try Self.parse("x.com\tTRUE\t/\tFALSE\t0\tn\t").1.cookies.first?.domain == ".x.com")
    }

    @Test("a bad cookies.txt line is named by file and line number, and its value is not quoted", arguments: [
        ("x.com\tTRUE\t/\tFALSE\t0\tname-only", "expected 7 fields"),
        ("x.com\tTRUE\t/\tFALSE\tsoon\tn\tV4LUE-XYZ", "expiry (field 5)"),
        ("x.com\tyes\t/\tFALSE\t0\tn\tV4LUE-XYZ", "include-subdomains (field 2)"),
        ("x.com\tTRUE\t/\tmaybe\t0\tn\tV4LUE-XYZ", "secure (field 4)"),
        ("x.com\tTRUE\t/\tFALSE\t0\tn\tV4LUE-XYZ\textra", "found 8"),
        ("x.com\tTRUE\t/\tFALSE\t0\tn\tV4LUE-XYZ\rinjected", "control character"),
        ("x.com\tTRUE\tnoslash\tFALSE\t0\tn\tV4LUE-XYZ", "path must start"),
        ("x y.com\tTRUE\t/\tFALSE\t0\tn\tV4LUE-XYZ", "domain"),
    ])
    func netscapeBadLine(line: String, phrase: String) {
        let text = "# Netscape HTTP Cookie File\n\nx.com\tTRUE\t/\tFALSE\t0\tgood\t1\n" + line + "\n"
        let error = Support.error { try Self.parse(text, path: "/tmp/c.txt") }
        #expect(error?.kind == .malformed)
        // `line 4: …`, or `line 4 (cookie 'n'): …` once the name is known to be printable.
        #expect(error?.description.hasPrefix("/tmp/c.txt line 4") == true, "\(error?.description ?? "")")
        #expect(error?.description.contains(phrase) == true, "\(error?.description ?? "")")
        #expect(error?.description.contains("V4LUE") == false)
        #expect(error?.description.contains("\n") == false && error?.description.contains("\r") == false)
    }

    @Test("a cookie name or value with CR, LF, NUL or ';' is refused in every format, without quoting the value", arguments: [
        #"{"cookies": [{"name": "n", "value": "V4LUE\r\nSet-Cookie: x=1", "domain": "x.com", "path": "/"}]}"#,
        #"{"cookies": [{"name": "n", "value": "V4LUE\u0000", "domain": "x.com", "path": "/"}]}"#,
        #"{"cookies": [{"name": "n\nX", "value": "V4LUE", "domain": "x.com", "path": "/"}]}"#,
        #"{"cookies": [{"name": "n", "value": "V4LUE; admin=1", "domain": "x.com", "path": "/"}]}"#,
        #"[{"name": "n", "value": "V4LUE\n", "domain": "x.com", "path": "/"}]"#,
        #"[{"name": "n", "value": "V4LUE", "domain": "x.com\r\nHost: evil", "path": "/"}]"#,
    ])
    func controlCharacters(text: String) {
        let error = Support.error { try Self.parse(text, path: "f.json") }
        #expect(error?.kind == .malformed)
        #expect(error?.description.contains("V4LUE") == false, "\(error?.description ?? "")")
        #expect(error?.description.contains("\n") == false && error?.description.contains("\r") == false)
    }

    @Test("a Cookie-Editor entry without name, value or domain is named by its number", arguments: ["name", "value", "domain"])
    func cookieEditorMissingField(field: String) {
        var entry = ["name": "\"n\"", "value": "\"V4LUE\"", "domain": "\"x.com\""]
        entry[field] = nil
        let object = "{" + entry.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
        let text = #"[{"name": "ok", "value": "1", "domain": "x.com"}, "# + object + "]"
        let error = Support.error { try Self.parse(text, path: "export.json") }
        #expect(error?.kind == .malformed)
        #expect(error?.description == "export.json entry 2 of 2 has no '\(field)'")
    }

    @Test("a storageState field of the wrong type names the cookie and key, not the value")
    func wrongTypes() {
        let cases = [
            (#"{"cookies": [{"name": "n", "value": "v", "domain": "x.com", "secure": "V4LUE"}]}"#, "f cookie 1: 'secure' is not true or false"),
            (#"{"cookies": [{"name": "n", "value": 5, "domain": "x.com"}]}"#, "f cookie 1: 'value' is not a string"),
            (#"{"cookies": {"n": "V4LUE"}}"#, "f: 'cookies' is not a list"),
            (#"{"cookies": [], "origins": [{"origin": "V4LUE"}]}"#, "f origin 1: 'origin' is not an http or https origin such as https://bsky.app"),
            (#"{"cookies": [], "exhibit": {"created": "yesterday", "loginURL": "https://x.com"}}"#,
             "f 'exhibit': 'created' is not an ISO 8601 time such as 2026-12-01T23:15:00Z"),
            (#"{"cookies": [{"name": "n", "value": "v", "domain": "x.com", "sameSite": "V4LUE"}]}"#, "f cookie 1 (cookie 'n'): sameSite must be Strict, Lax or None"),
        ]
        for (text, message) in cases {
            let error = Support.error { try Self.parse(text, path: "f") }
            #expect(error?.kind == .malformed)
            #expect(error?.description == message)
        }
    }

    static let formats = "expected Playwright storageState JSON, Netscape cookies.txt or a Cookie-Editor JSON export"

    static func nested(_ depth: Int) -> String { String(repeating: "[", count: depth) + String(repeating: "]", count: depth) }

    /// Files in none of the formats, each with what it is.
    static let notSessionFiles: [(String, Data)] = [
        ("prose", Data("hello world\nthis is not a cookie file\n".utf8)),
        ("HTML", Data("<!doctype html><html><body>login</body></html>".utf8)),
        ("empty", Data()),
        ("comments only", Data("# just a note\n".utf8)),
        ("JSON object of another kind", Data(#"{"name": "x", "value": "V4LUE"}"#.utf8)),
        ("JSON list of numbers", Data("[1, 2, 3]".utf8)),
        ("JSON string", Data(#""V4LUE""#.utf8)),
        ("broken JSON", Data(#"{"cookies": [{"name": "n", "value": "V4LUE""#.utf8)),
        ("not UTF-8", Data([0x7B, 0xFF, 0xFE, 0x22, 0x7D])),
        ("nested 100,000 deep", Data(nested(100_000).utf8)),
        ("nested in a storageState", Data(#"{"cookies": [], "x": \#(nested(40))}"#.utf8)),
    ]

    @Test("what is in none of the formats is refused with the three formats named", arguments: notSessionFiles)
    func notAFormat(name: String, data: Data) {
        let error = Support.error { try SessionFile.parse(data, path: "/x/file") }
        #expect(error?.kind == .notAFormat, "\(name)")
        #expect(error?.description.hasPrefix("/x/file is not a session or cookie file") == true)
        #expect(error?.description.hasSuffix(Self.formats) == true, "\(error?.description ?? "")")
        #expect(error?.description.contains("V4LUE") == false)
    }

    @Test("a file over 16 MiB is refused before it is parsed")
    func tooLarge() {
        let data = Data(repeating: UInt8(ascii: " "), count: SessionFile.maximumSize + 1)
        let error = Support.error { try SessionFile.parse(data, path: "big.json") }
        #expect(error?.kind == .notAFormat)
        #expect(error?.description.contains("larger than 16 MiB") == true)
    }

    @Test("duplicate cookie names are kept, in order")
    func duplicates() throws {
        let text = "x.com\tFALSE\t/\tFALSE\t0\tn\t1\nx.com\tFALSE\t/\tFALSE\t0\tn\t2\n"
        #expect(try Self.parse(text).1.cookies.map(\.value) == ["1", "2"])
    }

    @Test("expired cookies are those with a time before now; session cookies never expire")
    func expired() throws {
        let state = SessionState(cookies: Support.cookies)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(state.expiredCookies(at: now).map(\.name) == ["sid", "pref"])
        #expect(state.expiredCookies(at: Date(timeIntervalSince1970: 0)).isEmpty)
        #expect(state.cookieSummary == [CookieLabel(name: "sid", domain: ".example.com"), CookieLabel(name: "pref", domain: "www.example.com"),
                                        CookieLabel(name: "csrf", domain: ".example.com"), CookieLabel(name: "auth", domain: ".api.example.org")])
    }
}
