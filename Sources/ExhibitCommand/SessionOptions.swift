import ArgumentParser
import Capture
import Sessions

/// `--session` and `--cookies`: the login a capture (or `session check`) uses, loaded and checked
/// (format, permissions) before any browser starts.
struct SessionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Capture logged in: a session made with 'exhibit session create' (its name), or a session file (Playwright storageState JSON). Its cookies and localStorage are set on the capture's own fresh browser context; the file is never changed.", valueName: "name|file"))
    var session: String?

    @Option(help: ArgumentHelp("Capture logged in with a cookie file: Netscape cookies.txt (yt-dlp, curl), a Cookie-Editor JSON export or Playwright storageState; the format is detected.", valueName: "file"))
    var cookies: String?

    func validate() throws {
        if session != nil && cookies != nil { throw ValidationError("--session and --cookies exclude each other") }
    }

    /// The session to use, or nil to capture logged out; a bad one is a usage error (exit 2).
    func load() throws -> SessionUse? { try Self.load(session: session, cookies: cookies) }

    /// `--session NAME|FILE` or `--cookies FILE` loaded, or nil; a bad one is a usage error (exit 2).
    static func load(session: String?, cookies: String?) throws -> SessionUse? {
        do {
            if let session {
                let loaded = try SessionStore().load(session)
                return SessionUse(loaded, given: SessionStore.isName(session) ? .name : .file)
            }
            if let cookies { return SessionUse(try SessionStore.loadCookieFile(cookies), given: .cookies) }
        } catch {
            throw CommandFailure(code: Exhibit.Code.usage, message: "\(error)")
        }
        return nil
    }
}
