import Testing
@testable import LiveView

/// What a page's message may become: the bounds hold whoever wrote the message.
@Suite("Live view: checking a page's messages")
struct InputMessageTests {
    let device = DeviceSize(width: 800, height: 600)

    func decode(_ json: String, device: DeviceSize? = DeviceSize(width: 800, height: 600)) -> LiveInput? {
        InputMessage.decode(Array(json.utf8), device: device)
    }

    @Test("each kind of message becomes its input")
    func wellFormed() {
        #expect(decode(#"{"type":"mouse","kind":"mousePressed","x":10.5,"y":20,"button":"left","clickCount":1,"modifiers":8}"#)
                == .mouse(MouseAction(kind: .pressed, x: 10.5, y: 20, button: "left", clickCount: 1, modifiers: 8)))
        #expect(decode(#"{"type":"mouse","kind":"mouseMoved","x":1,"y":2}"#)
                == .mouse(MouseAction(kind: .moved, x: 1, y: 2, button: "none", clickCount: 0, modifiers: 0)))
        #expect(decode(#"{"type":"wheel","x":400,"y":300,"deltaX":0,"deltaY":-120}"#)
                == .wheel(x: 400, y: 300, deltaX: 0, deltaY: -120))
        #expect(decode(#"{"type":"key","kind":"keyDown","key":"a","code":"KeyA","text":"a","keyCode":65,"modifiers":0}"#)
                == .key(KeyAction(kind: .down, key: "a", code: "KeyA", text: "a", keyCode: 65, modifiers: 0)))
        #expect(decode(#"{"type":"key","kind":"rawKeyDown","key":"Backspace","code":"Backspace","keyCode":8,"modifiers":0}"#)
                == .key(KeyAction(kind: .rawDown, key: "Backspace", code: "Backspace", text: nil, keyCode: 8, modifiers: 0)))
        #expect(decode(#"{"type":"text","text":"日本 ✓"}"#) == .text("日本 ✓"))
        #expect(decode(#"{"type":"navigate","url":"https://bsky.app/login"}"#) == .navigate("https://bsky.app/login"))
        #expect(decode(#"{"type":"done"}"#) == .done)
    }

    @Test("pointer positions are clamped into the device viewport; before any frame there is nothing to point at")
    func clamping() {
        #expect(decode(#"{"type":"mouse","kind":"mousePressed","x":-50,"y":1e9,"button":"left","clickCount":1}"#)
                == .mouse(MouseAction(kind: .pressed, x: 0, y: 600, button: "left", clickCount: 1, modifiers: 0)))
        #expect(decode(#"{"type":"wheel","x":900,"y":-1,"deltaX":-1e12,"deltaY":1e12}"#)
                == .wheel(x: 800, y: 0, deltaX: -10_000, deltaY: 10_000))
        #expect(decode(#"{"type":"mouse","kind":"mousePressed","x":1,"y":2,"button":"left","clickCount":4}"#)
                == .mouse(MouseAction(kind: .pressed, x: 1, y: 2, button: "left", clickCount: 3, modifiers: 0)))
        #expect(decode(#"{"type":"mouse","kind":"mouseMoved","x":1,"y":2}"#, device: nil) == nil)
        #expect(decode(#"{"type":"wheel","x":1,"y":2,"deltaY":3}"#, device: nil) == nil)
        // Keys and text need no picture.
        #expect(decode(#"{"type":"text","text":"x"}"#, device: nil) == .text("x"))
    }

    @Test("malformed, unknown and out-of-bounds messages are dropped", arguments: [
        "", "{", "null", "[]", "42", #""done""#, #"{"kind":"done"}"#, #"{"type":"explode"}"#, #"{"type":1}"#,
        #"{"type":"mouse","kind":"mousePressed","x":"1","y":2}"#,
        #"{"type":"mouse","kind":"mousePressed","x":1}"#,
        #"{"type":"mouse","kind":"mouseWheel","x":1,"y":2}"#,
        #"{"type":"mouse","kind":"mousePressed","x":1,"y":2,"button":"back"}"#,
        #"{"type":"mouse","kind":"mousePressed","x":1,"y":2,"clickCount":-1}"#,
        #"{"type":"mouse","kind":"mousePressed","x":1,"y":2,"modifiers":16}"#,
        #"{"type":"mouse","kind":"mousePressed","x":1,"y":2,"modifiers":-1}"#,
        #"{"type":"mouse","kind":"mousePressed","x":1e999,"y":2}"#,
        #"{"type":"wheel","x":1,"y":2,"deltaY":"down"}"#,
        #"{"type":"key","kind":"keyPress","key":"a","code":"KeyA","keyCode":65}"#,
        #"{"type":"key","kind":"keyDown","key":"","code":"KeyA","keyCode":65}"#,
        #"{"type":"key","kind":"keyDown","key":"a","code":"KeyA","keyCode":256}"#,
        #"{"type":"key","kind":"keyDown","key":"a","code":"KeyA"}"#,
        #"{"type":"key","kind":"keyDown","key":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","code":"KeyA","keyCode":65}"#,
        #"{"type":"key","kind":"keyDown","key":"a","code":"KeyA","keyCode":65,"text":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"#,
        #"{"type":"text","text":""}"#, #"{"type":"text"}"#, #"{"type":"text","text":7}"#,
        #"{"type":"navigate","url":"javascript:alert(1)"}"#, #"{"type":"navigate","url":"file:///etc/passwd"}"#,
        #"{"type":"navigate","url":"chrome://settings"}"#, #"{"type":"navigate","url":"https://"}"#,
        #"{"type":"navigate","url":"example.org"}"#, #"{"type":"navigate"}"#,
    ])
    func dropped(_ json: String) {
        #expect(decode(json) == nil, "\(json)")
    }

    @Test("size bounds: text up to 4096 characters, messages up to 64 KiB")
    func sizes() {
        let longest = String(repeating: "é", count: LiveInputLimits.text)
        #expect(decode(#"{"type":"text","text":"\#(longest)"}"#) == .text(longest))
        #expect(decode(#"{"type":"text","text":"\#(longest)x"}"#) == nil)
        // Valid JSON, but over the message bound: not even read.
        let padding = String(repeating: " ", count: LiveInputLimits.messageBytes)
        #expect(decode(#"{"type":"done"}"# + padding) == nil)
        // A key's text is only for a key that types.
        #expect(decode(#"{"type":"key","kind":"keyUp","key":"a","code":"KeyA","text":"a","keyCode":65}"#)
                == .key(KeyAction(kind: .up, key: "a", code: "KeyA", text: nil, keyCode: 65, modifiers: 0)))
    }

    @Test("the token is 64 hex digits from the system generator and matches only itself")
    func token() {
        let token = AccessToken.random()
        #expect(token.text.count == 64 && token.text.allSatisfy(\.isHexDigit) && token.text == token.text.lowercased())
        #expect(token.text != AccessToken.random().text)
        #expect(token.matches(Array(token.text.utf8)))
        #expect(!token.matches(Array(token.text.dropLast().utf8)))
        #expect(!token.matches(Array((token.text + "0").utf8)))
        #expect(!token.matches(Array(token.text.uppercased().utf8)) || token.text.allSatisfy(\.isNumber))
        #expect(!token.matches([UInt8]()))
    }
}
