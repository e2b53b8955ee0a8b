import ExhibitTestSupport
import Foundation
import Testing
import WebArchive

/// pywb finds a URL in a WACZ's index only when the index's key is byte for byte the one the
/// Python `surt` package computes: the package itself is the judge here.
@Suite("SURT keys are the ones Python surt computes")
struct SURTTests {
    /// URLs a capture meets, and the corners of surt's canonicalisation.
    static let chosen = [
        "http://127.0.0.1:43975/sample-thread/?replay-1a2b",
        "http://127.0.0.1:43975/sample-thread/",
        "https://www.Example.com:8080/a/B?z=1&a=2",
        "http://[::1]:8080/x", "http://[::1]:8080/x/", "http://[FE80::1%25Zone]:80/",
        "urn:view:https://social.example/", "urn:post:http://127.0.0.1:4000/sample-thread/?x",
        "https://x.com/", "https://x.com", "https://mastodon.social/@user/123/",
        "https://www.reddit.com/r/Netherlands/comments/abc123/some_title/",
        "https://example.com/a%2Cb/%7Euser?q=%26amp%3D&a-b=2&a=1",
        "https://example.com/caf%C3%A9/", "https://example.com/café/", "https://example.com/a/./b/../c//d",
        "https://example.com/../a", "https://example.com/%2e%2e/a", "https://example.com/?", "https://example.com/#top",
        "https://example.com/?jsessionid=0123456789abcdef0123456789abcdef&x=1",
        "https://example.com/p?b=1&PHPSESSID=0123456789abcdef0123456789ABCDEF",
        "https://example.com/p?cfid=12&cftoken=ab&z=1", "https://example.com/p?ASPSESSIONIDabcdefgh=abcdefghijklmnopqrstuvwx",
        "https://example.com/shop/(S(0123456789abcdefghijklmn))/cart.aspx?x=1",
        "https://example.com/shop/(0123456789abcdefghijklmn)/cart.aspx",
        "https://user:pw@example.com/", "https://example.com:443/", "http://example.com:443/", "http://example.com:080/",
        "https://example.com/a b", "https://example.com/%20x%2520", "https://www2.example.com/", "https://WWW.example.com/",
        "https://wwwexample.com/", "https://example.com/%zz", "https://example.com/a?b=%2f", "data:text/plain,hi",
        "https://example.com/a?x=1&x=", "https://example.com/a?&&b", "https://example.com/a?x&x=&x=0",
        "http://2130706433/", "http://127.1/", "http://0177.0.0.1/", "http://10.08.0.1/", "http://1.2.3.256/", "http://99999999999/",
        "http://example..com./", "http://.example.com/", "http:////www.vikings.com/x", "http://http://example.com/",
        "https://https://http://example.com/", "example.com/no-scheme", "mailto:someone@example.com",
        "http://example.com:/", "http://example.com:99999/", "http://example.com:8o/", "http://example.com:0/",
        "  https://example.com/\tspaced\n ", "HTTPS://EXAMPLE.COM/UPPER?Q=V", "filedesc://x.arc", "",
    ]

    @Test("the chosen URLs and 3,000 generated ones get surt's key, or are their own key where surt fails",
          .enabled(if: Validators.has("python"), Comment(rawValue: Validators.absent)))
    func agreesWithPythonSurt() throws {
        var random = SplitMix(seed: 0x5EED_0015)
        let urls = Self.chosen + (0..<3000).map { _ in Self.generated(&random) }
        let folder = try scratchFolder("surt")
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("urls.json")
        try JSONSerialization.data(withJSONObject: urls).write(to: input)
        let run = try ProcessRunner.run(Validators.tool("python"), ["-c", """
            import json, sys, surt
            def key(url):
                try:
                    return surt.surt(url)
                except Exception:
                    return None
            print(json.dumps([key(url) for url in json.load(open(sys.argv[1]))]))
            """, input.path])
        try #require(run.status == 0, "\(run.stderr)")
        let theirs = try JSONDecoder().decode([String?].self, from: Data(run.stdout.utf8))
        try #require(theirs.count == urls.count)
        var wrong: [String] = []
        for (url, expected) in zip(urls, theirs) {
            // Where surt raises, cdxj-indexer writes the URL itself as the key.
            let ours = SURT.key(url)
            if ours != (expected ?? url) { wrong.append("\(url.debugDescription): surt \(expected.debugDescription), Exhibit \(ours.debugDescription)") }
        }
        #expect(wrong.isEmpty, "\(wrong.count) of \(urls.count) keys differ:\n\(wrong.prefix(20).joined(separator: "\n"))")
    }

    @Test("the keys of a capture on loopback: IPv4 reversed, the trailing slash gone, query arguments sorted as surt sorts them")
    func loopbackKeys() {
        #expect(SURT.key("http://127.0.0.1:43975/sample-thread/?replay-1a2b") == "1,0,0,127:43975)/sample-thread?replay-1a2b")
        #expect(SURT.key("https://mastodon.social/@user/123/") == "social,mastodon)/@user/123")
        #expect(SURT.key("https://example.com/a?a-b=2&a=1") == "com,example)/a?a=1&a-b=2")
    }

    /// A URL from pieces chosen to hit surt's steps: schemes, hosts (names, www, numeric and
    /// dotted IPv4, IPv6), ports, paths with dot segments, escapes and session ids, queries, fragments.
    static func generated(_ random: inout SplitMix) -> String {
        func pick<T>(_ options: [T]) -> T { options[Int(random.next() % UInt64(options.count))] }
        let scheme = pick(["http://", "https://", "HTTP://", "https://", "http://", "urn:x:", "ftp://", "http://https://"])
        let host = pick(["example.com", "www.example.com", "www3.Example.ORG", "sub.example.co.uk", "127.0.0.1", "10.0.0.9", "192.168.001.010",
                         "3232235777", "0x7f.1", "[::1]", "[2001:DB8::1]", "example..com", "EXAMPLE.com.", "%65xample.com", "a-b.example",
                         "user@example.com", "u:p@www.example.com", ""])
        let port = pick(["", "", "", ":80", ":443", ":8080", ":0", ":", ":65535", ":65536", ":x"])
        let segments = ["a", "B", ".", "..", "", "%2E", "%2e%2E", "%2F", "%25", "%2525", "%zz", "caf%C3%A9", "é", "a b", "%7E", "~", "x.aspx",
                        "(0123456789abcdefghijklmn)", "@user", "status", "1790000000000000000", ";p=1", "%23", "%3F"]
        // With no host, surt takes the path's first segment as the host, and a host that is not
        // ASCII it converts to IDNA, which Exhibit leaves out (browsers give hosts in punycode).
        let ascii = segments.filter { $0.allSatisfy(\.isASCII) && !$0.contains("%C3") }
        var path = ""
        for index in 0..<Int(random.next() % 5) { path += "/" + pick(host.isEmpty && index == 0 ? ascii : segments) }
        if random.next() % 3 == 0 { path += "/" }
        var query = ""
        if random.next() % 2 == 0 {
            let arguments = ["a=1", "B=2", "a", "a=", "z=%26", "q=%3D", "jsessionid=0123456789abcdef0123456789abcdef", "x=a%20b", "", "sid=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                             "cfid=1&cftoken=2", "é=ü", "%41=1"]
            query = "?" + (0..<Int(random.next() % 4)).map { _ in pick(arguments) }.joined(separator: "&")
        }
        let fragment = random.next() % 5 == 0 ? pick(["#", "#top", "#a?b"]) : ""
        return scheme + host + port + path + query + fragment
    }
}
