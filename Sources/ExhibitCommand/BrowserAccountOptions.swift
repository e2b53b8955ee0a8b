import ArgumentParser
import DevTools

/// Who a browser Exhibit starts runs as: shared by every command that starts one.
struct BrowserAccountOptions: ParsableArguments {
    @Option(help: ArgumentHelp("When Exhibit runs as root: the unprivileged user the browser runs as, with its sandbox (default: \(BrowserAccount.defaultUser)).", valueName: "user"))
    var browserUser: String?

    @Flag(help: "When Exhibit runs as root: run the browser as root without its sandbox. Anyone who can drive that browser can read every file of this machine; prefer --browser-user.")
    var allowRootBrowser = false

    /// The account, or the one-line reason it cannot be used (a usage error).
    func validate() throws {
        do { _ = try BrowserAccount.resolve(browserUser: browserUser, allowRoot: allowRootBrowser) }
        catch { throw ValidationError("\(error)") }
    }
}
