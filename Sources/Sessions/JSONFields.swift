/// The members of one JSON object of a session file, read with errors that name the file, the
/// entry and the key, and never the value found there.
struct JSONFields {
    let members: [String: JSONValue]
    /// Where the object is, for messages: `cookies.json entry 3`.
    let place: String

    init(_ value: JSONValue, place: String) throws(SessionError) {
        guard case .object(let members) = value else { throw SessionError(.malformed, "\(place) is not a JSON object") }
        self.members = members
        self.place = place
    }

    func string(_ key: String) throws(SessionError) -> String {
        guard let value = try optionalString(key) else { throw SessionError(.malformed, "\(place) has no '\(key)'") }
        return value
    }

    func optionalString(_ key: String) throws(SessionError) -> String? {
        switch members[key] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        default: throw SessionError(.malformed, "\(place): '\(key)' is not a string")
        }
    }

    func bool(_ key: String) throws(SessionError) -> Bool? {
        switch members[key] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        default: throw SessionError(.malformed, "\(place): '\(key)' is not true or false")
        }
    }

    func number(_ key: String) throws(SessionError) -> Double? {
        switch members[key] {
        case nil, .null?: return nil
        case .number(let value)? where value.isFinite: return value
        default: throw SessionError(.malformed, "\(place): '\(key)' is not a number")
        }
    }

    func array(_ key: String) throws(SessionError) -> [JSONValue]? {
        switch members[key] {
        case nil, .null?: return nil
        case .array(let value)?: return value
        default: throw SessionError(.malformed, "\(place): '\(key)' is not a list")
        }
    }
}
