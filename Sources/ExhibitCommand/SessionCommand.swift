import ArgumentParser
import Foundation
import Sessions

/// `exhibit session …`: the saved logins that `capture --session NAME` uses. Every problem with a
/// session (an unknown name, a file others can read, a file in no accepted format) is a usage
/// error, exit 2, in one line that says what to do.
struct SessionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session",
        abstract: "Make, list, check and delete login sessions for logged-in captures",
        discussion: """
            Sessions are kept in $EXHIBIT_SESSIONS, else $XDG_DATA_HOME/exhibit/sessions, else \
            ~/.local/share/exhibit/sessions (folder mode 0700, files 0600; Exhibit refuses looser ones). \
            Exit codes: 0 done (check: logged in); 1 create could not save a session (the login page \
            did not load, nobody finished in time); 2 unknown session, unsafe permissions, unreadable or \
            malformed file; 3 check: the page shows its login wall or no logged-in account.
            """,
        subcommands: [CreateSessionCommand.self, ListSessions.self, CheckSessionCommand.self, DeleteSession.self],
        defaultSubcommand: ListSessions.self)
}

extension CommandFailure {
    /// Every session problem is the user's to fix: a usage error with the session's own line.
    init(_ error: SessionError) {
        self.init(code: Exhibit.Code.usage, message: error.description)
    }
}

struct ListSessions: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the saved sessions: name, when made, the sites they log in to, the account, expired cookies.")

    @Flag(help: "Print the list as a JSON array.")
    var json = false

    func run() throws {
        let store = SessionStore()
        let sessions: [SessionSummary]
        do throws(SessionError) { sessions = try store.list() } catch { throw CommandFailure(error) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(TerminalText.json(String(decoding: try encoder.encode(sessions), as: UTF8.self)))
        } else if sessions.isEmpty {
            tell("no sessions in \(store.directory.path) — make one with 'exhibit session create NAME --url LOGIN_URL'\n")
        } else {
            // One line a session whatever its file holds: say() shows control characters as escapes.
            for session in sessions { say(TerminalText.safe(Self.line(session))) }
        }
    }

    /// `bsky  created 2026-12-01T23:15:00Z  bsky.app, https://bsky.app  @investigator  2 of 14 cookies expired`
    static func line(_ session: SessionSummary) -> String {
        if let problem = session.problem { return "\(session.name)  unusable: \(problem)" }
        let created = session.created.map { "created " + $0.formatted(Date.ISO8601FormatStyle(timeZone: .gmt)) } ?? "created unknown"
        var parts = [session.name, created, session.origins.isEmpty ? "no sites" : session.origins.joined(separator: ", "),
                     session.account ?? "account unknown"]
        if session.expiredCookies > 0 { parts.append("\(session.expiredCookies) of \(session.cookieCount) cookies expired") }
        return parts.joined(separator: "  ")
    }
}

struct DeleteSession: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a saved session (its file only).")

    @Argument(help: "The session's name (as `exhibit session list` shows it).")
    var name: String

    func run() throws {
        let store = SessionStore()
        do throws(SessionError) { try store.delete(name) } catch { throw CommandFailure(error) }
        say(TerminalText.safe("deleted session '\(name)' (\(store.file(for: name).path))"))
    }
}
