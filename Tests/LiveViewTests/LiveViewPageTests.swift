import DevTools
import ExhibitTestSupport
import Foundation
import LiveView
import Testing

/// The live view's page in a real Chromium that plays the person: what it shows, and what the
/// server hears when the person's mouse and keyboard (trusted DevTools input) act on it.
@Suite("Live view: a real browser plays the person", .serialized, .hangGuard)
struct LiveViewPageTests {
    static let view = "document.getElementById('view')"
    static let status = "document.getElementById('status').textContent"

    /// Shows a `jpegWidth`×`jpegHeight` frame of a `device` viewport, opens the page in a
    /// `window`-sized tab and waits until the frame is on it.
    static func openLive(_ person: PersonBrowser, _ server: LiveViewServer, jpeg: (Int, Int) = (500, 400),
                         device: (Double, Double) = (1000, 800), window: (Int, Int) = (700, 600)) async throws -> PersonPage {
        let frame = try await person.jpeg(width: jpeg.0, height: jpeg.1)
        await server.show(jpeg: frame, deviceWidth: device.0, deviceHeight: device.1)
        let page = try await person.open(server.url, width: window.0, height: window.1)
        try await page.waitUntilLive()
        try await page.wait(for: "\(view).naturalWidth === \(jpeg.0)")
        return page
    }

    static func near(_ value: Double, _ expected: Double, within tolerance: Double) -> Bool {
        abs(value - expected) <= tolerance
    }

    @Test("the page shows the frame (natural size that of the JPEG), fitted to the window, with the status line under it")
    func showsFrame() async throws {
        try await PersonBrowser.with { person, server, _ in
            await server.say("Loading…")
            let page = try await Self.openLive(person, server, jpeg: (400, 300), device: (800, 600), window: (640, 700))
            #expect(try await page.value("\(Self.view).naturalHeight", as: Int.self) == 300)
            #expect(try await page.value(Self.status, as: String.self) == "Loading…")
            // 800 CSS pixels of device do not fit a 640-pixel window: shown smaller, in proportion.
            let box = try await page.box(of: "#view")
            #expect(box.width < 640 && box.width > 320, "\(box)")
            #expect(Self.near(box.width / box.height, 4.0 / 3.0, within: 0.02), "\(box)")
            let status = try await page.box(of: "#status")
            #expect(status.top >= box.top + box.height, "the status line is not under the view")
            // A new frame and status replace the old ones.
            let second = try await person.jpeg(width: 200, height: 100)
            await server.show(jpeg: second, deviceWidth: 500, deviceHeight: 250)
            await server.say("Saved")
            try await page.wait(for: "\(Self.view).naturalWidth === 200 && \(Self.view).naturalHeight === 100 && \(Self.status) === 'Saved'")
            // Frames that fit are shown at the device's CSS size, not the picture's.
            let fitted = try await page.box(of: "#view")
            #expect(fitted.width == 500 && fitted.height == 250, "\(fitted)")
        }
    }

