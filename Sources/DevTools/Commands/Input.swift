/// Commands of the CDP `Input` domain: trusted input, as a person's mouse would give it.
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
        public init(type: Kind, x: Double, y: Double, button: String = "left", clickCount: Int = 1, deltaY: Double? = nil) {
            self.type = type; self.x = x; self.y = y; self.button = button; self.clickCount = clickCount
            self.deltaX = deltaY == nil ? nil : 0
            self.deltaY = deltaY
        }
    }
}
