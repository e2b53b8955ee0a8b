import Foundation

/// Text from a bag, a page or a profile, made safe to show on a terminal: control characters (C0,
/// DEL, C1: carriage return, escape sequences, backspace) and bidirectional overrides and isolates
/// are shown as `\u{…}`, so a file name cannot move the cursor, clear a line, recolour the output
/// or reverse what follows it, and so cannot print a fake verdict over the real one.
enum TerminalText {
    static func safe(_ text: String, keepingNewlines: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if keepingNewlines && scalar == "\n" {
                out.unicodeScalars.append(scalar)
            } else if dangerous(scalar) {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// JSON made safe the same way without breaking it: the encoder already escapes C0; every
    /// other dangerous character (only ever inside a string) becomes a `\uXXXX` escape.
    static func json(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if scalar != "\n" && dangerous(scalar) {
                out += String(format: "\\u%04x", scalar.value)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func dangerous(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x08, 0x0A...0x1F, 0x7F...0x9F: return true   // C0 (but tab), DEL, C1
        case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: return true   // bidi embeddings, overrides, isolates, marks
        default: return false
        }
    }
}

/// `print`, with what is printed made terminal-safe (newlines of the message itself kept).
func say(_ text: String) {
    print(TerminalText.safe(text, keepingNewlines: true))
}

/// Writes to standard error, terminal-safe (newlines of the message itself kept).
func tell(_ text: String) {
    // A reader that went away (`exhibit capture … 2>&1 | head`) must not end the capture half-way:
    // the progress line is lost, the capture goes on.
    try? FileHandle.standardError.write(contentsOf: Data(TerminalText.safe(text, keepingNewlines: true).utf8))
}