    @Test("mouse presses, releases, moves and wheel turns reach the server in the browser's CSS pixels, whatever size the view is shown at")
    func mouseScaled() async throws {
        try await PersonBrowser.with { person, server, tap in
            // A 1000×800 viewport, as a 500×400 JPEG, in a 700×600 window: three different sizes.
            let page = try await Self.openLive(person, server)
            let box = try await page.box(of: "#view")
            #expect(box.width < 700 && box.width != 500, "the view is not shown at another size: \(box)")
            let scale = 1000 / box.width
            let tolerance = scale + 0.01
            func at(_ fx: Double, _ fy: Double) -> (Double, Double) { (box.left + fx * box.width, box.top + fy * box.height) }

            let (x, y) = at(0.25, 0.5)
            try await page.mouse(.mouseMoved, x: x, y: y, button: "none", clickCount: 0)
            try await page.mouse(.mousePressed, x: x, y: y)
            try await page.mouse(.mouseReleased, x: x, y: y)
            var inputs = try await tap.wait { $0.contains { $0.mouse?.kind == .released } }
            let clicks = inputs.compactMap(\.mouse).filter { $0.kind != .moved }
            #expect(clicks.map(\.kind) == [.pressed, .released])
            for click in clicks {
                #expect(Self.near(click.x, 250, within: tolerance) && Self.near(click.y, 400, within: tolerance), "\(click)")
                #expect(click.button == "left" && click.clickCount == 1 && click.modifiers == 0)
            }

            await tap.clear()
            let (mx, my) = at(0.75, 0.75)
            try await page.mouse(.mouseMoved, x: mx, y: my, button: "none", clickCount: 0)
            inputs = try await tap.wait { $0.contains { $0.isMove } }
            let move = try #require(inputs.compactMap(\.mouse).last)
            #expect(move.kind == .moved && move.button == "none" && move.clickCount == 0)
            #expect(Self.near(move.x, 750, within: tolerance) && Self.near(move.y, 600, within: tolerance), "\(move)")

            await tap.clear()
            let (rx, ry) = at(0.1, 0.9)
            try await page.mouse(.mousePressed, x: rx, y: ry, button: "right")
            try await page.mouse(.mouseReleased, x: rx, y: ry, button: "right")
            try await page.mouse(.mousePressed, x: rx, y: ry, clickCount: 1)
            try await page.mouse(.mouseReleased, x: rx, y: ry, clickCount: 1)
            try await page.mouse(.mousePressed, x: rx, y: ry, clickCount: 2)
            try await page.mouse(.mouseReleased, x: rx, y: ry, clickCount: 2)
            inputs = try await tap.wait { $0.filter { $0.mouse?.kind == .released }.count == 3 }
            let presses = inputs.compactMap(\.mouse).filter { $0.kind == .pressed }
            #expect(presses.map(\.button) == ["right", "left", "left"])
            #expect(presses.map(\.clickCount) == [1, 1, 2])
            #expect(presses.allSatisfy { Self.near($0.x, 100, within: tolerance) && Self.near($0.y, 720, within: tolerance) }, "\(presses)")

            await tap.clear()
            let (wx, wy) = at(0.5, 0.5)
            try await page.mouse(.mouseWheel, x: wx, y: wy, button: "none", clickCount: 0, deltaY: 120)
            inputs = try await tap.wait { $0.contains { if case .wheel = $0 { true } else { false } } }
            guard case .wheel(let x, let y, let deltaX, let deltaY)? = inputs.first(where: { !$0.isMove }) else {
                Issue.record("no wheel: \(inputs)")
                return
            }
            #expect(Self.near(x, 500, within: tolerance) && Self.near(y, 400, within: tolerance), "\(x), \(y)")
            #expect(deltaX == 0 && Self.near(deltaY, 120, within: 0.01), "\(deltaX), \(deltaY)")
            // The wheel moved the browser, not this page.
            #expect(try await page.value("window.scrollY", as: Double.self) == 0)
        }
    }

    /// Clicks the view, so that keys go to the browser, and forgets the click.
    static func focusView(_ page: PersonPage, _ tap: InputTap) async throws {
        try await page.click("#view")
        _ = try await tap.wait { $0.contains { $0.mouse?.kind == .released } }
        try await page.wait(for: "document.activeElement && document.activeElement.id === 'keys'")
        await tap.clear()
    }

    @Test("keys, typed text, pastes and an input method's text reach the server once the view has the focus; this page keeps none")
    func typing() async throws {
        try await PersonBrowser.with { person, server, tap in
            let page = try await Self.openLive(person, server)
            try await Self.focusView(page, tap)
            try await page.press(key: "a", code: "KeyA", keyCode: 65, text: "a")
            try await page.press(key: "A", code: "KeyA", keyCode: 65, text: "A", modifiers: 8)
            try await page.press(key: "Backspace", code: "Backspace", keyCode: 8)
            try await page.press(key: "Enter", code: "Enter", keyCode: 13, text: "\r")
            try await page.press(key: "a", code: "KeyA", keyCode: 65, modifiers: 2)
            try await page.press(key: "Tab", code: "Tab", keyCode: 9)
            try await page.insert(text: "héllo ✓ 日本")
            _ = try await page.value("""
                (() => { const data = new DataTransfer(); data.setData('text/plain', 'pasted ✓');
                  document.getElementById('keys').dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
                  return true; })()
                """, as: Bool.self)
            _ = try await page.session.send(ImeSetComposition(text: "にほ", selectionStart: 2, selectionEnd: 2))
            _ = try await page.session.send(InsertText(text: "日本"))
            try await page.press(key: "Escape", code: "Escape", keyCode: 27)
            let inputs = try await tap.wait { $0.contains { $0.key?.key == "Escape" && $0.key?.kind == .up } }
            func down(_ key: String, _ code: String, _ keyCode: Int, _ text: String?, _ modifiers: Int = 0) -> [LiveInput] {
                [.key(KeyAction(kind: text == nil ? .rawDown : .down, key: key, code: code, text: text, keyCode: keyCode, modifiers: modifiers)),
                 .key(KeyAction(kind: .up, key: key, code: code, text: nil, keyCode: keyCode, modifiers: modifiers))]
            }
            let expected: [LiveInput] = down("a", "KeyA", 65, "a") + down("A", "KeyA", 65, "A", 8)
                + down("Backspace", "Backspace", 8, nil) + down("Enter", "Enter", 13, "\r") + down("a", "KeyA", 65, nil, 2)
                + down("Tab", "Tab", 9, nil) + [.text("héllo ✓ 日本"), .text("pasted ✓"), .text("日本")]
                + down("Escape", "Escape", 27, nil)
            #expect(inputs.filter { !$0.isMove } == expected)
            // Nothing stayed in this page: the keys were not typed here and Tab did not move the focus.
            #expect(try await page.value("document.getElementById('keys').value", as: String.self) == "")
            #expect(try await page.value("document.activeElement.id", as: String.self) == "keys")
        }
    }

