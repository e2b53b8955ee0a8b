import Foundation

/// JSON written by hand where the bytes matter: index lines and pages must be byte-for-byte
/// stable (their hashes go into datapackage.json), and Python's `json.dumps` form (`", "` and
/// `": "` separators, non-ASCII as `\uXXXX`) lets them be compared with the reference tools.
enum JSONText {
    /// An object with its keys in the order given.
    static func object(_ pairs: [(String, JSONValue)]) -> String {
        "{" + pairs.map { string($0.0) + ": " + $0.1.text }.joined(separator: ", ") + "}"
    }

    static func string(_ value: String) -> String {
        var out = "\""
        for unit in value.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            default: out += String(format: "\\u%04x", unit)
            }
        }
        return out + "\""
    }
}

enum JSONValue {
    case string(String)
    case number(UInt64)
    case raw(String)

    var text: String {
        switch self {
        case .string(let s): return JSONText.string(s)
        case .number(let n): return String(n)
        case .raw(let r): return r
        }
    }
}
