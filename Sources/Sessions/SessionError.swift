/// Why a session or cookie file could not be used, in one line that names the file (and the line
/// or entry) and says what to do; never a cookie or storage value.
public struct SessionError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No session of that name in the store; the message lists the known ones.
        case unknownName
        /// The file, or the store's folder, can be read or written by group or others.
        case unsafePermissions
        /// Missing, not a regular file (a folder, a FIFO, a device), or not readable.
        case unreadable
        /// None of the accepted formats, or too large to be one.
        case notAFormat
        /// One of the formats, with a bad line or entry.
        case malformed
        /// Neither a session name nor a path.
        case badName
        /// A session of that name is already saved.
        case exists
        /// The file could not be written or removed.
        case unwritable
    }

    public let kind: Kind
    /// One line: no newline or other control character, whatever the file or its name holds.
    public let description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = Display.oneLine(description)
    }
}

/// Text from a file or a file name made fit for a one-line message.
enum Display {
    /// Control characters (C0, DEL, C1) written as `\u{…}`: a name cannot break a message into
    /// lines or move a terminal's cursor.
    static func oneLine(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory == .control {
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// A name or domain from a file, quoted and cut to a readable length.
    static func quoted(_ text: String) -> String {
        let cut = text.count > 64 ? text.prefix(64) + "…" : Substring(text)
        return "'\(cut)'"
    }

    /// `0644`.
    static func mode(_ mode: UInt32) -> String {
        let octal = String(mode & 0o7777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - octal.count)) + octal
    }
}
