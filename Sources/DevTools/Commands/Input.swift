/// Commands of the CDP `Input` domain: trusted input, as a person's mouse and keyboard would give it.
public enum InputCommands {
    /// `Input.dispatchMouseEvent` at viewport CSS coordinates.
    public struct DispatchMouseEvent: DevToolsCommand {
        public static let method = "Input.dispatchMouseEvent"
        public typealias Result = NoResult
        public enum Kind: String, Encodable, Sendable { case mousePressed, mouseReleased, mouseMoved, mouseWheel }
        public let type: Kind
        public let x: Double
        public let y: Double
        public let button: String
        public let clickCount: Int
        public let deltaX: Double?
        public let deltaY: Double?
        /// Alt 1, Ctrl 2, Meta 4, Shift 8.
        public let modifiers: Int?
        public init(type: Kind, x: Double, y: Double, button: String = "left", clickCount: Int = 1, deltaY: Double? = nil) {
            self.init(type: type, x: x, y: y, button: button, clickCount: clickCount,
                      deltaX: deltaY == nil ? nil : 0, deltaY: deltaY, modifiers: nil)
        }
        public init(type: Kind, x: Double, y: Double, button: String, clickCount: Int, deltaX: Double?, deltaY: Double?, modifiers: Int?) {
            self.type = type; self.x = x; self.y = y; self.button = button; self.clickCount = clickCount
            self.deltaX = deltaX
            self.deltaY = deltaY
            self.modifiers = modifiers
        }
    }

    /// `Input.dispatchKeyEvent`: one key going down (with the text it types) or up.
    public struct DispatchKeyEvent: DevToolsCommand {
        public static let method = "Input.dispatchKeyEvent"
        public typealias Result = NoResult
        public enum Kind: String, Encodable, Sendable { case keyDown, keyUp, rawKeyDown, char }
        public let type: Kind
        public let key: String
        public let code: String
        public let text: String?
        public let windowsVirtualKeyCode: Int
        public let modifiers: Int
        public init(type: Kind, key: String, code: String, text: String?, windowsVirtualKeyCode: Int, modifiers: Int) {
            self.type = type; self.key = key; self.code = code; self.text = text
            self.windowsVirtualKeyCode = windowsVirtualKeyCode
            self.modifiers = modifiers
        }
    }

    /// `Input.insertText`: text as an input method or a paste would give it.
    public struct InsertText: DevToolsCommand {
        public static let method = "Input.insertText"
        public typealias Result = NoResult
        public let text: String
        public init(text: String) { self.text = text }
    }
}
