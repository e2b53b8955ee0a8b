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

    /// Every cookie and storage value of the session: what must never be written anywhere.
    public var secretValues: [String] {
        loaded.state.cookies.map(\.value) + loaded.state.origins.flatMap { $0.localStorage.map(\.value) }
    }

    /// What to run to make the session again, for a message about a session that no longer logs in.
    public var renewal: String {
        let login = loaded.state.exhibit.map { SessionRecorder.recordable($0.loginURL) } ?? "LOGIN_URL"
        switch given {
        case .name: return "make it again with 'exhibit session create \(loaded.name ?? "NAME") --url \(login)'"
        case .file, .cookies: return "log in again and export a new file, or make a session with 'exhibit session create NAME --url \(login)'"
        }
    }

    /// The session's cookies for the captured site (the page's host, or the site the session
    /// logged in at): a cookie jar exported from a whole browser holds every site its owner uses,
    /// and none of those belongs in a context where a hostile page runs. Sites are compared by
    /// their last two labels (an IP address exactly), which errs towards keeping a cookie of a
    /// sibling under a shared suffix such as `co.uk`.
    func cookies(for pageURL: String) -> (forSite: [SessionCookie], leftOut: Int) {
        let sites = Set([pageURL, loaded.state.exhibit?.loginURL].compactMap { $0.flatMap { URLComponents(string: $0)?.host }.map(Self.site) })
        let forSite = loaded.state.cookies.filter { sites.contains(Self.site($0.domain)) }
        return (forSite, loaded.state.cookies.count - forSite.count)
    }

    /// A host's site: an IP address as it is, a name by its last two labels, lower case.
    static func site(_ host: String) -> String {
        let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ".[]"))
        if name.contains(":") || name.split(separator: ".").allSatisfy({ Int($0) != nil }) { return name }
        return name.split(separator: ".").suffix(2).joined(separator: ".")
    }

    /// A cookie as the browser takes it.
    static func browserCookie(_ cookie: SessionCookie) -> StorageCommands.Cookie {
        StorageCommands.Cookie(name: cookie.name, value: cookie.value, domain: cookie.domain, path: cookie.path.isEmpty ? "/" : cookie.path,
                               expires: cookie.expires < 0 ? nil : cookie.expires, httpOnly: cookie.httpOnly, secure: cookie.secure,
                               sameSite: cookie.sameSite)
    }

    /// The record's account of the session: never a value. Only the cookies that were set are
    /// listed (a cookie jar exported from a whole browser would otherwise name every site its
    /// owner visits); expired ones are marked. A storage origin is `restored` only when it is the
    /// captured page's own origin, the one the restore script writes for.
    func record(at date: Date, restored: RestoreSession.Output?, pageOrigin: String?) -> CaptureRecord.Viewer.SessionRecord {
        let now = date.timeIntervalSince1970
        let info = loaded.state.exhibit
        let written = Set((restored?.origins ?? []).compactMap(Self.origin))
        return .init(name: given == .name ? loaded.name : nil, given: given.rawValue,
                     fileName: URL(fileURLWithPath: loaded.path).lastPathComponent, format: loaded.format.rawValue,
                     sha256: loaded.sha256, created: info.map { UTCTime.milliseconds($0.created) },
                     loginURL: info.map { SessionRecorder.recordable($0.loginURL) }, accountWhenMade: info?.account,
                     cookies: (restored?.set ?? []).map { cookie in
                         .init(name: cookie.name, domain: cookie.domain, path: cookie.path,
                               expired: cookie.expires >= 0 && cookie.expires <= now ? true : nil)
                     },
                     localStorage: loaded.state.origins.filter { !$0.localStorage.isEmpty }.map { origin in
                         let normalised = Self.origin(origin.origin)
                         return .init(origin: origin.origin, names: origin.localStorage.map(\.name),
                                      restored: normalised != nil && written.contains(normalised ?? "") && normalised == pageOrigin.flatMap(Self.origin))
                     },
                     cookiesLeftOut: (restored?.leftOut ?? 0) > 0 ? restored?.leftOut : nil)
    }

    /// `scheme://host[:port]` as a browser writes `location.origin`: lower case, default ports dropped.
    static func origin(_ text: String) -> String? {
        guard let parts = URLComponents(string: text), let scheme = parts.scheme?.lowercased(), let host = parts.host?.lowercased(),
              !host.isEmpty else { return nil }
        let port = parts.port.flatMap { (scheme == "http" && $0 == 80) || (scheme == "https" && $0 == 443) ? nil : $0 }
        return "\(scheme)://\(host)" + (port.map { ":\($0)" } ?? "")
    }
}
