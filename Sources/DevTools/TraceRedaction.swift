import Foundation

/// What a protocol trace leaves out of a DevTools message: credentials, stored values and page
/// payloads, so that a trace can be handed to someone debugging a capture without handing over
/// the sessions of whoever's browser (or proxy) made it.
///
/// Replaced by `"[redacted]"`:
/// - the values of the headers `Cookie`, `Set-Cookie`, `Authorization` and `Proxy-Authorization`
///   (any case) in every `headers`, `requestHeaders` and `responseHeaders` map or `{name, value}`
///   list, and their lines in the raw `headersText` and `requestHeadersText`;
/// - the `value` of every cookie object (`cookies` lists, `cookie` objects such as those in
///   `associatedCookies`, `blockedCookies` and `exemptedCookies`), raw `cookie` strings and
///   `cookieLine`s, and the `value` given to `Network.setCookie`;
/// - `DOMStorage` values: the items `DOMStorage.getDOMStorageItems` returns, `newValue` and
///   `oldValue` of its item events, the `value` given to `DOMStorage.setDOMStorageItem`;
/// - what a person types: the `text` of `Input.insertText` and the key, code and text of
///   `Input.dispatchKeyEvent` (a password typed through `exhibit session create`'s live view);
/// - the `source` of a script added to run on new documents in the world ``credentialWorld``
///   (a session's `localStorage` values, restored before the page's scripts run);
/// - bodies: request `postData` and `postDataEntries`, the `body` of `Network.getResponseBody`
///   and `Fetch.getResponseBody` (and given to `Fetch.fulfillRequest`), the `data` of `IO.read`,
///   WebSocket `payloadData`, streamed `Network.dataReceived` and `EventSource` data.
///
/// Images and documents the browser renders (`Page.captureScreenshot`, `Page.printToPDF` and
/// `Page.captureSnapshot` results, screencast frames) are replaced by `"[omitted: N bytes]"`:
/// they are the capture itself, and would make the trace of a tall page as large as its PNG.
///
/// Everything else is kept as the browser or Exhibit sent it.
package enum TraceRedaction {
    /// What a sensitive value is replaced with.
    package static let redacted = "[redacted]"

    /// The isolated world of scripts that carry credentials: their source is never traced.
    package static let credentialWorld = "exhibit-credentials"

    /// Header names whose values are credentials (lower case).
    static let sensitiveHeaders: Set<String> = ["cookie", "set-cookie", "authorization", "proxy-authorization"]

    private enum Rule { case redact, omitSize, storageEntries }

    /// Fields of a command's `result`, by the command's method. A response does not name its
    /// method, so the trace matches it to the command by id.
    private static let resultRules: [String: [String: Rule]] = [
        "Network.getResponseBody": ["body": .redact],
        "Network.streamResourceContent": ["bufferedData": .redact],
        "Network.getRequestPostData": ["postData": .redact],
        "Fetch.getResponseBody": ["body": .redact],
        "IO.read": ["data": .redact],
        "DOMStorage.getDOMStorageItems": ["entries": .storageEntries],
        "Page.captureScreenshot": ["data": .omitSize],
        "Page.printToPDF": ["data": .omitSize],
        "Page.captureSnapshot": ["data": .omitSize],
    ]

    /// Fields of a command's or an event's `params`, by its method.
    private static let paramRules: [String: [String: Rule]] = [
        "Network.setCookie": ["value": .redact],
        "DOMStorage.setDOMStorageItem": ["value": .redact],
        "DOMStorage.domStorageItemAdded": ["newValue": .redact],
        "DOMStorage.domStorageItemUpdated": ["oldValue": .redact, "newValue": .redact],
        "Fetch.fulfillRequest": ["body": .redact],
        "Network.dataReceived": ["data": .redact],
        "Network.eventSourceMessageReceived": ["data": .redact],
        "Page.screencastFrame": ["data": .omitSize],
        "Input.insertText": ["text": .redact],
        "Input.dispatchKeyEvent": ["key": .redact, "code": .redact, "text": .redact, "unmodifiedText": .redact,
                                   "windowsVirtualKeyCode": .redact, "nativeVirtualKeyCode": .redact, "keyIdentifier": .redact],
    ]

    /// The message with what must not be kept replaced. `resultOf` is the method of the command a
    /// response answers (nil for commands, events and answers to unknown ids).
    package static func redact(_ message: [String: Any], resultOf method: String?) -> [String: Any] {
        var message = message.mapValuesScrubbed()
        if let method = message["method"] as? String, let rules = paramRules[method],
           let params = message["params"] as? [String: Any] {
            message["params"] = apply(rules, to: params)
        }
        if message["method"] as? String == "Page.addScriptToEvaluateOnNewDocument",
           var params = message["params"] as? [String: Any], params["worldName"] as? String == credentialWorld {
            params["source"] = redacted
            message["params"] = params
        }
        if let method, let rules = resultRules[method], let result = message["result"] as? [String: Any] {
            message["result"] = apply(rules, to: result)
        }
        return message
    }

    private static func apply(_ rules: [String: Rule], to object: [String: Any]) -> [String: Any] {
        var object = object
        for (field, rule) in rules {
            guard let value = object[field] else { continue }
            switch rule {
            case .redact:
                object[field] = redacted
            case .omitSize:
                object[field] = (value as? String).map { "[omitted: \(decodedSize(ofBase64: $0)) bytes]" } ?? redacted
            case .storageEntries:
                // Each item is a [key, value] pair; the key says what is stored and stays.
                guard let items = value as? [Any] else { object[field] = redacted; continue }
                object[field] = items.map { item -> Any in
                    guard let pair = item as? [Any], let key = pair.first else { return redacted }
                    return [key, redacted]
                }
            }
        }
        return object
    }

    /// Walks a value, redacting by field name what is sensitive wherever it appears.
    fileprivate static func scrub(_ value: Any, field: String?) -> Any {
        switch field {
        case "headers", "requestHeaders", "responseHeaders":
            return headers(value)
        case "headersText", "requestHeadersText":
            return (value as? String).map(headerText) ?? value
        case "postData", "cookieLine", "payloadData":
            return redacted
        case "postDataEntries":
            guard let entries = value as? [Any] else { return redacted }
            return entries.map { _ in ["bytes": redacted] }
        case "cookie":
            // A cookie object (associatedCookies, blockedCookies) or a raw Cookie header string.
            guard let object = value as? [String: Any] else { return redacted }
            return cookie(object)
        case "cookies":
            guard let list = value as? [Any] else { return redacted }
            return list.map { item -> Any in (item as? [String: Any]).map(cookie) ?? redacted }
        default:
            break
        }
        if let object = value as? [String: Any] { return object.mapValuesScrubbed() }
        if let list = value as? [Any] { return list.map { scrub($0, field: nil) } }
        return value
    }

    private static func cookie(_ object: [String: Any]) -> [String: Any] {
        var object = object.mapValuesScrubbed()
        if object["value"] != nil { object["value"] = redacted }
        return object
    }

    /// A header map (`{"Cookie": "…"}`) or a list of `{name, value}` (the Fetch domain's form).
    private static func headers(_ value: Any) -> Any {
        if let map = value as? [String: Any] {
            return Dictionary(uniqueKeysWithValues: map.map { name, value in
                (name, sensitiveHeaders.contains(name.lowercased()) ? redacted : value)
            })
        }
        if let list = value as? [Any] {
            return list.map { entry -> Any in
                guard var header = entry as? [String: Any], let name = header["name"] as? String else { return entry }
                if sensitiveHeaders.contains(name.lowercased()) { header["value"] = redacted }
                return header
            }
        }
        return value
    }

    /// Raw header text as sent or received: a sensitive header's line keeps its name, loses its value.
    static func headerText(_ text: String) -> String {
        // Split by scalars: "\r\n" is one Character, so a split by Character would find no line.
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { scalars in
            let line = String(Substring(scalars))
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex,
                  sensitiveHeaders.contains(line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()) else {
                return line
            }
            return String(line[..<colon]) + ": " + redacted + (line.hasSuffix("\r") ? "\r" : "")
        }.joined(separator: "\n")
    }

    /// The number of bytes a base64 text stands for.
    static func decodedSize(ofBase64 text: String) -> Int {
        let padding = text.utf8.reversed().prefix(2).prefix { $0 == UInt8(ascii: "=") }.count
        return max(0, text.utf8.count * 3 / 4 - padding)
    }
}

private extension Dictionary where Key == String, Value == Any {
    func mapValuesScrubbed() -> [String: Any] {
        Dictionary(uniqueKeysWithValues: map { ($0.key, TraceRedaction.scrub($0.value, field: $0.key)) })
    }
}
