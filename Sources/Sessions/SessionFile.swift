import Foundation

/// The formats a session or cookie file may have; the raw value is the name messages use.
public enum SessionFormat: String, Sendable, Codable {
    case storageState = "Playwright storageState"
    case netscape = "Netscape cookies.txt"
    case cookieEditor = "Cookie-Editor JSON"
}

/// Reading and writing the contents of session files, whatever their format. Knows nothing of
/// where files live or who may read them: that is ``SessionStore``.
public enum SessionFile {
    /// Larger than any real login (a browser keeps at most a few thousand cookies of 4 KiB);
    /// anything larger is refused before it is parsed.
    public static let maximumSize = 16 << 20

    /// The format of `bytes`, told from their content, and the session they hold.
    ///
    /// - Parameter path: names the file in errors.
    /// - Throws: ``SessionError/Kind/notAFormat`` for bytes in none of the formats (or larger than
    ///   ``maximumSize``), ``SessionError/Kind/malformed`` for a bad line or entry, named by its
    ///   number (from 1). No error quotes a cookie or storage value.
    public static func parse(_ bytes: [UInt8], path: String) throws(SessionError) -> (SessionFormat, SessionState) {
        guard bytes.count <= maximumSize else { throw notAFormat(path, "larger than 16 MiB") }
        // Windows editors and some exports begin with a byte order mark.
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        guard let text = String(validating: body, as: UTF8.self) else { throw notAFormat(path, "not UTF-8 text") }
        let opening = body.first { ![UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r")].contains($0) }
        guard opening == UInt8(ascii: "{") || opening == UInt8(ascii: "[") else {
            guard NetscapeFormat.claims(text) else { throw notAFormat(path, nil) }
            return (.netscape, try NetscapeFormat.read(text, file: path))
        }
        let json: JSONValue
        do throws(JSONValue.Failure) { json = try JSONValue.parse(body) }
        catch .tooDeep { throw notAFormat(path, "JSON nested deeper than \(JSONValue.maximumDepth) levels") }
        catch { throw notAFormat(path, "JSON that does not parse") }
        if case .object = json, StorageStateFormat.claims(json) {
            return (.storageState, try StorageStateFormat.read(json, file: path))
        }
        if CookieEditorFormat.claims(json) {
            return (.cookieEditor, try CookieEditorFormat.read(json, file: path))
        }
        throw notAFormat(path, "JSON, but neither a storageState object nor a list of cookies")
    }

    /// The same, for bytes in a `Data`.
    public static func parse(_ data: Data, path: String) throws(SessionError) -> (SessionFormat, SessionState) {
        try parse([UInt8](data), path: path)
    }

    /// `state` as a `storageState` file Playwright can load: pretty-printed, keys sorted (a
    /// session saved twice differs only where the login does), ending with a newline.
    ///
    /// A cookie whose expiry is not a finite number is written as a session cookie (-1): JSON has
    /// no infinity, and ``parse(_:path:)-([UInt8],_)`` never produces one.
    public static func encode(_ state: SessionState) -> Data {
        var writable = state
        for index in writable.cookies.indices where !writable.cookies[index].expires.isFinite {
            writable.cookies[index].expires = -1
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Strings, booleans and finite numbers only: encoding cannot fail.
        guard let json = try? encoder.encode(writable) else { preconditionFailure("a SessionState could not be encoded as JSON") }
        return json + Data("\n".utf8)
    }

    static func notAFormat(_ path: String, _ reason: String?) -> SessionError {
        SessionError(.notAFormat, "\(path) is not a session or cookie file\(reason.map { " (\($0))" } ?? ""): expected "
                     + "Playwright storageState JSON, Netscape cookies.txt or a Cookie-Editor JSON export")
    }
}
