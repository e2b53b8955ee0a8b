import ArgumentParser
import Logging

/// `--log-level`: how much of Exhibit's own log reaches stderr. A closed set, so `--help` lists
/// it and a misspelt level is a usage error before anything runs.
enum LogLevel: String, CaseIterable, ExpressibleByArgument {
    case trace, debug, info, notice, warning, error, critical

    var level: Logger.Level {
        switch self {
        case .trace: return .trace
        case .debug: return .debug
        case .info: return .info
        case .notice: return .notice
        case .warning: return .warning
        case .error: return .error
        case .critical: return .critical
        }
    }
}

/// The logging option of the commands that drive a browser.
struct LoggingOptions: ParsableArguments {
    @Option(help: "How much of the log goes to stderr: browser launch and DevTools connection at info, each DevTools command at trace.")
    var logLevel: LogLevel = .warning
}

/// A command whose log level the user chooses.
protocol LogLevelChoosing {
    var logging: LoggingOptions { get }
}

extension LoggingSystem {
    /// Sends every log to stderr, so stdout stays the command's answer (a folder path, JSON).
    /// Called once, before the command runs; commands without `--log-level` log warnings and worse.
    static func bootstrapStandardError(for command: ParsableCommand) {
        let level = (command as? LogLevelChoosing)?.logging.logLevel.level ?? .warning
        bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
