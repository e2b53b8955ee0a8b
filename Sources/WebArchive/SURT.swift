import Foundation

/// Sort-friendly URI Reordering Transform: the key CDXJ lines are sorted and looked up by, written
/// as the Python `surt` package (what pywb and cdxj-indexer use) writes it, so pywb finds a URL
/// in an index Exhibit made: `https://www.Example.com:8080/a?z=1&a=2` → `com,example:8080)/a?a=2&z=1`.
public enum SURT {
    public static func key(_ url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              let rawHost = components.percentEncodedHost, !rawHost.isEmpty else {
            // Not a hierarchical URL (`urn:view:…`): surt leaves it as it is.
            return url
        }
        var host = rawHost.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let isAddress = host.contains(":") || host.split(separator: ".").allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
        if !isAddress {
            if let www = host.range(of: #"^www\d*\."#, options: .regularExpression) { host.removeSubrange(www) }
            host = host.split(separator: ".", omittingEmptySubsequences: false).reversed().joined(separator: ",")
        }
        if let port = components.port, !(port == 80 && scheme == "http") && !(port == 443 && scheme == "https") {
            host += ":\(port)"
        }
        var path = components.percentEncodedPath
        if path.isEmpty { path = "/" }
        var key = host + ")" + path
        if let query = components.percentEncodedQuery, !query.isEmpty {
            key += "?" + query.split(separator: "&", omittingEmptySubsequences: false).map(String.init).sorted().joined(separator: "&")
        }
        return key.lowercased()
    }
}
