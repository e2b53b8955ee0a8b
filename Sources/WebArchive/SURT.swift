import Foundation

/// Sort-friendly URI Reordering Transform: the key CDXJ lines are sorted and looked up by, written
/// as the Python `surt` package 0.3 (what pywb and cdxj-indexer use) writes it, so pywb finds a
/// URL in an index Exhibit made: `https://www.Example.com:8080/a/?z=1&a=2` → `com,example:8080)/a?a=2&z=1`.
///
/// pywb looks a URL up by the key it computes itself and compares bytes, so a key that differs in
/// anything (an IPv4 address not reversed, a trailing slash kept) makes the page "not found in
/// this collection". This is therefore a port of surt's steps, in its order and on bytes: its
/// parse (`handyurl`), its `GoogleURLCanonicalizer` (percent-escapes undone and redone minimally,
/// dot segments resolved, numeric hosts as dotted quads), its `IAURLCanonicalizer` (lower case,
/// `www.` and default ports dropped, session ids dropped, trailing slash dropped, query arguments
/// sorted) and its key form (host labels reversed, IPv4 octets too). One step is left out: a host
/// that is not ASCII is not converted to IDNA; browsers report URLs with the host in punycode.
/// A URL surt itself rejects (a port that is not a number from 0 to 65535) is its own key, as
/// cdxj-indexer writes it.
public enum SURT {
    public static func key(_ url: String) -> String {
        let bytes = [UInt8](url.utf8)
        if bytes.isEmpty { return "-" }
        if bytes.starts(with: Array("filedesc".utf8)) { return url }
        guard var parts = Parts(parsing: bytes) else { return url }
        parts.canonicalizeLikeGoogle()
        parts.canonicalizeLikeIA()
        return String(decoding: parts.key(), as: UTF8.self)
    }

    /// A URL's parts as surt's `handyurl` holds them; nil where surt has none (not empty).
    struct Parts {
        var scheme: [UInt8]
        var host: [UInt8]?
        var port: Int?
        var path: [UInt8]?
        var query: [UInt8]?

