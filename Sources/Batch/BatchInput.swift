import Crypto
import Foundation

/// One line of a batch file that names a page to capture.
public struct BatchEntry: Sendable, Equatable {
    /// The line number in the file, from 1: what the journal, the records and every message use.
    public let line: Int
    public let url: String
    /// The file's own identifier for the line (`id` column), recorded with the capture.
    public let id: String?
    /// The profile to capture it with (`profile` column); nil chooses by URL, as `capture` does.
    public let profile: String?
    /// The login session to capture it with (`session` column): a session name or file.
    public let session: String?

    public init(line: Int, url: String, id: String? = nil, profile: String? = nil, session: String? = nil) {
        self.line = line; self.url = url; self.id = id; self.profile = profile; self.session = session
    }

    /// The page's identity for finding a line twice: scheme and host in lower case, the fragment
    /// dropped (it names a place in the same page) unless it is an app's route (`#!/…`, `#/…`,
    /// another page of a single-page app), everything else as written.
    public var pageKey: String { Self.pageKey(url) }

    static func pageKey(_ url: String) -> String {
        guard var components = URLComponents(string: url.trimmingCharacters(in: .whitespaces)) else { return url }
        components.scheme = components.scheme?.lowercased()
        components.host = components.host?.lowercased()
        if let fragment = components.fragment, !(fragment.hasPrefix("!") || fragment.hasPrefix("/")) { components.fragment = nil }
        return components.string ?? url
    }
}

/// A batch file read: the lines to capture, and the ones that cannot be, each with its reason.
///
/// Three shapes, told by the first line that is not blank or a `#` comment: a JSON object starts
/// JSON Lines (`{"url": …, "id": …, "profile": …, "session": …}`); a first line whose
/// comma-separated fields include `url` is a CSV header (RFC 4180 quoting, one record per line);
/// anything else is one URL per line.
public struct BatchInput: Sendable {
    /// Where it was read from, as given (`-` for standard input).
    public let file: String
    /// SHA-256 of the bytes read: a journal belongs to exactly one batch file.
    public let sha256: String
    public let format: Format
    /// The lines to capture, in file order, each page once.
    public let entries: [BatchEntry]
    /// Lines that cannot be captured (malformed, not http(s)), by line number.
    public let problems: [Problem]
    /// Lines naming a page an earlier line names: captured once, reported here.
    public let duplicates: [Duplicate]

    public enum Format: String, Sendable { case lines, csv, jsonl }

    public struct Problem: Sendable, Equatable {
        public let line: Int
        public let message: String
    }

    public struct Duplicate: Sendable, Equatable {
        public let line: Int
        public let url: String
        /// The earlier line that is captured instead.
        public let sameAs: Int
    }

    /// Every line the file names, in any state: what a summary counts.
    public var lineCount: Int { entries.count + problems.count + duplicates.count }

