/// Named header fields in the order they are written: WARC's own header and an HTTP head are
/// both lists of `Name: value` lines, where order and repeats (two `Set-Cookie`s, several
/// `WARC-Concurrent-To`) matter, so a dictionary would lose information.
public struct WARCFields: Sendable, Equatable {
    /// The fields as (name, value), in order.
    public private(set) var fields: [(name: String, value: String)]

    public init(_ fields: [(name: String, value: String)] = []) { self.fields = fields }

    public static func == (lhs: WARCFields, rhs: WARCFields) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }

    /// Adds a field at the end.
    public mutating func append(_ name: String, _ value: String) { fields.append((name, value)) }

    /// The first value of `name`, compared case-insensitively as both WARC and HTTP do.
    public subscript(name: String) -> String? {
        let key = name.lowercased()
        return fields.first { $0.name.lowercased() == key }?.value
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        let key = name.lowercased()
        return fields.filter { $0.name.lowercased() == key }.map(\.value)
    }

    /// The lines `Name: value` CRLF, refusing what would change the record's structure: a line
    /// break or NUL in a value would let a header value start a field or end the header.
    func serialized() throws(WebArchiveError) -> [UInt8] {
        var out = [UInt8]()
        for (name, value) in fields {
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }) else {
                throw .invalidInput("header name \(String(reflecting: name)) is not a token")
            }
            guard !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
                throw .invalidInput("the value of \(name) holds a line break")
            }
            out += Array(name.utf8) + Array(": ".utf8) + Array(value.utf8) + [0x0D, 0x0A]
        }
        return out
    }

    /// Parses header lines (without the blank line that ends them); a line without a colon or a
    /// folded continuation line (obsolete in both formats) is an error the caller turns into one
    /// naming the record.
    static func parse(lines: [Substring]) -> Result<WARCFields, ParseFailure> {
        var fields = WARCFields()
        for line in lines {
            guard let colon = line.firstIndex(of: ":"), line.first != " ", line.first != "\t" else {
                return .failure(ParseFailure(reason: "header line without a name: \(String(line.prefix(80)))"))
            }
            let name = line[..<colon].trimmingSpaces
            let value = line[line.index(after: colon)...].trimmingSpaces
            fields.append(String(name), String(value))
        }
        return .success(fields)
    }

    struct ParseFailure: Error { let reason: String }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while let first = s.first, first == " " || first == "\t" { s.removeFirst() }
        while let last = s.last, last == " " || last == "\t" || last == "\r" { s.removeLast() }
        return s
    }
}
