import ArchivePairing
import ArgumentParser
import Capture
import DevTools
import Evidence
import Foundation

struct PairCommand: AsyncParsableCommand, LogLevelChoosing {
    static let configuration = CommandConfiguration(
        commandName: "pair",
        abstract: "Pair a capture with a WARC or WACZ another tool made: its SHA-256, its records for the page and the API calls, the time gap, and whether its body matches the one Exhibit received.",
        discussion: "The pairing is pairing/<archive>.json, a tag file (the payload, its timestamps and signature are untouched); the report is made again to show it. Exit codes: 0 paired; 1 paired, but the report could not be made again; 2 usage error, a folder that is not a capture, or an archive that is truncated, not what it is named, or has no record for the captured page (the capture is then unchanged).")

    @Argument(help: "The capture folder.")
    var folder: String

    @Argument(help: "The archive: .warc, .warc.gz or .wacz (told by its bytes, not its name).")
    var archive: String

    @Flag(help: "Also copy the archive into the bag (pairing/archives/<name>, covered by the tag manifests).")
    var include = false

    @Option(help: "Browser that prints the updated report.pdf (default: $EXHIBIT_BROWSER, then /usr/lib/chromium/chromium, chromium, google-chrome).")
    var browser: String?

    @OptionGroup var account: BrowserAccountOptions

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let record = try Self.pair(bag: URL(fileURLWithPath: folder), archive: URL(fileURLWithPath: archive), include: include)
        say(TerminalText.safe("paired: \(record.summary)"))
        try await Self.remakeReport(bag: URL(fileURLWithPath: folder), browser: browser, account: account)
    }

    /// Pairs, turning the pairing's errors into one-line usage failures (exit 2).
    static func pair(bag: URL, archive: URL, include: Bool) throws -> PairingRecord {
        do { return try ArchivePairer(bag: bag, archive: archive, include: include, exhibitVersion: ExhibitVersion.current).pair().record }
        catch let error as PairingError { throw CommandFailure(code: Exhibit.Code.usage, message: "not paired: \(error)") }
        catch { throw CommandFailure(code: Exhibit.Code.failed, message: "not paired: \(error)") }
    }

    /// The report shows the pairings, so it is made again (HTML and PDF), then the tag manifests.
    static func remakeReport(bag: URL, browser: String?, account: BrowserAccountOptions) async throws {
        guard FileManager.default.fileExists(atPath: bag.appendingPathComponent(CaptureReport.htmlFile).path) else { return }
        do {
            try await writeReport(bag: bag, browser: browser, account: account)
            try BagWriter(root: bag).writeTagManifests()
        } catch {
            try? BagWriter(root: bag).writeTagManifests()
            throw CommandFailure(code: Exhibit.Code.failed,
                message: "the pairing is stored, but the report could not be made again (it does not show the pairing yet): \(error)")
        }
    }

    /// report.html and report.pdf made again from the bag's own files, by a browser launched for it
    /// (`exhibit timestamp` and `exhibit pair`); the caller writes the tag manifests.
    static func writeReport(bag: URL, browser: String?, account: BrowserAccountOptions) async throws {
        // Over the pipe: the report's browser needs no port anyone else could reach.
        let handle = try await LaunchedBrowser(executable: browser, transport: .pipe, browserUser: account.browserUser,
                                               allowRootBrowser: account.allowRootBrowser).open()
        do {
            try await CaptureReport.write(bag: bag, connection: handle.connection)
            await handle.close()
        } catch {
            await handle.close()
            throw error
        }
    }
}