    @Test("what the page reports types the same text into a real page when replayed as the Input calls of the same names")
    func replayTypes() async throws {
        try await PersonBrowser.with { person, server, tap in
            let page = try await Self.openLive(person, server)
            try await Self.focusView(page, tap)
            try await page.press(key: "H", code: "KeyH", keyCode: 72, text: "H", modifiers: 8)
            try await page.press(key: "i", code: "KeyI", keyCode: 73, text: "i")
            try await page.press(key: "Backspace", code: "Backspace", keyCode: 8)
            try await page.press(key: "!", code: "Digit1", keyCode: 49, text: "!", modifiers: 8)
            try await page.press(key: "ArrowLeft", code: "ArrowLeft", keyCode: 37)
            try await page.insert(text: "¡")
            try await page.press(key: "End", code: "End", keyCode: 35)
            let inputs = try await tap.wait { $0.contains { $0.key?.key == "End" && $0.key?.kind == .up } }
            // The logged-in browser's part, played by another tab.
            let target = try await person.open("data:text/html,<input id=field>")
            try await target.wait(for: "document.getElementById('field')")
            _ = try await target.value("document.getElementById('field').focus(), true", as: Bool.self)
            try await target.replay(inputs)
            #expect(try await target.value("document.getElementById('field').value", as: String.self) == "H¡!")
        }
    }

    @Test("the Done button sends done; the address bar sends an http(s) address and its keys stay in the page")
    func doneAndAddress() async throws {
        try await PersonBrowser.with { person, server, tap in
            let page = try await Self.openLive(person, server)
            try await page.click("#address")
            try await page.insert(text: "example.org/login")
            try await page.press(key: "Enter", code: "Enter", keyCode: 13, text: "\r")
            var inputs = try await tap.wait { $0.contains { if case .navigate = $0 { true } else { false } } }
            #expect(inputs.filter { !$0.isMove } == [.navigate("https://example.org/login")])

            // Another scheme never leaves the page.
            _ = try await page.value("document.getElementById('address').value = 'javascript:alert(1)', true", as: Bool.self)
            try await page.click("#go button")
            try await page.wait(for: "\(Self.status).includes('Only http and https')")

            await tap.clear()
            try await page.click("#done")
            inputs = try await tap.wait { $0.contains(.done) }
            #expect(inputs.filter { !$0.isMove } == [.done])
            #expect(try await page.value("document.getElementById('done').disabled", as: Bool.self) == true)
        }
    }

    @Test("several viewers all get the frames and all may send input")
    func severalViewers() async throws {
        try await PersonBrowser.with { person, server, tap in
            let first = try await Self.openLive(person, server)
            let second = try await person.open(server.url, width: 900, height: 800)
            try await second.waitUntilLive()
            try await second.wait(for: "\(Self.view).naturalWidth === 500")
            let next = try await person.jpeg(width: 320, height: 200)
            await server.show(jpeg: next, deviceWidth: 1280, deviceHeight: 800)
            for page in [first, second] { try await page.wait(for: "\(Self.view).naturalWidth === 320") }
            await tap.clear()
            try await second.click("#view")
            let inputs = try await tap.wait { $0.contains { $0.mouse?.kind == .released } }
            let press = try #require(inputs.compactMap(\.mouse).first { $0.kind == .pressed })
            #expect(Self.near(press.x, 640, within: 3) && Self.near(press.y, 400, within: 3), "\(press)")
            try await first.click("#done")
            _ = try await tap.wait { $0.contains(.done) }
        }
    }

