import DevTools
import Evidence
import Foundation
import WebArchive

/// Which servers answered the capture and with which certificates: capture.json's
/// `networkProvenance`, the chains as `data/tls/<host>_<port>.pem`, and the same chains as WARC
/// `metadata` records under `urn:tls:<origin>`.
///
/// Built from the recorded traffic (each response's address, port, HTTP version and
/// `securityDetails`); the chains come from `Network.getCertificate`, so this must run while the
/// captured page is still open.
struct ServerProvenance: Sendable {
    typealias Record = CaptureRecord.NetworkProvenance
    /// The chains' folder under `data/`.
    static let folder = "tls"
    /// The most HTTPS origins whose chains are asked for and kept.
    static let chainLimit = 256
    /// How many `Network.getCertificate` calls are in flight at once.
    static let parallelAsks = 16

    let record: Record
    /// Each HTTPS origin's chain as PEM, for the WARC, in the record's order.
    let chains: [(origin: String, file: String, pem: String)]

    /// The payload files this wrote, relative to `data/`, with their media type.
    var files: [(name: String, mediaType: String)] { chains.map { ($0.file, "application/pem-certificate-chain") } }

    /// Builds the record from `traffic`, asks the browser for each HTTPS origin's chain and writes
    /// the chains under `data/tls/`. A chain the browser does not give is recorded as missing (with
    /// a warning for the captured page's own origin); a file that cannot be written fails the step.
    static func collect(traffic: RecordedTraffic, session: PageSession, pageURL: String, at moment: Date, data: URL,
                        context: CaptureContext) async throws -> ServerProvenance {
        var record = summarise(traffic, pageURL: pageURL)
        let https = record.origins.indices.filter { record.origins[$0].tls != nil }
        // A page can name any number of origins; past the cap they are listed without a chain, said so.
        let asked = Array(https.prefix(Self.chainLimit))
        for index in https.dropFirst(Self.chainLimit) {
            record.origins[index].tls?.chainProblem = "not asked: the page reached more than \(Self.chainLimit) HTTPS origins, "
                + "and Exhibit keeps the chains of the first \(Self.chainLimit)"
        }
        if https.count > Self.chainLimit {
            context.warn(.archive, "the page reached \(https.count) HTTPS origins; the certificate chains of the first \(Self.chainLimit) are kept")
        }
        // One round trip per origin, a few at a time: a page may pull from dozens of origins.
        var answers: [Int: Result<[String], any Error>] = [:]
        var start = 0
        while start < asked.count {
            let batch = asked[start..<min(start + Self.parallelAsks, asked.count)]
            start += Self.parallelAsks
            let origins = batch.map { ($0, record.origins[$0].origin) }
            await withTaskGroup(of: (Int, Result<[String], any Error>).self) { group in
                for (index, origin) in origins {
                    group.addTask {
                        do { return (index, .success(try await session.send(NetworkCommands.GetCertificate(origin: origin)).tableNames)) }
                        catch { return (index, .failure(error)) }
                    }
                }
                for await (index, answer) in group { answers[index] = answer }
            }
        }
        var chains: [(origin: String, file: String, pem: String)] = []
        var names = Set<String>()
        for index in https {
            guard var tls = record.origins[index].tls, let answer = answers[index] else { continue }
            let origin = record.origins[index]
            switch answer {
            case .failure(let error):
                tls.chainProblem = "the browser did not give the chain: \(error)"
            case .success(let encoded):
                let read = readChain(encoded, at: moment)
                tls.chain = read.certificates
                tls.chainProblem = read.problem
                guard !read.ders.isEmpty else { break }
                let file = fileName(host: origin.host, port: origin.port, taken: &names)
                let pem = TLSCertificate.pem(read.ders)
                let url = data.appendingPathComponent(file)
                do {
                    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try Data(pem.utf8).write(to: url)
                } catch {
                    throw StepProblem("cannot write \(file) (the chain of \(origin.origin)): \(error)")
                }
                tls.chainFile = file
                chains.append((origin.origin, file, pem))
                let leaf = tls.chain.first
                for c in tls.connections.indices {
                    tls.connections[c].chainLeafMatches = leaf.flatMap { Self.leaf($0, matches: tls.connections[c]) }
                }
            }
            record.origins[index].tls = tls
        }
        if let main = record.mainDocument, let entry = record.origins.first(where: { $0.origin == main.origin }), let tls = entry.tls {
            if let problem = tls.chainProblem {
                context.warn(.archive, "the certificate chain of \(entry.origin), the captured page's origin: \(problem)")
            } else if tls.connections.contains(where: { $0.chainLeafMatches == false }) {
                context.warn(.archive, "the certificate the browser gave for \(entry.origin) is not the one (by its validity dates) "
                    + "every response of that origin came with: the server presented more than one certificate during the capture")
            }
        }
        return ServerProvenance(record: record, chains: chains)
    }

