import Foundation
import Testing
@testable import DevTools

/// What a protocol trace keeps out of each kind of message, checked without a browser: every case
/// goes in with its secret and must come out with `[redacted]` in its place and nothing else changed.
@Suite("Protocol trace redaction")
struct TraceRedactionTests {
    /// The message redacted and re-serialised with sorted keys, as the trace writes it.
    static func redacted(_ json: String, resultOf method: String? = nil) throws -> String {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        return try canonical(TraceRedaction.redact(object, resultOf: method))
    }

    static func canonical(_ json: String) throws -> String {
        try canonical(#require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]))
    }

    static func canonical(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]),
               as: UTF8.self)
    }

    /// Each case: what goes in, what must come out (a whole value `"R"` stands for `"[redacted]"`), and the method a
    /// response answers.
    static let cases: [(label: String, input: String, expected: String, resultOf: String?)] = [
        ("request headers of requestWillBeSent, any case",
         #"{"method":"Network.requestWillBeSent","sessionId":"S","params":{"requestId":"1","request":{"url":"http://h/","method":"GET","headers":{"authorization":"Bearer abc","Accept":"*/*","PROXY-AUTHORIZATION":"Basic x"}}}}"#,
         #"{"method":"Network.requestWillBeSent","sessionId":"S","params":{"requestId":"1","request":{"url":"http://h/","method":"GET","headers":{"authorization":"R","Accept":"*/*","PROXY-AUTHORIZATION":"R"}}}}"#, nil),
        ("cookies sent: headers and associatedCookies of requestWillBeSentExtraInfo",
         #"{"method":"Network.requestWillBeSentExtraInfo","params":{"requestId":"1","headers":{"Cookie":"a=1; b=2","Host":"h"},"associatedCookies":[{"blockedReasons":[],"cookie":{"name":"a","value":"1","domain":"h","path":"/","httpOnly":false}}]}}"#,
         #"{"method":"Network.requestWillBeSentExtraInfo","params":{"requestId":"1","headers":{"Cookie":"R","Host":"h"},"associatedCookies":[{"blockedReasons":[],"cookie":{"name":"a","value":"R","domain":"h","path":"/","httpOnly":false}}]}}"#, nil),
        ("cookies received: headers, headersText lines, blocked and exempted cookies of responseReceivedExtraInfo",
         #"{"method":"Network.responseReceivedExtraInfo","params":{"requestId":"1","statusCode":200,"headers":{"Set-Cookie":"s=secret; Path=/","Content-Type":"text/html"},"headersText":"HTTP/1.1 200 OK\r\nSet-Cookie: s=secret; Path=/\r\nContent-Type: text/html\r\n\r\n","blockedCookies":[{"blockedReasons":["SameSiteLax"],"cookieLine":"t=secret2","cookie":{"name":"t","value":"secret2"}}],"exemptedCookies":[{"exemptionReason":"None","cookieLine":"u=secret3","cookie":{"name":"u","value":"secret3"}}]}}"#,
         #"{"method":"Network.responseReceivedExtraInfo","params":{"requestId":"1","statusCode":200,"headers":{"Set-Cookie":"R","Content-Type":"text/html"},"headersText":"HTTP/1.1 200 OK\r\nSet-Cookie: [redacted]\r\nContent-Type: text/html\r\n\r\n","blockedCookies":[{"blockedReasons":["SameSiteLax"],"cookieLine":"R","cookie":{"name":"t","value":"R"}}],"exemptedCookies":[{"exemptionReason":"None","cookieLine":"R","cookie":{"name":"u","value":"R"}}]}}"#, nil),
        ("response and request headers and their texts in responseReceived",
         #"{"method":"Network.responseReceived","params":{"requestId":"1","response":{"url":"http://h/","status":200,"headers":{"set-cookie":"s=1"},"requestHeaders":{"Cookie":"s=1","Accept":"x"},"requestHeadersText":"GET / HTTP/1.1\nCookie: s=1\nAccept: x"}}}"#,
         #"{"method":"Network.responseReceived","params":{"requestId":"1","response":{"url":"http://h/","status":200,"headers":{"set-cookie":"R"},"requestHeaders":{"Cookie":"R","Accept":"x"},"requestHeadersText":"GET / HTTP/1.1\nCookie: [redacted]\nAccept: x"}}}"#, nil),
        ("request bodies: postData and postDataEntries",
         #"{"method":"Network.requestWillBeSent","params":{"requestId":"2","request":{"url":"http://h/api","method":"POST","headers":{},"hasPostData":true,"postData":"password=x","postDataEntries":[{"bytes":"cGFzc3dvcmQ9eA=="}]}}}"#,
         #"{"method":"Network.requestWillBeSent","params":{"requestId":"2","request":{"url":"http://h/api","method":"POST","headers":{},"hasPostData":true,"postData":"R","postDataEntries":[{"bytes":"R"}]}}}"#, nil),
        ("Fetch headers as {name, value} lists",
         #"{"method":"Fetch.requestPaused","params":{"requestId":"f","request":{"url":"http://h/","method":"GET","headers":{"Cookie":"c=1"}},"responseHeaders":[{"name":"Set-Cookie","value":"c=2"},{"name":"Server","value":"x"}]}}"#,
         #"{"method":"Fetch.requestPaused","params":{"requestId":"f","request":{"url":"http://h/","method":"GET","headers":{"Cookie":"R"}},"responseHeaders":[{"name":"Set-Cookie","value":"R"},{"name":"Server","value":"x"}]}}"#, nil),
        ("Network.setExtraHTTPHeaders sent by a client",
         #"{"id":3,"method":"Network.setExtraHTTPHeaders","params":{"headers":{"Authorization":"Basic dTpw","X-Test":"1"}}}"#,
         #"{"id":3,"method":"Network.setExtraHTTPHeaders","params":{"headers":{"Authorization":"R","X-Test":"1"}}}"#, nil),
        ("Network.getCookies result",
         #"{"id":4,"result":{"cookies":[{"name":"a","value":"1","domain":"h","size":2},{"name":"b","value":"2","domain":"h","size":2}]}}"#,
         #"{"id":4,"result":{"cookies":[{"name":"a","value":"R","domain":"h","size":2},{"name":"b","value":"R","domain":"h","size":2}]}}"#, "Network.getCookies"),
        ("Storage.getCookies result",
         #"{"id":5,"result":{"cookies":[{"name":"a","value":"1"}]}}"#,
         #"{"id":5,"result":{"cookies":[{"name":"a","value":"R"}]}}"#, "Storage.getCookies"),
        ("Network.setCookie parameters",
         #"{"id":6,"method":"Network.setCookie","params":{"name":"a","value":"1","url":"http://h/"}}"#,
         #"{"id":6,"method":"Network.setCookie","params":{"name":"a","value":"R","url":"http://h/"}}"#, nil),
        ("Network.setCookies parameters",
         #"{"id":7,"method":"Network.setCookies","params":{"cookies":[{"name":"a","value":"1","url":"http://h/"}]}}"#,
         #"{"id":7,"method":"Network.setCookies","params":{"cookies":[{"name":"a","value":"R","url":"http://h/"}]}}"#, nil),
        ("DOMStorage.getDOMStorageItems result: keys kept, values redacted",
         #"{"id":8,"result":{"entries":[["token","abc"],["theme","dark"]]}}"#,
         #"{"id":8,"result":{"entries":[["token","R"],["theme","R"]]}}"#, "DOMStorage.getDOMStorageItems"),
        ("DOMStorage.domStorageItemAdded",
         #"{"method":"DOMStorage.domStorageItemAdded","params":{"storageId":{"securityOrigin":"http://h","isLocalStorage":true},"key":"k","newValue":"v"}}"#,
         #"{"method":"DOMStorage.domStorageItemAdded","params":{"storageId":{"securityOrigin":"http://h","isLocalStorage":true},"key":"k","newValue":"R"}}"#, nil),
        ("DOMStorage.domStorageItemUpdated",
         #"{"method":"DOMStorage.domStorageItemUpdated","params":{"storageId":{"isLocalStorage":true},"key":"k","oldValue":"v1","newValue":"v2"}}"#,
         #"{"method":"DOMStorage.domStorageItemUpdated","params":{"storageId":{"isLocalStorage":true},"key":"k","oldValue":"R","newValue":"R"}}"#, nil),
        ("Network.getResponseBody result",
         #"{"id":9,"result":{"body":"{\"token\":\"x\"}","base64Encoded":false}}"#,
         #"{"id":9,"result":{"body":"R","base64Encoded":false}}"#, "Network.getResponseBody"),
        ("Fetch.getResponseBody result",
         #"{"id":10,"result":{"body":"aGVsbG8=","base64Encoded":true}}"#,
         #"{"id":10,"result":{"body":"R","base64Encoded":true}}"#, "Fetch.getResponseBody"),
        ("IO.read result",
         #"{"id":11,"result":{"data":"JVBERi0xLjQ=","base64Encoded":true,"eof":false}}"#,
         #"{"id":11,"result":{"data":"R","base64Encoded":true,"eof":false}}"#, "IO.read"),
        ("WebSocket frame payloads",
         #"{"method":"Network.webSocketFrameReceived","params":{"requestId":"w","timestamp":1.5,"response":{"opcode":1,"mask":false,"payloadData":"{\"session\":\"x\"}"}}}"#,
         #"{"method":"Network.webSocketFrameReceived","params":{"requestId":"w","timestamp":1.5,"response":{"opcode":1,"mask":false,"payloadData":"R"}}}"#, nil),
        ("Page.captureScreenshot result: omitted with its decoded size",
         #"{"id":12,"result":{"data":"iVBORw0KGgo="}}"#,
         #"{"id":12,"result":{"data":"[omitted: 8 bytes]"}}"#, "Page.captureScreenshot"),
        ("a result's rule needs its method: an IO.read-shaped result of another command is kept",
         #"{"id":13,"result":{"data":"kept","eof":true}}"#,
         #"{"id":13,"result":{"data":"kept","eof":true}}"#, "Runtime.evaluate"),
        ("Storage.setCookies parameters (a session set on a capture's context)",
         #"{"id":14,"method":"Storage.setCookies","params":{"cookies":[{"name":"auth_token","value":"s3cret","domain":".x.com","path":"/"}],"browserContextId":"C"}}"#,
         #"{"id":14,"method":"Storage.setCookies","params":{"cookies":[{"name":"auth_token","value":"R","domain":".x.com","path":"/"}],"browserContextId":"C"}}"#, nil),
        ("a credentials script added for new documents: its source, not its world",
         #"{"id":15,"method":"Page.addScriptToEvaluateOnNewDocument","params":{"source":"localStorage.setItem('t','s3cret')","worldName":"exhibit-credentials"}}"#,
         #"{"id":15,"method":"Page.addScriptToEvaluateOnNewDocument","params":{"source":"R","worldName":"exhibit-credentials"}}"#, nil),
        ("another script added for new documents is kept",
         #"{"id":16,"method":"Page.addScriptToEvaluateOnNewDocument","params":{"source":"1","worldName":"other"}}"#,
         #"{"id":16,"method":"Page.addScriptToEvaluateOnNewDocument","params":{"source":"1","worldName":"other"}}"#, nil),
        ("typing through the live view: keys and inserted text",
         #"{"id":17,"method":"Input.dispatchKeyEvent","params":{"type":"keyDown","key":"p","code":"KeyP","text":"p","windowsVirtualKeyCode":80,"modifiers":0}}"#,
         #"{"id":17,"method":"Input.dispatchKeyEvent","params":{"type":"keyDown","key":"R","code":"R","text":"R","windowsVirtualKeyCode":"R","modifiers":0}}"#, nil),
        ("Input.insertText",
         #"{"id":18,"method":"Input.insertText","params":{"text":"hunter2"}}"#,
         #"{"id":18,"method":"Input.insertText","params":{"text":"R"}}"#, nil),
        ("a message with nothing sensitive is unchanged, numbers, booleans and nulls included",
         #"{"method":"Page.lifecycleEvent","sessionId":"S","params":{"frameId":"F","loaderId":"L","name":"load","timestamp":12345.678901,"flag":true,"none":null,"list":[1,2.5,"x"]}}"#,
         #"{"method":"Page.lifecycleEvent","sessionId":"S","params":{"frameId":"F","loaderId":"L","name":"load","timestamp":12345.678901,"flag":true,"none":null,"list":[1,2.5,"x"]}}"#, nil),
    ]

    @Test("each sensitive field is redacted, everything else unchanged", arguments: TraceRedactionTests.cases.indices)
    func redactsCase(index: Int) throws {
        let entry = Self.cases[index]
        let expected = try Self.canonical(entry.expected.replacingOccurrences(of: #""R""#, with: #""[redacted]""#))
        let actual = try Self.redacted(entry.input, resultOf: entry.resultOf)
        #expect(actual == expected, "\(entry.label)")
    }

    @Test("a raw header text keeps every line but the values of credential headers")
    func headerText() {
        let text = "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer t\r\ncookie:a=1\r\nX-Cookie-Note: kept\r\n\r\n"
        #expect(TraceRedaction.headerText(text)
                == "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: [redacted]\r\ncookie: [redacted]\r\nX-Cookie-Note: kept\r\n\r\n")
    }

    @Test("base64 sizes: the bytes the text stands for", arguments: [("", 0), ("QQ==", 1), ("QUI=", 2), ("QUJD", 3), ("QUJDRA==", 4)])
    func base64Size(text: String, bytes: Int) {
        #expect(TraceRedaction.decodedSize(ofBase64: text) == bytes)
    }
}