        /// `handyurl.parse`, with urllib's reading of the authority; nil where it raises.
        init?(parsing input: [UInt8]) {
            // Spaces and controls around the URL go, line breaks and tabs anywhere.
            var url = Array(input.drop { Bytes.pythonSpace.contains($0) }.reversed().drop { Bytes.pythonSpace.contains($0) }.reversed())
            url.removeAll { $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
            // Nothing left: surt fails on it (no scheme to test).
            guard !url.isEmpty else { return nil }
            if Bytes.schemeLength(url) == nil { url = Array("http://".utf8) + url }
            url = Bytes.lastOfRepeatedProtocols(url)

            guard let schemeLength = Bytes.schemeLength(url) else { return nil }
            scheme = Array(url[..<schemeLength])
            var rest = url[(schemeLength + 1)...]
            var netloc: ArraySlice<UInt8> = []
            if rest.starts(with: [0x2F, 0x2F]) {
                rest = rest.dropFirst(2)
                let end = rest.firstIndex { $0 == 0x2F || $0 == 0x3F || $0 == 0x23 } ?? rest.endIndex
                netloc = rest[..<end]
                rest = rest[end...]
            }
            let pathEnd = rest.firstIndex { $0 == 0x3F || $0 == 0x23 } ?? rest.endIndex
            let rawPath = Array(rest[..<pathEnd])
            rest = rest[pathEnd...]
            var rawQuery: [UInt8] = []
            if rest.first == 0x3F {
                let queryEnd = rest.firstIndex(of: 0x23) ?? rest.endIndex
                rawQuery = Array(rest[rest.index(after: rest.startIndex)..<queryEnd])
            }
            // "Hostnames that end with ':' without being followed by a port number".
            while netloc.last == 0x3A { netloc = netloc.dropLast() }

            // urllib's _hostinfo: after the last '@'; a bracketed IPv6 address; the port after ':'.
            let hostinfo = netloc.lastIndex(of: 0x40).map { netloc[netloc.index(after: $0)...] } ?? netloc
            var hostname: ArraySlice<UInt8>, portText: ArraySlice<UInt8>
            if let open = hostinfo.firstIndex(of: 0x5B) {
                let bracketed = hostinfo[hostinfo.index(after: open)...]
                let close = bracketed.firstIndex(of: 0x5D)
                hostname = bracketed[..<(close ?? bracketed.endIndex)]
                let after = close.map { bracketed[bracketed.index(after: $0)...] } ?? []
                portText = after.firstIndex(of: 0x3A).map { after[after.index(after: $0)...] } ?? []
            } else {
                let colon = hostinfo.firstIndex(of: 0x3A)
                hostname = hostinfo[..<(colon ?? hostinfo.endIndex)]
                portText = colon.map { hostinfo[hostinfo.index(after: $0)...] } ?? []
            }
            if portText.isEmpty {
                port = nil
            } else {
                // Python's int() of ASCII digits, leading zeros and all; out of 0...65535 it raises.
                var number = 0
                for digit in portText {
                    guard Bytes.isDigit(digit) else { return nil }
                    number = number * 10 + Int(digit - 0x30)
                    guard number <= 65535 else { return nil }
                }
                port = number == 0 ? nil : number
            }
            // The host is lower-cased up to an IPv6 zone ('%'), which keeps its case.
            let zone = hostname.firstIndex(of: 0x25) ?? hostname.endIndex
            let lowered = Bytes.lower(Array(hostname[..<zone])) + hostname[zone...]
            host = lowered.isEmpty ? nil : lowered
            path = rawPath.isEmpty ? nil : rawPath
            query = rawQuery.isEmpty ? nil : rawQuery
            // "http:////////////////www.vikings.com": the host is the first segment of the path.
            if scheme.starts(with: Array("http".utf8)), host == nil, let slashes = path {
                let trimmed = slashes.drop { $0 == 0x2F }
                let slash = trimmed.firstIndex(of: 0x2F)
                host = Array(trimmed[..<(slash ?? trimmed.endIndex)])
                path = [0x2F] + (slash.map { Array(trimmed[trimmed.index(after: $0)...]) } ?? [])
            }
        }

        /// `GoogleURLCanonicalizer.canonicalize`.
        mutating func canonicalizeLikeGoogle() {
            if let query, !query.isEmpty { self.query = Bytes.escapeOnce(Bytes.unescapeRepeatedly(query)) }
            if let host, !host.isEmpty {
                var name = Bytes.replacingDoubleDots(Bytes.unescapeRepeatedly(host))
                while name.first == 0x2E { name.removeFirst() }
                while name.last == 0x2E { name.removeLast() }
                self.host = Bytes.ipv4(name) ?? Bytes.escapeOnce(Bytes.lower(name))
            }
            guard let path else {
                if host?.isEmpty == false { self.path = [0x2F] }
                return
            }
            var unescaped = Bytes.unescapeRepeatedly(path)
            if host?.isEmpty == false { unescaped = Bytes.normalizedPath(unescaped) }
            self.path = Bytes.escapeOnce(unescaped)
        }

        /// `IAURLCanonicalizer.canonicalize` with surt's defaults.
        mutating func canonicalizeLikeIA() {
            if var name = host, !name.isEmpty {
                name = Bytes.lower(name)
                if scheme != Array("dns".utf8) { name = Bytes.withoutWWW(name) }
                host = name
            }
            if !scheme.isEmpty {
                let lowered = Bytes.lower(scheme)
                let defaultPort = lowered == Array("http".utf8) ? 80 : lowered == Array("https".utf8) ? 443 : 0
                if port == defaultPort { port = nil }
            }
            if var text = path, !text.isEmpty {
                text = Bytes.lower(text)
                text = SessionIDs.strippedFromPath(text)
                if text.last == 0x2F && text.count > 1 { text.removeLast() }
                path = text
            }
            if var text = query, !text.isEmpty {
                text = SessionIDs.strippedFromQuery(text)
                text = Bytes.sortedQuery(Bytes.lower(text))
                query = text.isEmpty ? nil : text
            } else {
                query = nil
            }
        }

        /// `handyurl.geturl_bytes(surt=True, with_scheme=False)`.
        func key() -> [UInt8] {
            var out: [UInt8] = []
            if let host, !host.isEmpty {
                out += Bytes.reversedLabels(host)
                if let port { out += Array(":\(port)".utf8) }
                out.append(0x29)
            } else {
                out = scheme + [0x3A]
            }
            if let path, !path.isEmpty {
                out += path
            } else if query != nil {
                out.append(0x2F)
            }
            if let query { out += [0x3F] + query }
            return out
        }
    }

    /// surt's byte helpers, each named after the Python function it follows.
    enum Bytes {
        /// What Python's `bytes.strip()` removes.
        static let pythonSpace: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D]

        static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
        static func isHex(_ byte: UInt8) -> Bool { isDigit(byte) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x66) }
        static func isLetter(_ byte: UInt8) -> Bool { byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A }