    /// Reads `path` (`-`: standard input, read to its end).
    public static func read(_ path: String, validate: (String) -> String?) throws -> BatchInput {
        let bytes: Data
        if path == "-" {
            bytes = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                throw BatchError.usage("batch file \(path) does not exist or is a folder")
            }
            guard let read = FileManager.default.contents(atPath: path) else { throw BatchError.usage("batch file \(path) cannot be read") }
            bytes = read
        }
        // A spreadsheet's "CSV UTF-8" starts with a byte order mark: it is not part of the first field.
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
        guard !body.contains(0), let text = String(data: Data(body), encoding: .utf8) else {
            throw BatchError.usage("batch file \(path) is not UTF-8 text")
        }
        return parse(text, file: path, sha256: SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined(), validate: validate)
    }

    /// Reads the text of a batch file. `validate` returns why a URL cannot be captured, or nil.
    public static func parse(_ text: String, file: String, sha256: String, validate: (String) -> String?) -> BatchInput {
        // Line numbers are what an editor shows: \n and \r\n (one Character in Swift) end a line.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        let meaningful = lines.enumerated().filter { !Self.isBlankOrComment($0.element) }
        var format = Format.lines
        var header: [String] = []
        if let first = meaningful.first {
            let trimmed = first.element.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("{") {
                format = .jsonl
            } else if let fields = try? CSVRecord.fields(String(first.element)),
                      fields.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }).contains("url") {
                format = .csv
                header = fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            }
        }
        var entries: [BatchEntry] = [], problems: [Problem] = [], duplicates: [Duplicate] = []
        var seen: [String: Int] = [:]
        for (index, content) in meaningful {
            let number = index + 1
            if format == .csv && index == meaningful.first?.offset { continue }
            let parsed: Result<BatchEntry, BatchError>
            switch format {
            case .lines: parsed = .success(BatchEntry(line: number, url: content.trimmingCharacters(in: .whitespaces)))
            case .csv: parsed = csvEntry(String(content), header: header, line: number)
            case .jsonl: parsed = jsonEntry(String(content), line: number)
            }
            switch parsed {
            case .failure(let error):
                problems.append(Problem(line: number, message: error.message))
            case .success(let entry):
                if let reason = validate(entry.url) {
                    problems.append(Problem(line: number, message: reason))
                } else if let earlier = seen[entry.pageKey] {
                    duplicates.append(Duplicate(line: number, url: entry.url, sameAs: earlier))
                } else {
                    seen[entry.pageKey] = number
                    entries.append(entry)
                }
            }
        }
        return BatchInput(file: file, sha256: sha256, format: format, entries: entries, problems: problems, duplicates: duplicates)
    }

    static func isBlankOrComment(_ line: Substring) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty || trimmed.hasPrefix("#")
    }

    private static func optional(_ value: String?) -> String? {
        guard let trimmed = value?.trimmingCharacters(in: .whitespaces), !trimmed.isEmpty else { return nil }
        return trimmed
    }

    static func csvEntry(_ text: String, header: [String], line: Int) -> Result<BatchEntry, BatchError> {
        let fields: [String]
        do { fields = try CSVRecord.fields(text) } catch { return .failure(error) }
        guard fields.count == header.count else {
            return .failure(.usage("\(fields.count) field(s), the header has \(header.count)"))
        }
        let row = Dictionary(zip(header, fields), uniquingKeysWith: { first, _ in first })
        guard let url = optional(row["url"]) else { return .failure(.usage("the url field is empty")) }
        return .success(BatchEntry(line: line, url: url, id: optional(row["id"]), profile: optional(row["profile"]),
                                   session: optional(row["session"])))
    }

    static func jsonEntry(_ text: String, line: Int) -> Result<BatchEntry, BatchError> {
        struct Line: Decodable { let url: String; let id: String?; let profile: String?; let session: String? }
        do {
            let decoded = try JSONDecoder().decode(Line.self, from: Data(text.utf8))
            guard let url = optional(decoded.url) else { return .failure(.usage("the url field is empty")) }
            return .success(BatchEntry(line: line, url: url, id: optional(decoded.id), profile: optional(decoded.profile),
                                       session: optional(decoded.session)))
        } catch DecodingError.keyNotFound(let key, _) {
            return .failure(.usage("no \"\(key.stringValue)\" field"))
        } catch DecodingError.typeMismatch(_, let context) {
            return .failure(.usage("\"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" is not a string"))
        } catch {
            return .failure(.usage("not a JSON object"))
        }
    }
}

/// One CSV record on one line, as RFC 4180 quotes it: `"a ""b"", c"` is one field.
enum CSVRecord {
    static func fields(_ line: String) throws(BatchError) -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false, wasQuoted = false
        var characters = line.makeIterator()
        var pending: Character? = characters.next()
        while let character = pending {
            pending = characters.next()
            if quoted {
                if character == "\"" {
                    if pending == "\"" { field.append("\""); pending = characters.next() } else { quoted = false }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                guard field.trimmingCharacters(in: .whitespaces).isEmpty, !wasQuoted else {
                    throw .usage("a quote inside an unquoted field")
                }
                field = ""
                quoted = true
                wasQuoted = true
            } else if character == "," {
                fields.append(field)
                field = ""
                wasQuoted = false
            } else {
                if wasQuoted && !character.isWhitespace { throw .usage("text after a closing quote") }
                field.append(character)
            }
        }
        if quoted { throw .usage("a quoted field is not closed on its line") }
        fields.append(field)
        return fields
    }
}
