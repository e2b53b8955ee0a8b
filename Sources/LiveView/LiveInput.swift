/// One thing the person did in the live view's page, already checked and in the browser's terms:
/// coordinates are CSS pixels of the browser's viewport, names and kinds are those of the
/// DevTools `Input` domain, so each case maps onto one `Input` call as it is.
public enum LiveInput: Sendable, Equatable {
    /// A press, release or move of the mouse over the view (`Input.dispatchMouseEvent`).
    case mouse(MouseAction)
    /// A wheel turn over the view at (`x`, `y`), deltas in CSS pixels
    /// (`Input.dispatchMouseEvent` of type `mouseWheel`).
    case wheel(x: Double, y: Double, deltaX: Double, deltaY: Double)
    /// A key going down or up while the view has the focus (`Input.dispatchKeyEvent`).
    case key(KeyAction)
    /// Text that arrived whole rather than as keys: a paste, an input method's composed text
    /// (`Input.insertText`). At most ``LiveInputLimits/text`` characters.
    case text(String)
    /// An address typed into the page's address bar: an absolute http or https URL.
    case navigate(String)
    /// The person pressed "Done — save the session".
    case done
}

/// A mouse event, as `Input.dispatchMouseEvent` takes it.
public struct MouseAction: Sendable, Equatable {
    /// The event's `type`; the raw value is the DevTools name.
    public enum Kind: String, Sendable {
        case pressed = "mousePressed", released = "mouseReleased", moved = "mouseMoved"
    }
    public var kind: Kind
    /// CSS pixels of the browser's viewport, within the frame's device size.
    public var x, y: Double
    /// `none`, `left`, `middle` or `right`: for a move, the button held down while moving (a drag).
    public var button: String
    /// 1 for a click, 2 for the second press of a double click, at most 3; 0 for moves.
    public var clickCount: Int
    /// Alt=1, Ctrl=2, Meta=4, Shift=8 (the DevTools convention).
    public var modifiers: Int

    public init(kind: Kind, x: Double, y: Double, button: String, clickCount: Int, modifiers: Int) {
        self.kind = kind; self.x = x; self.y = y; self.button = button
        self.clickCount = clickCount; self.modifiers = modifiers
    }
}

/// A key event, as `Input.dispatchKeyEvent` takes it.
public struct KeyAction: Sendable, Equatable {
    /// The event's `type`; the raw value is the DevTools name, to pass on as it is.
    public enum Kind: String, Sendable {
        /// A key that types something: carries ``KeyAction/text``, which the browser inserts.
        case down = "keyDown"
        /// A key that types nothing (arrows, Backspace, Tab, shortcuts): DevTools' `keyDown`
        /// without text is not a plain key press, so these go as `rawKeyDown`, as Puppeteer does.
        case rawDown = "rawKeyDown"
        case up = "keyUp"
    }
    public var kind: Kind
    /// The DOM `KeyboardEvent.key` (`a`, `A`, `Enter`, `ArrowLeft`).
    public var key: String
    /// The DOM `KeyboardEvent.code` (`KeyA`, `Enter`).
    public var code: String
    /// What the key types, for ``Kind/down`` only: the character, or `\r` for Enter.
    public var text: String?
    /// `windowsVirtualKeyCode` (0 to 255).
    public var keyCode: Int
    /// Alt=1, Ctrl=2, Meta=4, Shift=8 (the DevTools convention).
    public var modifiers: Int

    public init(kind: Kind, key: String, code: String, text: String?, keyCode: Int, modifiers: Int) {
        self.kind = kind; self.key = key; self.code = code; self.text = text
        self.keyCode = keyCode; self.modifiers = modifiers
    }
}