    @Test("malformed, oversized and out-of-bounds messages from a page's socket are dropped or clamped, and the page goes on working")
    func malformedMessages() async throws {
        try await PersonBrowser.with { person, server, tap in
            let page = try await Self.openLive(person, server)
            await tap.clear()
            let sent = try await page.value("""
                (async () => {
                  const socket = new WebSocket('ws://' + location.host + location.pathname + 'ws');
                  await new Promise((resolve, reject) => { socket.onopen = resolve; socket.onerror = reject; });
                  const messages = ['', '{', 'null', '[1,2]', '{"type":"explode"}', '{"type":"mouse"}',
                    '{"type":"mouse","kind":"mousePressed","x":"NaN","y":1}',
                    '{"type":"mouse","kind":"mousePressed","x":-50,"y":1e9,"button":"left","clickCount":1}',
                    JSON.stringify({type: 'text', text: 'x'.repeat(5000)}),
                    JSON.stringify({type: 'text', text: 'y'.repeat(70000)}),
                    JSON.stringify({type: 'key', kind: 'keyDown', key: 'k'.repeat(40), code: 'KeyK', keyCode: 75}),
                    JSON.stringify({type: 'navigate', url: 'javascript:alert(1)'}),
                    JSON.stringify({type: 'navigate', url: 'file:///etc/passwd'})];
                  for (const message of messages) socket.send(message);
                  socket.send(new Uint8Array([0xff, 0xd8, 0xff]));
                  socket.send(JSON.stringify({type: 'text', text: 'still here'}));
                  await new Promise((resolve) => setTimeout(resolve, 200));
                  socket.close();
                  return messages.length;
                })()
                """, as: Int.self, awaitPromise: true)
            #expect(sent == 13)
            let inputs = try await tap.wait { $0.contains(.text("still here")) }
            #expect(inputs == [.mouse(MouseAction(kind: .pressed, x: 0, y: 800, button: "left", clickCount: 1, modifiers: 0)),
                               .text("still here")])
            // The page's own connection is untouched.
            try await page.click("#done")
            _ = try await tap.wait { $0.contains(.done) }
        }
    }

    @Test("a page of another origin, reaching the server by DNS rebinding or directly, gets neither the page nor the socket")
    func foreignOrigin() async throws {
        try await PersonBrowser.with(extraArguments: ["--host-resolver-rules=MAP attacker.example 127.0.0.1"]) { person, server, tap in
            let frame = try await person.jpeg(width: 100, height: 100)
            await server.show(jpeg: frame, deviceWidth: 100, deviceHeight: 100)
            let rebound = server.url.replacingOccurrences(of: "127.0.0.1", with: "attacker.example")
            let page = try await person.open(rebound)
            try await page.wait(for: "document.body && document.body.innerText.includes('answers only at')")
            for target in [rebound, server.url] {
                let socketURL = target.replacingOccurrences(of: "http://", with: "ws://") + "ws"
                let outcome = try await page.value("""
                    new Promise((resolve) => { const socket = new WebSocket(\(quoted(socketURL)));
                      socket.onopen = () => { socket.send('{"type":"done"}'); resolve('open'); };
                      socket.onerror = () => resolve('refused'); })
                    """, as: String.self, awaitPromise: true)
                #expect(outcome == "refused", "\(socketURL)")
            }
            // The wrong token, at the right name: a bare 404.
            try await page.go(to: "http://127.0.0.1:\(server.port)/\(String(repeating: "0", count: 64))/")
            try await page.wait(for: "document.body && document.body.innerText.trim() === 'Not Found'")
            try await Task.sleep(for: .milliseconds(300))
            #expect(await tap.received.isEmpty)
        }
    }

    @Test("when the server stops, the page says the live view has ended and stops reconnecting")
    func stopEndsPage() async throws {
        try await PersonBrowser.with { person, server, _ in
            let page = try await Self.openLive(person, server)
            await server.stop()
            try await page.wait(for: "document.getElementById('connection').textContent === 'The live view has ended.'")
            #expect(try await page.value("document.getElementById('done').disabled", as: Bool.self) == true)
        }
    }
}