    /// Writes each chain as a `metadata` record (`urn:tls:<origin>`, the PEM as it is in the bag);
    /// the page's own origin's record refers to the page's response record.
    func writeRecords(to writer: WARCWriter, pageResponseID: String?) throws(WebArchiveError) {
        let pageOrigin = record.mainDocument?.origin
        for chain in chains {
            try writer.writeMetadata(targetURI: "urn:tls:" + chain.origin, contentType: "application/pem-certificate-chain",
                                     body: try writer.makeBody(Array(chain.pem.utf8)),
                                     refersTo: chain.origin == pageOrigin ? pageResponseID : nil,
                                     extraFields: [("Exhibit-Chain-File", "data/" + chain.file)])
        }
    }

    /// The chain `Network.getCertificate` answered (base64 DER, leaf first): each certificate's
    /// record, the bytes to keep, and what was wrong with the answer as a whole, if anything.
    static func readChain(_ encoded: [String], at moment: Date) -> (certificates: [Record.Certificate], ders: [[UInt8]], problem: String?) {
        guard !encoded.isEmpty else {
            return ([], [], "the browser held no certificate for this origin when asked after the page loaded")
        }
        let ders = encoded.compactMap { Data(base64Encoded: $0).map { [UInt8]($0) } }
        let notBase64 = encoded.count - ders.count
        return (ders.map { TLSCertificate.read($0, at: moment) }, ders,
                notBase64 == 0 ? nil : "the browser sent \(notBase64) of \(encoded.count) certificate(s) not as base64; left out")
    }

    // MARK: From the traffic

    /// The record without chains: every origin with its responses counted, and the main document.
    static func summarise(_ traffic: RecordedTraffic, pageURL: String) -> Record {
        var origins: [Record.Origin] = []
        var position: [String: Int] = [:]
        for exchange in traffic.exchanges {
            guard let response = exchange.response, let parts = originParts(exchange.url) else { continue }
            let key = "\(parts.scheme)://\(parts.host):\(parts.port)"
            let index: Int
            if let known = position[key] {
                index = known
            } else {
                origins.append(.init(origin: key, scheme: parts.scheme, host: parts.host, port: parts.port, responses: 0, addresses: [],
                                     httpVersions: [], securityStates: [],
                                     tls: parts.scheme == "https" ? .init(connections: [], chain: []) : nil))
                index = origins.count - 1
                position[key] = index
            }
            origins[index].responses += 1
            if let ip = response.remoteIPAddress {
                let port = response.remotePort ?? parts.port
                if let a = origins[index].addresses.firstIndex(where: { $0.ip == ip && $0.port == port }) { origins[index].addresses[a].responses += 1 }
                else { origins[index].addresses.append(.init(ip: ip, port: port, responses: 1)) }
            }
            count(response.protocol ?? "not reported", in: &origins[index].httpVersions)
            count(response.securityState ?? "not reported", in: &origins[index].securityStates)
            if let details = response.securityDetails {
                // An https origin whose URL said so; a plain one that somehow carried TLS details gets them too.
                var tls = origins[index].tls ?? .init(connections: [], chain: [])
                var connection = Self.connection(details)
                if let c = tls.connections.firstIndex(where: { var other = $0; other.responses = 0; return other == connection }) {
                    tls.connections[c].responses += 1
                } else {
                    connection.responses = 1
                    tls.connections.append(connection)
                }
                origins[index].tls = tls
            }
        }
        return Record(mainDocument: mainDocument(traffic, pageURL: pageURL), origins: origins)
    }

    /// The last answered hop at `pageURL` that is not a redirect, with the hops of its request before it.
    private static func mainDocument(_ traffic: RecordedTraffic, pageURL: String) -> Record.MainDocument? {
        guard let index = traffic.exchanges.lastIndex(where: { exchange in
            guard exchange.url == pageURL, let status = exchange.response?.status else { return false }
            return !(300..<400).contains(status)
        }), let response = traffic.exchanges[index].response, let parts = originParts(pageURL) else { return nil }
        let id = traffic.exchanges[index].requestId
        let before = traffic.exchanges[..<index].filter { $0.requestId == id && $0.response != nil }
        return .init(url: pageURL, origin: "\(parts.scheme)://\(parts.host):\(parts.port)", status: response.status,
                     server: hop(traffic.exchanges[index]), redirects: before.isEmpty ? nil : before.map(hop))
    }

    private static func hop(_ exchange: RecordedExchange) -> Record.Hop {
        let response = exchange.response
        return .init(url: exchange.url, status: response?.status ?? 0, ip: response?.remoteIPAddress, port: response?.remotePort,
                     httpVersion: response?.protocol, tls: response?.securityDetails?.protocol)
    }

