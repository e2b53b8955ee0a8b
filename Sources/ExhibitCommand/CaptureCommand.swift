import ArchivePairing
import ArgumentParser
import Capture
import DevTools
import Foundation
import PrivateNetwork

struct CaptureCommand: AsyncParsableCommand, LogLevelChoosing {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Capture one URL into a new BagIt folder under --out and print its path.")

    @Argument(help: "The page to capture (http or https).")
    var url: String

    @Option(name: .long, help: "Folder in which the capture folder is created.")
    var out: String = "Output"

    @OptionGroup var settings: CaptureSettings
    @Option(name: .customLong("pair"), help: ArgumentHelp("Pair the capture with this WARC or WACZ another tool made, once it is sealed (see exhibit pair).", valueName: "archive"))
    var pairArchive: String?

    @Flag(help: "With --pair: also copy the archive into the bag (pairing/archives/<name>).")
    var include = false

    @Option(help: "Attach to a running browser: ws://HOST:PORT/devtools/browser/ID or http://HOST:PORT.")
    var browserURL: String?

    @OptionGroup var login: SessionOptions

    @Flag(help: "No progress lines on stderr.")
    var quiet = false

    @Flag(help: "Print the final summary as JSON on stdout instead of the folder path.")
    var json = false


    @Option(help: ArgumentHelp("Write every DevTools message sent and received to this new file, as JSON lines (mode 0600; cookie values, credentials, localStorage values and bodies redacted, screenshots omitted).", valueName: "file"))
    var trace: String?

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        do { _ = try TargetURL.validate(url) } catch { throw ValidationError("\(error)") }
        try settings.validate(browserURLs: browserURL.map { [$0] } ?? [], carriesSession: login.session != nil || login.cookies != nil)
        if include && pairArchive == nil { throw ValidationError("--include needs --pair ARCHIVE") }
    }

    func run() async throws {
        let options = try settings.options(url: url, out: out)

        // An archive to pair with is read whole before the capture starts: a truncated one, or one
        // that is not what it is named, is refused before anything is captured.
        if let pairArchive {
            do { try ArchivePairer.checkWhole(pairArchive) }
            catch { throw CommandFailure(code: Exhibit.Code.usage, message: "--pair: \(error)") }
        }
        let session = try login.load()
        // Opened before any browser starts, so that a file in the way is a usage error.
        let protocolTrace: ProtocolTrace?
        do { protocolTrace = try trace.map(ProtocolTrace.init(creatingFileAt:)) }
        catch { throw CommandFailure(code: Exhibit.Code.usage, message: "\(error)") }
        defer { protocolTrace?.close() }
        if let session { protocolTrace?.redactEverywhere(session.secretValues) }
        let provider = settings.provider(browserURL: browserURL, carriesSession: session != nil, trace: protocolTrace)
        let quiet = self.quiet
        let pipeline = CapturePipeline(options: options, browser: provider, session: session) { event in
            if !quiet { tell(progressLine(event)) }
        }
        let result: CaptureResult
        do { result = try await pipeline.run() } catch let error as CaptureError { throw CommandFailure(error) }
        let record = result.record
        if !quiet {
            let recognised = record.completeness.postRecognised ? "" : ", post not recognised"
            var summary = "\ncaptured\(recognised) \(TerminalText.safe(record.requestedURL)) (\(record.state.rawValue), HTTP \(record.http.status))\n"
            summary += "  \(TerminalText.safe(record.profile.platform)): \(TerminalText.safe(record.completeness.summary))\n"
            if let viewer = record.viewer, session != nil || viewer.account != nil { summary += "  \(TerminalText.safe(viewer.line))\n" }
            for file in result.payload {
                let size = String(file.digest.size)
                summary += "  " + file.name.padding(toLength: 16, withPad: " ", startingAt: 0)
                    + String(repeating: " ", count: max(0, 10 - size.count)) + size + " bytes  sha256 " + file.digest.sha256 + "\n"
            }
            if !record.warnings.isEmpty { summary += "  \(record.warnings.count) warning(s), listed in data/capture.json\n" }
            for stamp in result.timestamps.trusted {
                summary += "  timestamp \(stamp.genTime) by \(TerminalText.safe(stamp.tsaName)) in \(stamp.response)\n"
            }
            if !options.timestampAuthorities.isEmpty && result.timestamps.trusted.isEmpty {
                summary += "  warning: timestamp pending (no TSA answered); run: exhibit timestamp \(result.folder.path) --tsa URL\n"
            }
            if let fingerprint = result.signerFingerprint { summary += "  signed with Ed25519 key \(fingerprint)\n" }
            tell(summary)
        }
        if json {
            struct Summary: Encodable {
                let folder: String, captureId: String, state: String, httpStatus: Int
                let profile: String, completeness: String, availability: String
                /// `post`, or `account` for an account page (its header and timeline in post.json).
                let kind: String
                let postRecognised: Bool
                let warnings: [String]
                let timestamps: [String]
                let signerFingerprint: String?
                let files: [File]
                /// Who looked, as the report says it ("Captured logged out", "Captured logged in as @x (session s, made …)").
                let viewer: String?
                struct File: Encodable { let name: String, size: UInt64, sha256: String }
            }
            let summary = Summary(folder: result.folder.path, captureId: record.captureId, state: record.state.rawValue,
                                  httpStatus: record.http.status,
                                  profile: record.profile.name, completeness: record.completeness.summary,
                                  availability: record.completeness.availability.rawValue,
                                  kind: record.profile.pageKind ?? "post",
                                  postRecognised: record.completeness.postRecognised,
                                  warnings: record.warnings.map { "\($0.step): \($0.message)" },
                                  timestamps: result.timestamps.trusted.map(\.response), signerFingerprint: result.signerFingerprint,
                                  files: result.payload.map { .init(name: $0.name, size: $0.digest.size, sha256: $0.digest.sha256) },
                                  viewer: record.viewer?.line)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(TerminalText.json(String(decoding: try encoder.encode(summary), as: UTF8.self)))
        } else {
            say(result.folder.path)
        }
        if let pairArchive {
            do {
                let pairing = try PairCommand.pair(bag: result.folder, archive: URL(fileURLWithPath: pairArchive), include: include)
                if !quiet { tell(TerminalText.safe("  paired: \(pairing.summary)") + "\n") }
                try await PairCommand.remakeReport(bag: result.folder, browser: settings.browser, account: settings.account)
            } catch let failure as CommandFailure {
                throw CommandFailure(code: failure.code, message: "captured in \(result.folder.path), but \(failure.message)")
            }
        }
        // The capture is kept whole (it documents the wall), but the post itself was not there.
        switch record.completeness.availability {
        case .loginWall:
            if let session {
                throw CommandFailure(code: Exhibit.Code.loginWall, message: "the post is behind a login wall although \(session.label) was used: "
                                     + "it has expired or was logged out; \(session.renewal); the capture of the wall is in \(result.folder.path)")
            }
            throw CommandFailure(code: Exhibit.Code.loginWall, message: "the post is behind a login wall; the capture of the wall is in \(result.folder.path)")
        case .removed:
            throw CommandFailure(code: Exhibit.Code.removed, message: "the post is removed or unavailable; the capture of the notice is in \(result.folder.path)")
        case .available: break
        }
    }
}
