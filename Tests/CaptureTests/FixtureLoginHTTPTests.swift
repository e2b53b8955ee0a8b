import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// The login routes as plain HTTP: what a client other than a browser sees.
@Suite("Fixture server login over plain HTTP")
struct FixtureLoginHTTPTests {
    struct Answer { let status: Int; let headers: [String: String]; let body: String }

    static func request(_ path: String, method: String = "GET", body: String? = nil, headers: [String: String] = [:]) async throws -> Answer {
        var request = URLRequest(url: try #require(URL(string: try await TestSupport.baseURL() + path)))
        request.httpMethod = method
        request.httpShouldHandleCookies = false
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        let (data, response) = try await URLSession(configuration: configuration).data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields[String(describing: name).lowercased()] = String(describing: value) }
        return Answer(status: http.statusCode, headers: fields, body: String(decoding: data, as: UTF8.self))
    }

    @Test("the form; a login's cookie and token; /_whoami by the token's header only; tokens not issued, wrong passwords and empty handles are refused; next stays on this server")
    func loginAndWhoami() async throws {
        let form = try await Self.request("/_login?next=%2Fx%2Findex.html%3Flogin")
        #expect(form.status == 200 && form.body.contains(#"<form method="post" action="/_login">"#))
        #expect(form.body.contains(#"name="handle""#) && form.body.contains(#"type="password""#) && form.body.contains(#"value="/x/index.html?login""#))

        let login = try await Self.request("/_login", method: "POST", body: "handle=+inv%C3%A9stigator+&password=fixture-password&next=%2Fx%2Findex.html%3Flogin")
        #expect(login.status == 200)
        let cookie = try #require(login.headers["set-cookie"])
        let token = try #require(cookie.firstMatch(of: /^fixture_session=([0-9a-f]{64}); Path=\/; HttpOnly; SameSite=Lax; Max-Age=86400$/)?.1)
        #expect(login.body.contains("localStorage.setItem(\"fixture-session\", \"\(token)\")"), "\(login.body)")
        #expect(login.body.contains(#"location.replace("/x/index.html?login")"#), "\(login.body)")

        let whoami = try await Self.request("/_whoami", headers: ["X-Fixture-Session": String(token)])
        #expect(whoami.status == 200 && whoami.headers["content-type"] == "application/json")
        #expect(try JSONDecoder().decode([String: String].self, from: Data(whoami.body.utf8)) == ["handle": "@invéstigator"])
        // The cookie is for the pages the server decides; /_whoami answers the localStorage token only.
        #expect(try await Self.request("/_whoami", headers: ["Cookie": "fixture_session=\(token)"]).status == 401)
        #expect(try await Self.request("/_whoami").status == 401)
        #expect(try await Self.request("/_whoami", headers: ["X-Fixture-Session": String(repeating: "0", count: 64)]).status == 401)
        // Two logins, two tokens.
        let again = try await Self.request("/_login", method: "POST", body: "handle=%40invéstigator&password=fixture-password")
        #expect(again.headers["set-cookie"]?.contains(String(token)) == false)
        #expect(again.body.contains(#"location.replace("/")"#))

        for body in ["handle=someone&password=wrong", "handle=&password=fixture-password", "handle=+++&password=fixture-password", "password=fixture-password"] {
            let refused = try await Self.request("/_login", method: "POST", body: body)
            #expect(refused.status == 401 && refused.headers["set-cookie"] == nil && refused.body.contains("Wrong password"), "\(body)")
        }
        for next in ["https%3A%2F%2Fexample.org%2F", "%2F%2Fexample.org%2F", "%2F%5Cexample.org"] {
            let answer = try await Self.request("/_login", method: "POST", body: "handle=a&password=fixture-password&next=\(next)")
            #expect(answer.status == 200 && answer.body.contains(#"location.replace("/")"#), "\(next)")
        }

        // The page as the server sends it: a guest's wall, a viewer's handle (escaped), or, without ?login, the page as it always was.
        let guest = try await Self.request("/x/index.html?login")
        #expect(guest.body.contains("Log in to see more replies") && !guest.body.contains("<!-- members-only -->"))
        let forged = try await Self.request("/x/index.html?login", headers: ["Cookie": "fixture_session=\(String(repeating: "0", count: 64))"])
        #expect(forged.body.contains("Log in to see more replies"))
        let viewer = try await Self.request("/x/index.html?login", headers: ["Cookie": "other=1; fixture_session=\(token)"])
        #expect(viewer.body.contains("<span>@invéstigator</span>") && viewer.body.contains("<!-- members-only -->") && !viewer.body.contains("<!-- viewer -->"))
        let plain = try await Self.request("/x/index.html", headers: ["Cookie": "fixture_session=\(token)"])
        #expect(plain.body == (try String(contentsOf: TestSupport.fixtures.appendingPathComponent("x/index.html"), encoding: .utf8)))
        let escaped = try await Self.request("/_login", method: "POST", body: "handle=%3Cb%3E&password=fixture-password")
        let escapedToken = try #require(escaped.headers["set-cookie"]?.firstMatch(of: /fixture_session=([0-9a-f]{64})/)?.1)
        let hostile = try await Self.request("/x/index.html?login", headers: ["Cookie": "fixture_session=\(escapedToken)"])
        #expect(hostile.body.contains("<span>@&lt;b&gt;</span>") && !hostile.body.contains("@<b>"))
        // Bluesky's page decides for itself, from localStorage: the server leaves it as it is.
        let bluesky = try await Self.request("/bluesky/index.html?login", headers: ["Cookie": "fixture_session=\(token)"])
        #expect(bluesky.body == (try String(contentsOf: TestSupport.fixtures.appendingPathComponent("bluesky/index.html"), encoding: .utf8)))
    }
}
