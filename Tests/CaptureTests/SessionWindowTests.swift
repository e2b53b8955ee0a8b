import Foundation
import Testing

/// `exhibit session create` with a display: a visible Chromium window opens at the login page, the
/// person logs in there and presses Enter in the terminal. The display is an Xvfb server and the
/// person is xdotool typing into the window; both are installed by `make test` (install-deps.sh).
@Suite("session create with a display: a browser window, and Enter in the terminal", .serialized, .hangGuard,
       .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/Xvfb") && FileManager.default.isExecutableFile(atPath: "/usr/bin/xdotool"),
                "Xvfb or xdotool is not installed (scripts/install-deps.sh installs both): the window login is not tested"))
struct SessionWindowTests {
    @Test("with $DISPLAY a window opens at the login page; the person logs in there and presses Enter; the session is saved with the viewer's account")
    func windowLogin() async throws {
        let display = ":\(Int.random(in: 150...950))"
        let xvfb = Process()
        xvfb.executableURL = URL(fileURLWithPath: "/usr/bin/Xvfb")
        // -ac: the browser runs as the unprivileged browser user, who holds no X cookie of this server.
        xvfb.arguments = [display, "-screen", "0", "1400x1000x24", "-ac", "-nolisten", "tcp"]
        xvfb.standardOutput = FileHandle.nullDevice
        xvfb.standardError = FileHandle.nullDevice
        try xvfb.run()
        defer { xvfb.terminate() }
        try await Task.sleep(for: .seconds(1))

        let store = TestSupport.temporaryFolder("window-sessions")
        try? FileManager.default.removeItem(at: store)
        let base = try await TestSupport.baseURL()
        let create = try RunningExhibit(["session", "create", "desk", "--url", base + "/_login?next=%2Fx%2Findex.html%3Flogin",
                                         "--allow-private", "--profile", "x",
                                         "--profiles", TestSupport.packageRoot.appendingPathComponent("Profiles").path],
                                        tmp: TestSupport.temporaryFolder("tmpdir"),
                                        environment: ["EXHIBIT_SESSIONS": store.path, "DISPLAY": display], typing: true)
        try await create.waitFor("log in in the browser window")
        #expect(create.stderr.contains("a window on your display"), "\(create.stderr)")
        let environment = ["DISPLAY": display]
        func xdotool(_ arguments: [String]) async throws -> String {
            try await TestSupport.run("/usr/bin/xdotool", arguments, environment: environment).stdout
        }
        // The person: finds the window, clicks into the page, tabs to the handle field, types, logs in.
        var window = ""
        for _ in 0..<100 where window.isEmpty {
            window = try await xdotool(["search", "--onlyvisible", "--name", "^Log in"]).split(separator: "\n").first.map(String.init) ?? ""
            if window.isEmpty { try await Task.sleep(for: .milliseconds(200)) }
        }
        try #require(!window.isEmpty, "no browser window titled 'Log in' on \(display): \(create.stderr)")
        _ = try await xdotool(["mousemove", "--window", window, "300", "300", "click", "1"])
        try await Task.sleep(for: .milliseconds(500))
        _ = try await xdotool(["key", "--window", window, "Tab"])
        _ = try await xdotool(["type", "--delay", "30", "desk_person"])
        _ = try await xdotool(["key", "Tab"])
        _ = try await xdotool(["type", "--delay", "30", "fixture-password"])
        _ = try await xdotool(["key", "Return"])
        var title = ""
        for _ in 0..<150 where !title.contains(" on X") {
            title = try await xdotool(["getwindowname", window])
            if !title.contains(" on X") { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(title.contains(" on X"), "the window shows '\(title)' after logging in")
        create.type("\n")
        let (status, stderr) = try await create.finish()
        #expect(status == 0, "\(stderr)")
        let file = store.appendingPathComponent("desk.json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        let cookies = json["cookies"] as? [[String: Any]] ?? []
        #expect(cookies.contains { $0["name"] as? String == "fixture_session" })
        #expect((json["exhibit"] as? [String: Any])?["account"] as? String == "@desk_person", "\(json["exhibit"] ?? "")")
    }
}