    private static func count(_ value: String, in counts: inout [Record.Count]) {
        if let i = counts.firstIndex(where: { $0.value == value }) { counts[i].responses += 1 }
        else { counts.append(.init(value: value, responses: 1)) }
    }

    private static func connection(_ d: NetworkCommands.Response.SecurityDetails) -> Record.Connection {
        .init(responses: 0, protocol: d.protocol, cipher: d.cipher, mac: d.mac, keyExchange: d.keyExchange, keyExchangeGroup: d.keyExchangeGroup,
              serverSignatureAlgorithm: d.serverSignatureAlgorithm.map(signatureScheme), encryptedClientHello: d.encryptedClientHello,
              subjectName: d.subjectName, sanList: d.sanList, issuer: d.issuer,
              validFrom: UTCTime.milliseconds(Date(timeIntervalSince1970: d.validFrom)),
              validTo: UTCTime.milliseconds(Date(timeIntervalSince1970: d.validTo)),
              certificateTransparency: .init(compliance: d.certificateTransparencyCompliance, scts: (d.signedCertificateTimestampList ?? []).map {
                  .init(status: $0.status, origin: $0.origin, logDescription: $0.logDescription, logId: $0.logId,
                        timestamp: $0.timestamp.map { UTCTime.milliseconds(Date(timeIntervalSince1970: $0 / 1000)) },
                        hashAlgorithm: $0.hashAlgorithm, signatureAlgorithm: $0.signatureAlgorithm, signatureData: $0.signatureData)
              }))
    }

    /// True when the leaf certificate has the validity dates Chromium reported for the connection
    /// (both to the second); nil when the leaf could not be read.
    static func leaf(_ leaf: Record.Certificate, matches connection: Record.Connection) -> Bool? {
        guard let notBefore = leaf.notBefore, let notAfter = leaf.notAfter else { return nil }
        return notBefore == connection.validFrom && notAfter == connection.validTo
    }

    /// A TLS SignatureScheme code point (RFC 8446 §4.2.3) by name, with the number in hex.
    static func signatureScheme(_ code: Int) -> String {
        let names: [Int: String] = [
            0x0401: "rsa_pkcs1_sha256", 0x0501: "rsa_pkcs1_sha384", 0x0601: "rsa_pkcs1_sha512",
            0x0403: "ecdsa_secp256r1_sha256", 0x0503: "ecdsa_secp384r1_sha384", 0x0603: "ecdsa_secp521r1_sha512",
            0x0804: "rsa_pss_rsae_sha256", 0x0805: "rsa_pss_rsae_sha384", 0x0806: "rsa_pss_rsae_sha512",
            0x0807: "ed25519", 0x0808: "ed448", 0x0809: "rsa_pss_pss_sha256", 0x080a: "rsa_pss_pss_sha384",
            0x080b: "rsa_pss_pss_sha512", 0x0201: "rsa_pkcs1_sha1", 0x0203: "ecdsa_sha1",
        ]
        let hex = "0x" + String(format: "%04x", code & 0xffff)
        return names[code].map { "\($0) (\(hex))" } ?? hex
    }

    /// Scheme, host and port of an http(s) URL, the port written even when it is the default. The
    /// host is kept as the browser wrote it (IPv6 in brackets), so the origin reads like the URL.
    static func originParts(_ url: String) -> (scheme: String, host: String, port: Int)? {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(), scheme == "http" || scheme == "https",
              var host = parts.percentEncodedHost?.lowercased(), !host.isEmpty else { return nil }
        if host.contains(":") && !host.hasPrefix("[") { host = "[\(host)]" }
        return (scheme, host, parts.port ?? (scheme == "https" ? 443 : 80))
    }

    /// `tls/<host>_<port>.pem` with every byte of the host outside `a-z 0-9 . -` made `_`, no
    /// leading dot, at most 100 characters of host, and `-2`, `-3`… when two origins meet in one name.
    /// The host comes from the page (any site it pulls from): it must never name a path.
    static func fileName(host: String, port: Int, taken: inout Set<String>) -> String {
        var safe = String(host.lowercased().unicodeScalars.map { scalar -> Character in
            let c = Character(scalar)
            return ("a"..."z").contains(c) || ("0"..."9").contains(c) || c == "." || c == "-" ? c : "_"
        }.prefix(100))
        if safe.hasPrefix(".") { safe = "_" + safe.dropFirst() }
        if safe.isEmpty { safe = "_" }
        let stem = "\(folder)/\(safe)_\(port)"
        var name = stem + ".pem", n = 1
        while taken.contains(name) {
            n += 1
            name = "\(stem)-\(n).pem"
        }
        taken.insert(name)
        return name
    }
}
