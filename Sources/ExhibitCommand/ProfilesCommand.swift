import ArgumentParser
import Capture
import Foundation
import PlatformProfiles

/// `exhibit profiles`: lists the platform profiles with their URL patterns, checking every file.
struct ProfilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profiles",
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
            say("             " + (p.verified.map { "verified \($0.date) against \($0.pages.count) page(s)" } ?? "never verified against a page"))
            if p.matches.isEmpty || p.name == "generic" { say("             (fallback for any URL no other profile matches)") }
        }
    }
}
