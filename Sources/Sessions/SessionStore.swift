import Foundation

/// The folder of named sessions (`<folder>/<name>.json`, mode 0600, folder 0700), and the rules
/// for reading a session or cookie file given by its path.
public struct SessionStore: Sendable {
    public let directory: URL

    /// The folder in `$EXHIBIT_SESSIONS`; else `$XDG_DATA_HOME/exhibit/sessions` when that is set
    /// (to an absolute path, as the XDG specification asks); else
    /// `$HOME/.local/share/exhibit/sessions`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let folder = environment["EXHIBIT_SESSIONS"], !folder.isEmpty {
            directory = URL(fileURLWithPath: folder, isDirectory: true)
        } else if let data = environment["XDG_DATA_HOME"], data.hasPrefix("/") {
            directory = URL(fileURLWithPath: data, isDirectory: true).appendingPathComponent("exhibit/sessions", isDirectory: true)
        } else {
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            directory = URL(fileURLWithPath: home, isDirectory: true).appendingPathComponent(".local/share/exhibit/sessions", isDirectory: true)
        }
    }

    public init(directory: URL) {
        self.directory = directory
    }

    /// Whether `text` is a session name: a letter or digit, then up to 63 letters, digits, `.`,
    /// `_` or `-`, without `..`, and not ending in `.json` or `.txt` (that is a file's path).
    /// What `--session` takes that is not a name (it has a `/` or ends in `.json` or `.txt`) is a path.
    public static func isName(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard let first = scalars.first, scalars.count <= 64, isLetterOrDigit(first) else { return false }
        let allowed = scalars.allSatisfy { isLetterOrDigit($0) || $0 == "." || $0 == "_" || $0 == "-" }
        return allowed && !text.contains("..") && !looksLikePath(text)
    }

    /// A path, not a name: what `load(_:)` reads as a file.
    public static func looksLikePath(_ text: String) -> Bool {
        let lower = text.lowercased()
        return text.contains("/") || lower.hasSuffix(".json") || lower.hasSuffix(".txt")
    }

    /// The file a name is saved in (whether or not it exists).
    public func file(for name: String) -> URL { directory.appendingPathComponent(name + ".json") }

    /// The session saved as `nameOrPath`, or the file at that path (in any of the three formats).
    ///
    /// - Throws: ``SessionError/Kind/unknownName`` with the known names; ``SessionError/Kind/badName``
    ///   for what is neither a name nor a path; ``SessionError/Kind/unsafePermissions`` for a
    ///   file (or the store's folder) others can read or write; and the errors of
    ///   ``SessionFile/parse(_:path:)-([UInt8],_)``.
    public func load(_ nameOrPath: String) throws(SessionError) -> LoadedSession {
        if Self.looksLikePath(nameOrPath) {
            return try LoadedSession.read(nameOrPath, name: nil, label: "session file")
        }
        let name = try checkedName(nameOrPath, orPath: true)
        return try LoadedSession.read(try existingFile(for: name).path, name: name, label: "session file")
    }

    /// A file given by `capture --cookies FILE`: any of the three formats, as private as a session.
    public static func loadCookieFile(_ path: String) throws(SessionError) -> LoadedSession {
        try LoadedSession.read(path, name: nil, label: "cookie file")
    }

    /// Saves `state` as `name`, whole or not at all (see ``PrivateFileWriter``), in a folder made
    /// 0700 if it is new. A folder that exists but is open to others is refused, not changed:
    /// whatever was in it may already have been read.
    ///
    /// - Returns: the saved file.
    /// - Throws: ``SessionError/Kind/exists`` if `name` is taken and `replace` is false;
    ///   ``SessionError/Kind/malformed`` for a state that could not be loaded again (a cookie
    ///   value with a newline, say).
    @discardableResult
    public func save(_ state: SessionState, as name: String, replace: Bool = false) throws(SessionError) -> URL {
        let name = try checkedName(name)
        let data = SessionFile.encode(state)
        let target = file(for: name)
        // What is saved must load: the same checks as reading, before anything is written.
        _ = try SessionFile.parse(data, path: target.path)
        if try !PrivateFile.folderExists(directory) { try createFolder() }
        guard try PrivateFileWriter.place(data, at: target, replace: replace) else {
            throw SessionError(.exists, "session '\(name)' already exists (\(target.path)); delete it first with 'exhibit session delete \(name)'")
        }
        return target
    }

    /// Every saved session, by name; one that will not load is listed with its problem. An absent
    /// folder is an empty list.
    public func list(now: Date = Date()) throws(SessionError) -> [SessionSummary] {
        try names().map { name in
            do throws(SessionError) {
                return SessionSummary(name: name, state: try LoadedSession.read(file(for: name).path, name: name, label: "session file").state, now: now)
            } catch {
                return SessionSummary(name: name, problem: error)
            }
        }
    }

    /// Removes the session saved as `name`, and nothing else (a link is removed, not its target).
    public func delete(_ name: String) throws(SessionError) {
        let target = try existingFile(for: try checkedName(name))
        guard unlink(target.path) == 0 else {
            throw SessionError(.unwritable, "cannot delete \(target.path): \(String(cString: strerror(errno)))")
        }
    }

    /// The names of the saved sessions, sorted; files that no name can address are not sessions.
    public func names() throws(SessionError) -> [String] {
        guard try PrivateFile.folderExists(directory) else { return [] }
        let entries: [String]
        do { entries = try FileManager.default.contentsOfDirectory(atPath: directory.path) }
        catch { throw SessionError(.unreadable, "cannot read session folder \(directory.path)") }
        return entries.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.filter(Self.isName).sorted()
    }

    /// `text` if it is a name; `orPath` says, for a command that also takes a file, what a path is.
    private func checkedName(_ text: String, orPath: Bool = false) throws(SessionError) -> String {
        guard Self.isName(text) else {
            throw SessionError(.badName, "\(Display.quoted(text)) is not a session name (a letter or digit, then up to 63 letters, digits, "
                               + "'.', '_' or '-', not ending in .json or .txt)"
                               + (orPath ? " nor a path (a path has a '/' or ends in .json or .txt)" : ""))
        }
        return text
    }

    /// The file of a saved session, after checking the folder; a name not saved is an error that
    /// lists the names that are.
    private func existingFile(for name: String) throws(SessionError) -> URL {
        let known = try names()
        let target = file(for: name)
        var info = stat()
        guard lstat(target.path, &info) == 0 else {
            let hint = known.isEmpty
                ? "no sessions in \(directory.path) — make one with 'exhibit session create NAME --url LOGIN_URL'"
                : "known sessions: \(known.joined(separator: ", "))"
            throw SessionError(.unknownName, "unknown session '\(name)'; \(hint)")
        }
        return target
    }

    private func createFolder() throws(SessionError) {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw SessionError(.unwritable, "cannot make session folder \(directory.path)")
        }
        // The umask may have taken bits away, never added them; this makes it exactly 0700.
        guard chmod(directory.path, 0o700) == 0 else {
            throw SessionError(.unwritable, "cannot make session folder \(directory.path) private: \(String(cString: strerror(errno)))")
        }
    }

    private static func isLetterOrDigit(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}
