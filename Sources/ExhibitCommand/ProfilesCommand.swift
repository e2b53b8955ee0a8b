import ArgumentParser
import Capture
import DevTools
import Foundation
import PlatformProfiles
import PrivateNetwork

/// `exhibit profiles`: the profiles and what chooses them; `exhibit profiles explain`: why a
/// profile reads a page the way it does.
struct ProfilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profiles",
        abstract: "List the platform profiles and the URL patterns that choose them (every file is checked), or explain one on a page.",
        subcommands: [ListProfiles.self, ExplainProfileCommand.self],
        defaultSubcommand: ListProfiles.self)
}

struct ListProfiles: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the platform profiles and the URL patterns that choose them (every file is checked).")

    @Option(help: "Folder of profile files (default: $EXHIBIT_PROFILES, ./Profiles, or Profiles/ of the source checkout).")
    var profiles: String?

    func run() async throws {
        var options = CaptureOptions(url: "")
        options.profilesFolder = profiles
        let catalog: ProfileCatalog
        do { catalog = try CapturePipeline.loadProfiles(options) }
        catch { throw CommandFailure(code: Exhibit.Code.usage, message: "\(error)") }
        say("profiles in \(catalog.folder.path):")
        for entry in catalog.entries {
            let p = entry.profile
            say("  \(p.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(p.platform)")
            for pattern in p.matches { say("             \(pattern)") }
            for pattern in p.account?.matches ?? [] { say("             account page: \(pattern)") }
            for pattern in p.frames?.matches ?? [] { say("             embed frame:  \(pattern)") }
            say("             " + (p.verified.map { "verified \($0.date) against \($0.pages.count) page(s)" } ?? "never verified against a page"))
            if p.matches.isEmpty || p.name == "generic" { say("             (fallback for any URL no other profile matches)") }
        }
    }
}

struct ExplainProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Load a page as a capture would (no bag is made) and show, per field and per rule alternative, what the profile matched, what it took, and what it counted as replies, left out or ignored.")

    @Argument(help: "The page (http or https).")
    var url: String

    @Option(help: "Profile to explain (default: the one the URL chooses).")
    var profile: String?

    @Option(help: "Folder of profile files (default: $EXHIBIT_PROFILES, ./Profiles, or Profiles/ of the source checkout).")
    var profiles: String?

    @Flag(help: "Print the explanation as JSON.")
    var json = false

    @OptionGroup var page: PageOptions

    @Option(help: "Browser executable (default: $EXHIBIT_BROWSER, then /usr/lib/chromium/chromium, chromium, google-chrome).")
    var browser: String?

    @OptionGroup var account: BrowserAccountOptions

    @Flag(help: "Let the browser reach loopback and private addresses (refused by default, as for capture).")
    var allowPrivate = false

    @Option(name: .customLong("allow-private-address"), help: ArgumentHelp("Let the browser reach this one private address, repeatable.", valueName: "address"))
    var allowPrivateAddress: [String] = []

    @OptionGroup var login: SessionOptions

    @Flag(help: "No progress lines on stderr.")
    var quiet = false

    func validate() throws {
        do { _ = try TargetURL.validate(url) } catch { throw ValidationError("\(error)") }
        if let browser, !FileManager.default.isExecutableFile(atPath: browser) {
            throw ValidationError("browser not found: \(browser) does not exist or is not executable")
        }
        for address in allowPrivateAddress where IPAddress(address) == nil {
            throw ValidationError("--allow-private-address '\(address)' is not an IP address (e.g. 10.1.2.3 or fd00::5)")
        }
    }

    func run() async throws {
        var options = CaptureOptions(url: url)
        page.apply(to: &options)
        options.profile = profile
        options.profilesFolder = profiles
        options.pdfLayout = .none
        options.allowPrivateAddresses = allowPrivate
        options.allowedPrivateAddresses = allowPrivateAddress
        let quiet = self.quiet
        let session = try login.load()
        let pipeline = CapturePipeline(options: options,
                                       browser: LaunchedBrowser(executable: browser, transport: session == nil ? .webSocket : .pipe,
                                                                browserUser: account.browserUser, allowRootBrowser: account.allowRootBrowser),
                                       session: session) { event in
            if !quiet { tell(progressLine(event)) }
        }
        let explanation: ProfileExplanation
        do { explanation = try await pipeline.explain() } catch let error as CaptureError { throw CommandFailure(error) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(TerminalText.json(String(decoding: try encoder.encode(explanation), as: UTF8.self)))
        } else {
            say(explanation.text)
        }
    }
}
