import ArgumentParser
import Foundation

/// Where `--tsa` URLs come from when none are given, and what counts as one.
enum TimestampAuthorities {
    /// The given URLs, or `EXHIBIT_TSA` (comma- or space-separated) when none were given.
    static func resolve(_ given: [String], environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        if !given.isEmpty { return given }
        return (environment["EXHIBIT_TSA"] ?? "").split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
    }

    static func validate(_ urls: [String]) throws {
        for url in urls {
            guard let components = URLComponents(string: url), ["http", "https"].contains(components.scheme?.lowercased() ?? ""),
                  components.host?.isEmpty == false else {
                throw ValidationError("timestamp authority '\(url)' is not an http(s) URL")
            }
        }
    }
}
