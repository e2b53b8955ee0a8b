import DevTools
import Evidence
import Foundation
import Sessions

/// A login session handed to a capture (`--session NAME|FILE`, `--cookies FILE`): what it sets on
/// the capture's fresh browser context, and how the record and messages name it. Its values go to
/// the browser only; the record keeps names, domains, origins and the file's SHA-256.
public struct SessionUse: Sendable {
    /// How the session was given, as the messages name it.
    public enum Given: String, Sendable, Codable {
        case name = "--session NAME"
        case file = "--session FILE"
        case cookies = "--cookies FILE"
    }

    public let loaded: LoadedSession
    public let given: Given

    public init(_ loaded: LoadedSession, given: Given) {
        self.loaded = loaded
        self.given = given
    }

    /// "session investigator", "session file s.json", "cookie file cookies.txt": the file's name
    /// only, as the record keeps it (its folder names a person's home).
    public var label: String {
        switch given {
        case .name: "session \(loaded.name ?? URL(fileURLWithPath: loaded.path).deletingPathExtension().lastPathComponent)"
        case .file: "session file \(URL(fileURLWithPath: loaded.path).lastPathComponent)"
        case .cookies: "cookie file \(URL(fileURLWithPath: loaded.path).lastPathComponent)"
        }
    }

    /// What to run to make the session again, for a message about a session that no longer logs in.
    public var renewal: String {
        let login = loaded.state.exhibit?.loginURL ?? "LOGIN_URL"
        switch given {
        case .name: return "make it again with 'exhibit session create \(loaded.name ?? "NAME") --url \(login)'"
        case .file, .cookies: return "log in again and export a new file, or make a session with 'exhibit session create NAME --url \(login)'"
        }
    }

    /// The cookies still valid at `date`, as the browser takes them; expired ones are left out
    /// (Chromium would drop them anyway) and listed by ``expired(at:)``.
    func cookies(validAt date: Date) -> [StorageCommands.Cookie] {
        let now = date.timeIntervalSince1970
        return loaded.state.cookies.filter { $0.expires < 0 || $0.expires > now }.map { cookie in
            StorageCommands.Cookie(name: cookie.name, value: cookie.value, domain: cookie.domain, path: cookie.path.isEmpty ? "/" : cookie.path,
                                   expires: cookie.expires < 0 ? nil : cookie.expires, httpOnly: cookie.httpOnly, secure: cookie.secure,
                                   sameSite: cookie.sameSite)
        }
    }

    /// The record's account of the session: never a value.
    func record(at date: Date, restoredOrigins: [String]) -> CaptureRecord.Viewer.SessionRecord {
        let now = date.timeIntervalSince1970
        let info = loaded.state.exhibit
        return .init(name: given == .name ? loaded.name : nil, given: given.rawValue,
                     fileName: URL(fileURLWithPath: loaded.path).lastPathComponent, format: loaded.format.rawValue,
                     sha256: loaded.sha256, created: info.map { UTCTime.milliseconds($0.created) }, loginURL: info?.loginURL,
                     accountWhenMade: info?.account,
                     cookies: loaded.state.cookies.map { cookie in
                         .init(name: cookie.name, domain: cookie.domain, path: cookie.path,
                               expired: cookie.expires >= 0 && cookie.expires <= now ? true : nil)
                     },
                     localStorage: loaded.state.origins.filter { !$0.localStorage.isEmpty }.map { origin in
                         .init(origin: origin.origin, names: origin.localStorage.map(\.name),
                               restored: restoredOrigins.contains(origin.origin))
                     })
    }
}