        static func lower(_ bytes: [UInt8]) -> [UInt8] { bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 } }

        /// The length of a leading `scheme` followed by ':' (`[a-zA-Z][a-zA-Z0-9+.-]*:`), if any.
        static func schemeLength(_ url: [UInt8]) -> Int? {
            guard let first = url.first, isLetter(first) else { return nil }
            var index = 1
            while index < url.count, isLetter(url[index]) || isDigit(url[index]) || url[index] == 0x2B || url[index] == 0x2E || url[index] == 0x2D {
                index += 1
            }
            return index < url.count && url[index] == 0x3A ? index : nil
        }

        /// `^(https?://)+` replaced by its last repetition.
        static func lastOfRepeatedProtocols(_ url: [UInt8]) -> [UInt8] {
            let http = Array("http://".utf8), https = Array("https://".utf8)
            var rest = url[...], last: [UInt8]?
            while true {
                if rest.starts(with: http) { last = http; rest = rest.dropFirst(http.count) }
                else if rest.starts(with: https) { last = https; rest = rest.dropFirst(https.count) }
                else { break }
            }
            return (last ?? []) + rest
        }

        /// `unquote_to_bytes` until nothing changes.
        static func unescapeRepeatedly(_ bytes: [UInt8]) -> [UInt8] {
            var current = bytes
            while true {
                var out: [UInt8] = []
                out.reserveCapacity(current.count)
                var index = 0
                while index < current.count {
                    if current[index] == 0x25, index + 2 < current.count, isHex(current[index + 1]), isHex(current[index + 2]) {
                        out.append(hexValue(current[index + 1]) << 4 | hexValue(current[index + 2]))
                        index += 3
                    } else {
                        out.append(current[index])
                        index += 1
                    }
                }
                if out == current { return out }
                current = out
            }
        }

        static func hexValue(_ byte: UInt8) -> UInt8 { isDigit(byte) ? byte - 0x30 : (byte | 0x20) - 0x61 + 10 }

        /// `escapeOnce`: `quote_from_bytes` keeping every printable ASCII character but '#' and '%'.
        static func escapeOnce(_ bytes: [UInt8]) -> [UInt8] {
            let digits = Array("0123456789ABCDEF".utf8)
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            for byte in bytes {
                if byte <= 0x20 || byte >= 0x7F || byte == 0x23 || byte == 0x25 {
                    out += [0x25, digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
                } else {
                    out.append(byte)
                }
            }
            return out
        }

        /// `bytes.replace(b'..', b'.')`: left to right, without overlap.
        static func replacingDoubleDots(_ bytes: [UInt8]) -> [UInt8] {
            var out: [UInt8] = []
            var index = 0
            while index < bytes.count {
                if bytes[index] == 0x2E, index + 1 < bytes.count, bytes[index + 1] == 0x2E {
                    out.append(0x2E)
                    index += 2
                } else {
                    out.append(bytes[index])
                    index += 1
                }
            }
            return out
        }

        /// `attemptIPFormats`: a host of digits is a 32-bit number (its low four bytes); dotted
        /// digits as `inet_aton` reads them (a leading 0 makes a part octal). Nil for a name.
        static func ipv4(_ host: [UInt8]) -> [UInt8]? {
            guard !host.isEmpty else { return nil }
            if host.allSatisfy(isDigit) {
                var value: UInt64 = 0
                for digit in host { value = (value * 10 + UInt64(digit - 0x30)) & 0xFFFF_FFFF }
                return dotted(UInt32(value))
            }
            let parts = host.split(separator: 0x2E, omittingEmptySubsequences: false)
            guard parts.count <= 4, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(isDigit) }), let first = parts.first?.first else { return nil }
            // DECIMAL_IP: the first part does not start with 0; OCTAL_IP: it does, and every digit is octal.
            guard first != 0x30 || parts.allSatisfy({ $0.allSatisfy { $0 <= 0x37 } }) else { return nil }
            var values: [UInt64] = []
            for part in parts {
                let octal = part.count > 1 && part.first == 0x30
                guard !octal || part.allSatisfy({ $0 <= 0x37 }) else { return nil }
                var value: UInt64 = 0
                for digit in part {
                    value = value * (octal ? 8 : 10) + UInt64(digit - 0x30)
                    if value > 0xFFFF_FFFF { return nil }
                }
                values.append(value)
            }
            let last = values.removeLast()
            guard values.allSatisfy({ $0 <= 0xFF }), last <= UInt64(0xFFFF_FFFF) >> (8 * values.count) else { return nil }
            var address = last
            for (index, value) in values.enumerated() { address |= value << (24 - 8 * index) }
            return dotted(UInt32(address))
        }

        static func dotted(_ address: UInt32) -> [UInt8] {
            Array("\(address >> 24).\(address >> 16 & 0xFF).\(address >> 8 & 0xFF).\(address & 0xFF)".utf8)
        }

        /// `normalizePath`: '.' and '..' segments resolved, empty segments dropped (but a last one,
        /// which keeps a trailing slash).
        static func normalizedPath(_ path: [UInt8]) -> [UInt8] {
            if path.isEmpty { return [0x2F] }
            var kept: [ArraySlice<UInt8>] = []
            for segment in path.split(separator: 0x2F, omittingEmptySubsequences: false).dropFirst() {
                if segment.elementsEqual([0x2E]) { continue }
                if segment.elementsEqual([0x2E, 0x2E]) {
                    if kept.isEmpty { kept.append(segment) } else { kept.removeLast() }
                    continue
                }
                kept.append(segment)
            }
            var out: [UInt8] = [0x2F]
            guard let last = kept.last else { return out }
            for segment in kept.dropLast() where !segment.isEmpty { out += segment + [0x2F] }
            return out + last
        }

        /// `massageHost`: a leading `www.`, `www2.` etc. dropped.
        static func withoutWWW(_ host: [UInt8]) -> [UInt8] {
            guard host.starts(with: Array("www".utf8)) else { return host }
            let afterDigits = host.dropFirst(3).drop(while: isDigit)
            return afterDigits.first == 0x2E ? Array(afterDigits.dropFirst()) : host
        }

        /// `alphaReorderQuery`: arguments sorted as Python sorts (name, value) tuples, an argument
        /// without '=' before the same name with one.
        static func sortedQuery(_ query: [UInt8]) -> [UInt8] {
            guard query.count > 1 else { return query }
            let arguments = query.split(separator: 0x26, omittingEmptySubsequences: false).map { argument -> (ArraySlice<UInt8>, ArraySlice<UInt8>?) in
                guard let equals = argument.firstIndex(of: 0x3D) else { return (argument, nil) }
                return (argument[..<equals], argument[argument.index(after: equals)...])
            }
            let sorted = arguments.sorted { a, b in
                if !a.0.elementsEqual(b.0) { return a.0.lexicographicallyPrecedes(b.0) }
                switch (a.1, b.1) {
                case (nil, .some): return true
                case (.some(let x), .some(let y)): return x.lexicographicallyPrecedes(y)
                default: return false
                }
            }
            var out: [UInt8] = []
            for (index, argument) in sorted.enumerated() {
                if index > 0 { out.append(0x26) }
                out += argument.0
                if let value = argument.1 { out += [0x3D] + value }
            }
            return out
        }

        /// `hostToSURT` with `reverse_ipaddr`: labels in reverse order, joined by ','.
        static func reversedLabels(_ host: [UInt8]) -> [UInt8] {
            Array(host.split(separator: 0x2E, omittingEmptySubsequences: false).reversed().joined(separator: [0x2C]))
        }
    }

    /// surt's `URLRegexTransformer`: session ids in ASP.NET paths and in queries, which would
    /// otherwise give each visit its own key.
    enum SessionIDs {
        static func pathPatterns() -> [Regex<(Substring, Substring, Substring, Substring)>] { [
            #/^(.*/)(\((?:[a-z]\([0-9a-z]{24}\))+\)/)([^\?]+\.aspx.*)$/#.ignoresCase(),
            #/^(.*/)(\([0-9a-z]{24}\)/)([^\?]+\.aspx.*)$/#.ignoresCase(),
        ] }
        static func queryPatterns() -> [Regex<(Substring, Substring, Substring?)>] { [
            #/^(.*)(?:jsessionid=[0-9a-zA-Z]{32})(?:&(.*))?$/#.ignoresCase(),
            #/^(.*)(?:phpsessid=[0-9a-zA-Z]{32})(?:&(.*))?$/#.ignoresCase(),
            #/^(.*)(?:sid=[0-9a-zA-Z]{32})(?:&(.*))?$/#.ignoresCase(),
            #/^(.*)(?:ASPSESSIONID[a-zA-Z]{8}=[a-zA-Z]{24})(?:&(.*))?$/#.ignoresCase(),
            #/^(.*)(?:cfid=[^&]+&cftoken=[^&]+)(?:&(.*))?$/#.ignoresCase(),
        ] }

        /// The path without its session-id segment. Paths reach here escaped, so ASCII.
        static func strippedFromPath(_ path: [UInt8]) -> [UInt8] {
            var text = String(decoding: path, as: UTF8.self)
            for pattern in pathPatterns() {
                if let match = text.wholeMatch(of: pattern) { text = String(match.output.1) + String(match.output.3) }
            }
            return Array(text.utf8)
        }

        /// The query without a session-id argument. Queries reach here escaped, so ASCII.
        static func strippedFromQuery(_ query: [UInt8]) -> [UInt8] {
            var text = String(decoding: query, as: UTF8.self)
            for pattern in queryPatterns() {
                if let match = text.wholeMatch(of: pattern) {
                    let rest = match.output.2.map(String.init) ?? ""
                    text = String(match.output.1) + rest
                }
            }
            return Array(text.utf8)
        }
    }
}
