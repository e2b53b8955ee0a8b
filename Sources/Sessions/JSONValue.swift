import Foundation

/// A JSON document read without a schema, so each format's reader can say in its own words what is
/// missing or wrong (Foundation's decoding errors can quote the offending text, which may be a
/// cookie value).
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Nesting allowed before a document is refused unread: `storageState` needs 4 levels; a
    /// hostile file nested thousands deep must not exhaust the stack of a recursive decoder.
    static let maximumDepth = 32

    enum Failure: Error { case tooDeep, invalid }

    /// Parses `bytes`, refusing documents nested deeper than ``maximumDepth`` before decoding them.
    static func parse(_ bytes: [UInt8]) throws(Failure) -> JSONValue {
        guard depth(of: bytes) <= maximumDepth else { throw .tooDeep }
        do { return try JSONDecoder().decode(JSONValue.self, from: Data(bytes)) }
        catch { throw .invalid }
    }

    /// The deepest nesting of arrays and objects, brackets inside strings not counted.
    static func depth(of bytes: [UInt8]) -> Int {
        var depth = 0, deepest = 0
        var inString = false, escaped = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false }
                else if byte == UInt8(ascii: "\\") { escaped = true }
                else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return deepest
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }
}

extension JSONValue: Decodable {
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }
}
