import ArgumentParser
import Capture
import DevTools
import Foundation
import Logging

/// The `exhibit` command: a thin layer that turns options into a capture and exit codes.
@main
struct Exhibit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exhibit",
        abstract: "Evidential captures of social media posts: full-page PNG, PDF and metadata in a hashed BagIt bag.",
        discussion: """
            Exit codes: 0 captured; 1 capture failed; 2 usage error (bad URL, bad option, bad profile file, \
            unwritable output folder, browser not found at --browser); 3 captured, but the post is behind \
            a login wall; 4 captured, but the post is removed or unavailable; 5 refused by the network policy \
            (the page, a redirect or a navigation of it leads to a loopback, private, link-local or other \
            special-purpose address; see --allow-private). \
            exhibit verify: 0 valid, 1 invalid, 2 unreadable or not a capture.
            """,
        version: "0.1.0",
        subcommands: [CaptureCommand.self, VerifyCommand.self, TimestampCommand.self, KeygenCommand.self, InspectCommand.self, ProfilesCommand.self,
                      SessionCommand.self, CompareCommand.self, PairCommand.self, BatchCommand.self, CollectCommand.self,
                      OrgCommand.self, ExportCommand.self, ListCommand.self])

    /// Exit codes, documented in the README and checked by the tests.
    enum Code {
        static let captured: Int32 = 0
        static let failed: Int32 = 1
        static let usage: Int32 = 2
        /// The capture is complete and kept, but shows a login wall instead of the post.
        static let loginWall: Int32 = 3
        /// The capture is complete and kept, but shows that the post is removed or unavailable.
        static let removed: Int32 = 4
        /// The page, a redirect hop or a later navigation of it was refused by the network policy
        /// (a loopback, private, link-local or other special-purpose address); nothing is kept.
        static let refused: Int32 = 5
    }

    /// SIGINT and SIGTERM end the browser's process group, remove its profile, keep a non-empty
    /// partial capture (named on stderr) and remove an empty one, then exit 130 or 143.
    nonisolated(unsafe) static let interruptSources: [any DispatchSourceSignal] = [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")].map { number, name in
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler {
            InterruptCleanup.runAll()
            try? FileHandle.standardError.write(contentsOf: Data("exhibit: interrupted by \(name); the browser was ended\n".utf8))
            Foundation.exit(128 + number)
        }
        source.resume()
        return source
    }

    static func main() async {
        // Writing to a closed pipe (stdout or stderr read by `head`, a browser that died) fails
        // with EPIPE where it happens instead of killing Exhibit, and its browser with it.
        signal(SIGPIPE, SIG_IGN)
        _ = interruptSources
        do {
            var command = try parseAsRoot()
            LoggingSystem.bootstrapStandardError(for: command)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Foundation.exit(Code.captured)
        } catch where InterruptCleanup.isInterrupting {
            // The interrupt ended the browser, and so the capture: its handler says so and exits.
            InterruptCleanup.yieldToInterrupt()
            Foundation.exit(Code.failed)
        } catch let code as ExitCode {
            // A command that already printed its report and chose its exit code (verify).
            Foundation.exit(code.rawValue)
        } catch let error as CommandFailure {
            tell("exhibit: error: \(TerminalText.safe(error.message))\n")
            Foundation.exit(error.code)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(Code.captured)
            }
            // Parsing and validation errors: one line first, then the usage hint ArgumentParser gives.
            let message = fullMessage(for: error).trimmingCharacters(in: .whitespacesAndNewlines)
            let firstLine = message.split(separator: "\n").first.map(String.init) ?? message
            let oneLine = firstLine.hasPrefix("Error: ") ? String(firstLine.dropFirst(7)) : firstLine
            tell("exhibit: error: \(TerminalText.safe(oneLine))\n")
            Foundation.exit(code == .validationFailure || code.rawValue == 64 ? Code.usage : Code.failed)
        }
    }
}

/// A failure with its exit code and a one-line message.
struct CommandFailure: Error {
    let code: Int32
    let message: String
}

extension CommandFailure {
    /// A capture's failure, with the exit code of its kind (usage 2, refused 5, a step 1).
    init(_ error: CaptureError) {
        let code = switch error.kind {
        case .usage: Exhibit.Code.usage
        case .refused: Exhibit.Code.refused
        case .stepFailed: Exhibit.Code.failed
        }
        self.init(code: code, message: "\(error)")
    }
}

/// A step's progress as every command that loads a page prints it on stderr.
func progressLine(_ event: CaptureProgress) -> String {
    String(format: "[%7.2fs] ", event.elapsed) + event.step.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0) + " "
        + (event.isWarning ? "warning: " : "") + TerminalText.safe(event.detail) + "\n"
}
