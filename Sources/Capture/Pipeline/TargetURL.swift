import Foundation

/// Why a URL is not something Exhibit will capture. These are usage errors (exit code 2).
package enum TargetURLError: Error, CustomStringConvertible, Sendable {
    case malformed(String)
    case unsupportedScheme(String, scheme: String)

    package var description: String {
        switch self {
        case .malformed(let url): return "malformed URL '\(url)': expected http://HOST/... or https://HOST/..."
        case .unsupportedScheme(let url, let scheme):
            return "unsupported URL scheme '\(scheme):' in '\(url.prefix(60))': only http and https pages can be captured"
        }
    }
}

/// Checks a URL given on the command line before any browser is started.
package enum TargetURL {
    /// Returns the URL if it is an absolute http(s) URL with a host.
    package static func validate(_ text: String) throws -> URL {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        // "javascript:..." and "data:..." are not valid URLComponents input in every form, so the
        // scheme is read by hand first: letters, digits, + - . before the first colon.
        if let colon = trimmed.firstIndex(of: ":") {
            let scheme = trimmed[..<colon]
            let rest = trimmed[trimmed.index(after: colon)...]
            let looksLikeScheme = scheme.first?.isLetter == true
                && scheme.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }
            // "localhost:8080/x" is a host and port without a scheme, not a scheme.
            let isHostAndPort = rest.first?.isNumber == true
            if looksLikeScheme, !isHostAndPort, !["http", "https"].contains(scheme.lowercased()) {
                throw TargetURLError.unsupportedScheme(text, scheme: scheme.lowercased())
            }
        }
        guard let components = URLComponents(string: trimmed),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty,
              let url = components.url else {
            throw TargetURLError.malformed(text)
        }
        return url
    }
}
