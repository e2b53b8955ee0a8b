import Foundation

/// The bounds every message from a page is held to before it becomes a ``LiveInput``.
public enum LiveInputLimits {
    /// A WebSocket message from a page, in bytes; a longer one is dropped unread.
    public static let messageBytes = 64 * 1024
    /// `key`, `code` and a key's `text`, in characters.
    public static let keyString = 32
    /// A ``LiveInput/text(_:)``, in characters (the page cuts a longer paste into pieces).
    public static let text = 4096
    /// A ``LiveInput/navigate(_:)`` address, in characters.
    public static let address = 4096
    /// A wheel delta, in CSS pixels either way: a real wheel gives a few hundred at most.
    public static let wheelDelta = 10_000.0
}

/// The size of the viewport the newest frame shows, in the browser's CSS pixels: what pointer
/// coordinates are clamped to.
struct DeviceSize: Sendable, Equatable {
    var width: Double
    var height: Double
}

/// Reads one JSON text message from the page (see `LiveViewPage` for the format) into a checked
/// ``LiveInput``; nil for anything malformed, unknown or out of bounds. Pages are not trusted:
/// any local program that learns the token can talk to the socket.
enum InputMessage {
    /// The union of every message's fields: which ones matter depends on `type`.
    private struct Wire: Decodable {
        var type: String
        var kind, button, key, code, text, url: String?
        var x, y, deltaX, deltaY: Double?
        var clickCount, modifiers, keyCode: Int?
    }

    private static let buttons: Set<String> = ["none", "left", "middle", "right"]

    /// `device` is nil until the first frame: with nothing shown, there is nothing to point at.
    static func decode(_ bytes: some Collection<UInt8>, device: DeviceSize?) -> LiveInput? {
        guard bytes.count <= LiveInputLimits.messageBytes,
              let wire = try? JSONDecoder().decode(Wire.self, from: Data(bytes)) else { return nil }
        switch wire.type {
        case "mouse": return mouse(wire, device: device)
        case "wheel": return wheel(wire, device: device)
        case "key": return key(wire)
        case "text":
            guard let text = wire.text, !text.isEmpty, text.count <= LiveInputLimits.text else { return nil }
            return .text(text)
        case "navigate": return wire.url.flatMap(address).map(LiveInput.navigate)
        case "done": return .done
        default: return nil
        }
    }

    private static func mouse(_ wire: Wire, device: DeviceSize?) -> LiveInput? {
        guard let device, let kind = wire.kind.flatMap(MouseAction.Kind.init(rawValue:)),
              let (x, y) = point(wire, in: device) else { return nil }
        let button = wire.button ?? "none"
        let clickCount = wire.clickCount ?? 0
        guard buttons.contains(button), clickCount >= 0,
              let modifiers = modifiers(wire.modifiers) else { return nil }
        // A browser's count goes on past a triple click (4, 5, … on fast clicking); none means
        // more than a triple click does.
        return .mouse(MouseAction(kind: kind, x: x, y: y, button: button, clickCount: min(clickCount, 3), modifiers: modifiers))
    }

    private static func wheel(_ wire: Wire, device: DeviceSize?) -> LiveInput? {
        guard let device, let (x, y) = point(wire, in: device) else { return nil }
        let deltaX = wire.deltaX ?? 0, deltaY = wire.deltaY ?? 0
        guard deltaX.isFinite, deltaY.isFinite else { return nil }
        let limit = LiveInputLimits.wheelDelta
        return .wheel(x: x, y: y, deltaX: min(max(deltaX, -limit), limit), deltaY: min(max(deltaY, -limit), limit))
    }

    private static func key(_ wire: Wire) -> LiveInput? {
        guard let kind = wire.kind.flatMap(KeyAction.Kind.init(rawValue:)),
              let key = wire.key, let code = wire.code, !key.isEmpty,
              key.count <= LiveInputLimits.keyString, code.count <= LiveInputLimits.keyString,
              let keyCode = wire.keyCode, (0...255).contains(keyCode),
              let modifiers = modifiers(wire.modifiers) else { return nil }
        // Only a typing key press carries text; on any other kind the browser would not use it.
        var text: String?
        if kind == .down, let typed = wire.text, !typed.isEmpty {
            guard typed.count <= LiveInputLimits.keyString else { return nil }
            text = typed
        }
        return .key(KeyAction(kind: kind, key: key, code: code, text: text, keyCode: keyCode, modifiers: modifiers))
    }

    /// A finite point clamped into the device viewport, or nil.
    private static func point(_ wire: Wire, in device: DeviceSize) -> (Double, Double)? {
        guard let x = wire.x, let y = wire.y, x.isFinite, y.isFinite else { return nil }
        return (min(max(x, 0), device.width), min(max(y, 0), device.height))
    }

    /// The four modifier bits; anything else is not a modifier mask.
    private static func modifiers(_ value: Int?) -> Int? {
        let value = value ?? 0
        return (0...15).contains(value) ? value : nil
    }

    /// An absolute http(s) URL with a host, and nothing that could run or read locally.
    private static func address(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= LiveInputLimits.address,
              let components = URLComponents(string: trimmed),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty else { return nil }
        return trimmed
    }
}
