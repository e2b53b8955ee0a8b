import DevTools
import Foundation
import LiveView
import Testing

/// A real headless Chromium playing the person at their desktop: it opens the live view's page
/// and gets trusted mouse and keyboard input through DevTools, as a person's hand would give it.
struct PersonBrowser {
    let browser: BrowserHandle

    static func launch(extraArguments: [String] = []) async throws -> PersonBrowser {
        PersonBrowser(browser: try await LaunchedBrowser(extraArguments: extraArguments).open())
    }

    /// Runs `body` with a person's browser and a live view, and closes both whatever happens.
    static func with(title: String = "Example site", extraArguments: [String] = [],
                     _ body: (PersonBrowser, LiveViewServer, InputTap) async throws -> Void) async throws {
        let person = try await launch(extraArguments: extraArguments)
        let server: LiveViewServer
        do { server = try await LiveViewServer.start(title: title) } catch {
            await person.close()
            throw error
        }
        let tap = await InputTap.reading(server)
        do { try await body(person, server, tap) } catch {
            await server.stop()
            await person.close()
            throw error
        }
        await server.stop()
        await person.close()
    }

    func close() async { await browser.close() }

    /// A new tab of `width`×`height` CSS pixels, at `url` if given.
    func open(_ url: String? = nil, width: Int = 1000, height: Int = 800) async throws -> PersonPage {
        let session = try await PageSession.open(on: browser.connection)
        _ = try await session.send(EmulationCommands.SetDeviceMetricsOverride(width: width, height: height, deviceScaleFactor: 1))
        let page = PersonPage(session: session)
        if let url { try await page.go(to: url) }
        return page
    }

    /// A JPEG of `width`×`height` pixels drawn by the browser's canvas: a frame of known size.
    func jpeg(width: Int, height: Int) async throws -> [UInt8] {
        let page = try await open()
        let script = """
            (() => { const canvas = document.createElement('canvas'); canvas.width = \(width); canvas.height = \(height);
              const g = canvas.getContext('2d'); g.fillStyle = '#2a6'; g.fillRect(0, 0, \(width), \(height));
              g.fillStyle = '#fff'; g.fillRect(\(width / 4), \(height / 4), \(width / 2), \(height / 2));
              return canvas.toDataURL('image/jpeg', 0.8).split(',')[1]; })()
            """
        let drawn = try? await page.session.evaluate(script, as: String.self)
        await page.session.close()
        let base64 = try #require(drawn)
        let data = try #require(Data(base64Encoded: base64))
        #expect(data.starts(with: [0xFF, 0xD8]), "not a JPEG")
        return [UInt8](data)
    }
}

/// A tab of the person's browser.
struct PersonPage {
    let session: PageSession

    struct Box: Decodable, Sendable { let left, top, width, height: Double }

    func go(to url: String) async throws {
        _ = try await session.send(PageCommands.Navigate(url: url))
    }

    /// Evaluates `script` in the page.
    func value<T: Decodable & Sendable>(_ script: String, as type: T.Type = T.self, awaitPromise: Bool = false) async throws -> T? {
        try await session.evaluate(script, as: type, awaitPromise: awaitPromise, timeout: .seconds(30))
    }

    /// Waits until `condition` (a JavaScript expression) is true in the page; fails after `timeout`.
    func wait(for condition: String, timeout: Duration = .seconds(30)) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            // A page still navigating cannot evaluate yet: that is just "not yet".
            if (try? await session.evaluate("!!(\(condition))", as: Bool.self)) == true { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting for \(condition)")
        throw TimedOut(what: condition)
    }

    /// Waits until the live view page is connected to its server.
    func waitUntilLive() async throws {
        try await wait(for: "document.getElementById('connection') && document.getElementById('connection').textContent === 'Live'")
    }

    /// The element's box in the viewport's CSS pixels.
    func box(of selector: String) async throws -> Box {
        let script = "(() => { const r = document.querySelector(\(quoted(selector))).getBoundingClientRect();"
            + " return {left: r.left, top: r.top, width: r.width, height: r.height}; })()"
        return try #require(try await session.evaluate(script, as: Box.self))
    }

    /// A trusted click at the middle of the element.
    func click(_ selector: String) async throws {
        let box = try await box(of: selector)
        try await session.click(x: box.left + box.width / 2, y: box.top + box.height / 2)
    }

    func mouse(_ type: InputCommands.DispatchMouseEvent.Kind, x: Double, y: Double, button: String = "left",
               clickCount: Int = 1, deltaY: Double? = nil) async throws {
        _ = try await session.send(InputCommands.DispatchMouseEvent(type: type, x: x, y: y, button: button,
                                                                    clickCount: clickCount, deltaY: deltaY))
    }

    /// A key pressed and let go, as `Input.dispatchKeyEvent` gives it.
    func press(key: String, code: String, keyCode: Int, text: String? = nil, modifiers: Int = 0) async throws {
        _ = try await session.send(DispatchKeyEvent(type: text == nil ? "rawKeyDown" : "keyDown", key: key, code: code,
                                                    text: text, windowsVirtualKeyCode: keyCode, modifiers: modifiers))
        _ = try await session.send(DispatchKeyEvent(type: "keyUp", key: key, code: code, text: nil,
                                                    windowsVirtualKeyCode: keyCode, modifiers: modifiers))
    }

    func insert(text: String) async throws {
        _ = try await session.send(InsertText(text: text))
    }

    /// Carries out what the live view reported in this page, as the browser side of Exhibit would:
    /// each key and text as the `Input` call of the same name and fields.
    func replay(_ inputs: [LiveInput]) async throws {
        for input in inputs {
            switch input {
            case .key(let key):
                _ = try await session.send(DispatchKeyEvent(type: key.kind.rawValue, key: key.key, code: key.code, text: key.text,
                                                            windowsVirtualKeyCode: key.keyCode, modifiers: key.modifiers))
            case .text(let text):
                try await insert(text: text)
            default:
                break
            }
        }
    }
}

func quoted(_ text: String) -> String {
    let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
    return String(decoding: data, as: UTF8.self)
}

/// `Input.dispatchKeyEvent`, which the DevTools module has no use for.
struct DispatchKeyEvent: DevToolsCommand {
    static let method = "Input.dispatchKeyEvent"
    typealias Result = NoResult
    let type: String
    let key: String
    let code: String
    let text: String?
    let windowsVirtualKeyCode: Int
    let modifiers: Int
}

/// `Input.insertText`: text as an input method or a paste would commit it.
struct InsertText: DevToolsCommand {
    static let method = "Input.insertText"
    typealias Result = NoResult
    let text: String
}

/// `Input.imeSetComposition`: an input method's text still being composed.
struct ImeSetComposition: DevToolsCommand {
    static let method = "Input.imeSetComposition"
    typealias Result = NoResult
    let text: String
    let selectionStart: Int
    let selectionEnd: Int
}
