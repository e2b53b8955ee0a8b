import Foundation

/// Who a launched browser runs as, and whether Chromium's sandbox is on.
///
/// A browser running as root without its sandbox lets anything that drives it (a local user on
/// the loopback DevTools port, or a renderer exploit) read every file of the machine. So when
/// Exhibit runs as root it starts Chromium as an unprivileged user, with the sandbox on, unless
/// the caller explicitly allows a root browser.
public struct BrowserAccount: Sendable, Equatable {
    /// The user's name.
    public let user: String
    public let uid: UInt32
    public let gid: UInt32
    /// True when Chromium runs with its sandbox (it is started without `--no-sandbox`).
    public let sandbox: Bool
    /// True when Exhibit, as root, starts the browser as this other user.
    public let switchesUser: Bool

    /// The unprivileged user a root Exhibit runs the browser as when none is named. `make deps`
    /// (scripts/install-deps.sh) creates it as a system user without a login or a home.
    public static let defaultUser = "exhibit-browser"

    /// Decides the account: as a normal user, the browser runs as that user with its sandbox; as
    /// root, as `browserUser` (default ``defaultUser``) with its sandbox, or as root without the
    /// sandbox only when `allowRoot` says so.
    public static func resolve(browserUser: String?, allowRoot: Bool, uid: uid_t = getuid()) throws(DevToolsError) -> BrowserAccount {
        if uid != 0 {
            let current = Self.lookUp(uid: uid)
            if let browserUser, browserUser != current?.user {
                throw .accountRefused("--browser-user \(browserUser) needs Exhibit to run as root; the browser runs as the user who runs Exhibit")
            }
            return BrowserAccount(user: current?.user ?? String(uid), uid: uid, gid: current?.gid ?? getgid(),
                                  sandbox: true, switchesUser: false)
        }
        if allowRoot {
            if let browserUser {
                throw .accountRefused("--allow-root-browser and --browser-user \(browserUser) contradict each other; give one")
            }
            return BrowserAccount(user: "root", uid: 0, gid: 0, sandbox: false, switchesUser: false)
        }
        let name = browserUser ?? defaultUser
        guard let found = Self.lookUp(name: name) else {
            throw .accountRefused("Exhibit runs as root, so it starts the browser as the unprivileged user \(name), which does not exist: "
                + "create it (useradd --system --no-create-home --shell /usr/sbin/nologin \(name); make deps does), "
                + "name another with --browser-user, or pass --allow-root-browser to run it as root without its sandbox")
        }
        guard found.uid != 0 else {
            throw .accountRefused("--browser-user \(name) is root (uid 0); name an unprivileged user, or pass --allow-root-browser")
        }
        return found
    }

    /// The same account with the sandbox off (a `--no-sandbox` the caller passed through).
    var withoutSandbox: BrowserAccount {
        BrowserAccount(user: user, uid: uid, gid: gid, sandbox: false, switchesUser: switchesUser)
    }

    private static func lookUp(name: String) -> BrowserAccount? {
        guard let entry = getpwnam(name) else { return nil }
        return BrowserAccount(user: name, uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid, sandbox: true, switchesUser: true)
    }

    private static func lookUp(uid: uid_t) -> (user: String, gid: gid_t)? {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return nil }
        return (String(cString: name), entry.pointee.pw_gid)
    }

    /// Why this account could not enter `folder` (every folder above it needs search permission
    /// for it), or nil when it can. A profile under root's 0700 home would make Chromium fail with
    /// a message that does not say why.
    func cannotReach(_ folder: String) -> String? {
        guard switchesUser else { return nil }
        var path = URL(fileURLWithPath: folder).deletingLastPathComponent().path
        while true {
            var info = stat()
            if stat(path, &info) == 0 {
                let mode = info.st_mode
                let allowed = info.st_uid == uid ? mode & S_IXUSR != 0
                    : info.st_gid == gid ? mode & S_IXGRP != 0 : mode & S_IXOTH != 0
                if !allowed {
                    return "the browser runs as \(user), who cannot enter \(path) (mode \(String(mode & 0o777, radix: 8))), "
                        + "where its profile folder would be: set TMPDIR to a folder it can enter, such as /tmp"
                }
            }
            if path == "/" || path.isEmpty { return nil }
            path = URL(fileURLWithPath: path).deletingLastPathComponent().path
        }
    }

    /// The command that starts `command` as this account: util-linux's `setpriv`, which changes
    /// the user and drops root's supplementary groups, then execs (the pid stays the browser's).
    func wrapping(_ command: [String]) throws(DevToolsError) -> [String] {
        guard switchesUser else { return command }
        guard let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw .accountRefused("cannot start the browser as \(user): setpriv (util-linux) is not installed")
        }
        return [setpriv, "--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "--"] + command
    }
}
