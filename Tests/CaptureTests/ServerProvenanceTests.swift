@testable import Capture
import DevTools
import ExhibitTestSupport
import Foundation
import Testing
import WebArchive

/// capture.json's `networkProvenance`, `data/tls/*.pem` and the WARC's `urn:tls:` records, from a
/// real Chromium over real TLS on loopback, checked against the server's own certificate files
/// with openssl (a tool that is not Exhibit).
@Suite("Server and certificate provenance", .hangGuard)
struct ServerProvenanceTests {
    /// The SHA-256 fingerprint openssl gives for the first certificate of `pem` (a file or the
    /// text of one block), as lower-case hex without colons.
    static func opensslFingerprint(file: String) async throws -> String {
        let run = try await TestSupport.run("/usr/bin/env", ["openssl", "x509", "-in", file, "-noout", "-fingerprint", "-sha256"])
        #expect(run.status == 0, "\(run.stderr)")
        let value = run.stdout.split(separator: "=", maxSplits: 1).last.map(String.init) ?? ""
        return value.replacingOccurrences(of: ":", with: "").trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// The PEM blocks of `text`, each as a file of its own (openssl x509 reads only the first block of a file).
    static func splitPEM(_ text: String, into folder: URL) throws -> [String] {
        let blocks = text.components(separatedBy: "-----END CERTIFICATE-----").dropLast()
        return try blocks.enumerated().map { index, block in
            let path = folder.appendingPathComponent("block-\(index).pem").path
            try Data((block.trimmingCharacters(in: .whitespacesAndNewlines) + "\n-----END CERTIFICATE-----\n").utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
    }

    @Test("an HTTPS capture records the chain the server sent, leaf first, byte for byte as openssl reads the server's files")
    func httpsChainRecorded() async throws {
        // A second origin (its own self-signed key) serves the page's picture, so two chains are recorded.
        let pictures = try LoopbackHTTPS(root: TestSupport.fixtures.appendingPathComponent("sample-thread"))
        let root = TestSupport.temporaryFolder("tls-root")
        try Data("""
            <!DOCTYPE html><html><head><meta charset="utf-8"><title>TLS provenance</title></head>
            <body><article><h1>A post served over TLS</h1><p>Its picture comes from another origin.</p>
            <img src="\(pictures.baseURL)/media/avatar-anouk.svg" width="40" height="40" alt="avatar"></article></body></html>
            """.utf8).write(to: root.appendingPathComponent("index.html"))
        let page = try LoopbackHTTPS(root: root, chain: true)
        let out = TestSupport.temporaryFolder("tls")
        let run = try await TestSupport.exhibit(["capture", page.baseURL + "/index.html", "--out", out.path, "--quiet", "--warc",
                                                 "--browser-arg=--ignore-certificate-errors-spki-list=\(page.spkiHash),\(pictures.spkiHash)"])
        #expect(run.status == 0, "\(run.stderr)")
        let folder = out.appendingPathComponent(try #require(TestSupport.visibleFolders(in: out).first))
        let record = try TestSupport.decodeRecord(folder)
        let provenance = try #require(record.networkProvenance)

        // The main document: which server answered, at which address, over which version.
        let main = try #require(provenance.mainDocument)
        #expect(main.origin == "https://127.0.0.1:\(page.port)" && main.status == 200)
        #expect(main.server.ip == "127.0.0.1" && main.server.port == page.port)
        #expect(main.server.httpVersion == "http/1.0", "Python's http.server answers HTTP/1.0")
        #expect(main.server.tls == "TLS 1.3")
        let origin = try #require(provenance.origins.first { $0.origin == main.origin })
        #expect(origin.scheme == "https" && origin.host == "127.0.0.1" && origin.port == page.port)
        #expect(origin.addresses.contains { $0.ip == "127.0.0.1" && $0.port == page.port })
        let tls = try #require(origin.tls)
        let connection = try #require(tls.connections.first)
        #expect(connection.protocol == "TLS 1.3" && !connection.cipher.isEmpty)
        #expect(connection.keyExchangeGroup?.isEmpty == false)
        #expect(connection.serverSignatureAlgorithm == "ecdsa_secp256r1_sha256 (0x0403)", "a P-256 key signs with this scheme in TLS 1.3")
        #expect(connection.subjectName == "127.0.0.1" && connection.issuer.hasPrefix("Exhibit test CA"))
        #expect(connection.certificateTransparency.compliance != nil)
        #expect(connection.chainLeafMatches == true)
        #expect(tls.chainProblem == nil)

        // The chain equals the server's certificate files, by openssl's own fingerprints.
        var expected: [String] = []
        for file in page.certificateFiles { expected.append(try await Self.opensslFingerprint(file: file)) }
        #expect(expected.count == 2)
        #expect(tls.chain.map(\.sha256) == expected)
        let leaf = try #require(tls.chain.first), ca = try #require(tls.chain.last)
        #expect(leaf.subject == "O=Exhibit test,CN=127.0.0.1" && leaf.issuer == ca.subject && ca.issuer == ca.subject)
        #expect(leaf.publicKey == "EC P-256" && leaf.signatureAlgorithm == "ecdsa-with-SHA256")
        #expect(leaf.atCapture == "valid" && leaf.problem == nil)
        #expect(leaf.notBefore == connection.validFrom && leaf.notAfter == connection.validTo)

        // The PEM file in the bag: openssl reads every block of it, and they are the same certificates.
        let chainFile = try #require(tls.chainFile)
        #expect(chainFile == "tls/127.0.0.1_\(page.port).pem")
        let pemPath = folder.appendingPathComponent("data").appendingPathComponent(chainFile)
        let pem = try String(contentsOf: pemPath, encoding: .utf8)
        var inFile: [String] = []
        for block in try Self.splitPEM(pem, into: TestSupport.temporaryFolder("tls-blocks")) {
            inFile.append(try await Self.opensslFingerprint(file: block))
        }
        #expect(inFile == expected)

        // The picture's origin is recorded with its own chain.
        let other = try #require(provenance.origins.first { $0.origin == "https://127.0.0.1:\(pictures.port)" })
        #expect(other.tls?.chain.map(\.sha256) == [try await Self.opensslFingerprint(file: pictures.certificateFiles[0])])
        #expect(other.tls?.chainFile == "tls/127.0.0.1_\(pictures.port).pem")

        // The chains are payload: listed in capture.json's files and the manifest, so bagit and verify check them.
        #expect(record.files.contains { $0.name == chainFile && $0.mediaType == "application/pem-certificate-chain" })
        let manifest = try String(contentsOf: folder.appendingPathComponent("manifest-sha256.txt"), encoding: .utf8)
        #expect(manifest.contains("  data/\(chainFile)\n"))
        let bagit = try await TestSupport.run("/usr/bin/env", ["python3", "-m", "bagit", "--validate", folder.path])
        #expect(bagit.status == 0, "\(bagit.stderr)")
        let verify = try await TestSupport.exhibit(["verify", folder.path])
        #expect(verify.status == 0 && verify.stdout.contains("verdict: VALID"), "\(verify.stdout)")

        // The WARC holds each chain as a metadata record whose block is the PEM file as it is.
        let warc = try WARCReader(path: folder.appendingPathComponent("data/archive.warc.gz").path)
        var tlsRecords: [String: [UInt8]] = [:]
        while true {
            var block: [UInt8] = []
            guard let info = try warc.next(block: { block += $0 }) else { break }
            if info.type == "metadata", let uri = info.targetURI, uri.hasPrefix("urn:tls:") { tlsRecords[uri] = block }
        }
        #expect(tlsRecords["urn:tls:" + main.origin] == Array(pem.utf8))
        #expect(tlsRecords.count == 2)

        // The record still matches the published schema.
        let schema = TestSupport.packageRoot.appendingPathComponent("Schemas/capture.schema.json").path
        let check = try await TestSupport.run("/usr/bin/env", ["python3", "-c", """
            import json, sys, jsonschema
            jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
            print("valid")
            """, folder.appendingPathComponent("data/capture.json").path, schema])
        #expect(check.status == 0 && check.stdout.contains("valid"), "\(check.stderr)")

        // The report shows the server's address, the connection and each fingerprint.
        let report = try await ReportParser.parse(folder.appendingPathComponent("report.html"))
        #expect(report.text.contains("Server and certificate"))
        #expect(report.text.contains("127.0.0.1 port \(page.port)"))
        #expect(report.text.contains("TLS 1.3, \(connection.cipher)"))
        for fingerprint in expected { #expect(report.text.contains(fingerprint), "\(fingerprint) not in the report") }
        #expect(report.text.contains("O=Exhibit test,CN=127.0.0.1"))
        #expect(report.emptyCells == 0)
    }

    @Test("a plain-HTTP capture records the server's address and says there was no TLS")
    func plainHTTP() async throws {
        let base = try await TestSupport.baseURL()
        let out = TestSupport.temporaryFolder("plain")
        let run = try await TestSupport.exhibit(["capture", base + "/sample-thread/", "--out", out.path, "--quiet", "--warc"])
        #expect(run.status == 0, "\(run.stderr)")
        let folder = out.appendingPathComponent(try #require(TestSupport.visibleFolders(in: out).first))
        let record = try TestSupport.decodeRecord(folder)
        let provenance = try #require(record.networkProvenance)
        let main = try #require(provenance.mainDocument)
        let port = try #require(URLComponents(string: base)?.port)
        #expect(main.server.ip == "127.0.0.1" && main.server.port == port && main.server.tls == nil)
        #expect(provenance.origins.allSatisfy { $0.tls == nil && $0.scheme == "http" })
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("data/tls").path))
        let report = try await ReportParser.parse(folder.appendingPathComponent("report.html"))
        #expect(report.text.contains("no TLS (plain HTTP)"))
        #expect(report.text.contains("127.0.0.1 port \(port)"))
        #expect(report.emptyCells == 0)
    }

    @Test("networkProvenance comes with the recorded traffic and only with it; without it the report says so")
    func onlyWithTraffic() async throws {
        // The shared sample capture, whatever the default for recording traffic is when this runs.
        let result = try await SampleCapture.result.value
        #expect((result.record.networkProvenance == nil) == (result.record.archive == nil))
        if result.record.archive == nil {
            let html = try String(contentsOf: result.folder.appendingPathComponent("report.html"), encoding: .utf8)
            #expect(html.contains("not recorded: the capture did not record its traffic (--warc)"))
        }
    }
}

/// The certificate reader and the chain handling on hostile input: never a trap, always the words.
@Suite("TLS certificate reading")
struct TLSCertificateReadingTests {
    static let moment = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("garbage, empty, truncated and wrongly shaped bytes are an unreadable certificate with their fingerprint")
    func hostileBytes() {
        let cases: [(String, [UInt8])] = [
            ("empty", []),
            ("garbage", Array("not a certificate at all".utf8)),
            ("a lone SEQUENCE header", [0x30, 0x82, 0xff, 0xff]),
            ("an empty SEQUENCE", [0x30, 0x00]),
            ("an INTEGER", [0x02, 0x01, 0x05]),
            ("three NULLs in a SEQUENCE", [0x30, 0x06, 0x05, 0x00, 0x05, 0x00, 0x05, 0x00]),
            ("deep nesting", Array(repeating: [0x30, 0x80], count: 5000).flatMap { $0 }),
        ]
        for (name, bytes) in cases {
            let record = TLSCertificate.read(bytes, at: Self.moment)
            #expect(record.problem?.hasPrefix("unreadable certificate: ") == true, "\(name): \(String(describing: record.problem))")
            #expect(record.sha256.count == 64 && record.size == bytes.count, "\(name)")
            #expect(record.subject == nil && record.notAfter == nil && record.atCapture == nil, "\(name)")
        }
    }

    @Test("a real certificate cut short, or with one byte changed in its validity, is unreadable, never a wrong date")
    func damagedCertificate() async throws {
        let der = try await Self.realCertificate()
        let whole = TLSCertificate.read(der, at: Self.moment)
        #expect(whole.problem == nil && whole.subject == "CN=damaged.example")
        for cut in [1, der.count / 2, der.count - 1] {
            let record = TLSCertificate.read(Array(der.prefix(cut)), at: Self.moment)
            #expect(record.problem?.hasPrefix("unreadable certificate: ") == true, "cut at \(cut)")
        }
        // The first UTCTime (tag 0x17, 13 bytes "YYMMDDHHMMSSZ") is notBefore: a month of 13 is no time.
        let start = try #require(der.indices.dropLast().first { der[$0] == 0x17 && der[$0 + 1] == 0x0d })
        var bad = der
        (bad[start + 4], bad[start + 5]) = (UInt8(ascii: "1"), UInt8(ascii: "3"))
        let record = TLSCertificate.read(bad, at: Self.moment)
        #expect(record.problem?.hasPrefix("unreadable certificate: ") == true, "\(String(describing: record.notBefore))")
    }

    @Test("an empty answer, and entries that are not base64, are said so for the chain")
    func hostileChains() {
        let empty = ServerProvenance.readChain([], at: Self.moment)
        #expect(empty.certificates.isEmpty && empty.ders.isEmpty)
        #expect(empty.problem == "the browser held no certificate for this origin when asked after the page loaded")
        let mixed = ServerProvenance.readChain(["%%%not base64%%%", Data("garbage".utf8).base64EncodedString()], at: Self.moment)
        #expect(mixed.certificates.count == 1 && mixed.ders == [Array("garbage".utf8)])
        #expect(mixed.certificates[0].problem?.hasPrefix("unreadable certificate: ") == true)
        #expect(mixed.problem == "the browser sent 1 of 2 certificate(s) not as base64; left out")
    }

    @Test("a hostile host name never leaves data/tls/ and two origins never share a file")
    func fileNames() {
        var taken = Set<String>()
        let hosts = ["../../etc", "..", ".hidden", "a/b", "[::1]", "xn--bcher-kva.example", "EXAMPLE.org", "a\u{0}b", "ünïcode", "",
                     String(repeating: "a", count: 500), "a_b", "a/b"]
        let names = hosts.map { ServerProvenance.fileName(host: $0, port: 443, taken: &taken) }
        #expect(Set(names).count == names.count)
        for name in names {
            #expect(name.hasPrefix("tls/") && name.hasSuffix(".pem"))
            let file = name.dropFirst(4)
            #expect(!file.contains("/") && !file.hasPrefix(".") && file.count <= 100 + 12, "\(name)")
            #expect(file.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }, "\(name)")
        }
        #expect(names[5] == "tls/xn--bcher-kva.example_443.pem" && names[6] == "tls/example.org_443.pem")
        #expect(names[4] == "tls/___1__443.pem")
        #expect(names[12] == "tls/a_b_443-4.pem", "a/b, a\\0b and a_b came before it")
    }

    @Test("origins keep the port and the host as the browser wrote it")
    func origins() {
        for (url, expected) in [("https://Example.org/x", "https://example.org:443"), ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
                                ("https://[::1]:8443/a", "https://[::1]:8443")] {
            let parts = ServerProvenance.originParts(url)
            #expect(parts.map { "\($0.scheme)://\($0.host):\($0.port)" } == expected)
        }
        #expect(ServerProvenance.originParts("data:text/plain,x") == nil)
        #expect(ServerProvenance.signatureScheme(0x0804) == "rsa_pss_rsae_sha256 (0x0804)")
        #expect(ServerProvenance.signatureScheme(0xfefe) == "0xfefe")
    }

    /// A self-signed certificate made by openssl, as DER.
    static func realCertificate() async throws -> [UInt8] {
        let folder = TestSupport.temporaryFolder("cert")
        let pem = folder.appendingPathComponent("c.pem").path, der = folder.appendingPathComponent("c.der").path
        let made = try await TestSupport.run("/usr/bin/env", ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                                             "-nodes", "-keyout", folder.appendingPathComponent("k.pem").path, "-out", pem,
                                                             "-days", "1", "-subj", "/CN=damaged.example"])
        #expect(made.status == 0, "\(made.stderr)")
        let converted = try await TestSupport.run("/usr/bin/env", ["openssl", "x509", "-in", pem, "-outform", "der", "-out", der])
        #expect(converted.status == 0, "\(converted.stderr)")
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: der)))
    }
}

extension SampleBag {
    /// A main document reached over one redirect, its origin's chain a readable leaf with a
    /// hostile subject and an unreadable second certificate, plus a second origin.
    static func provenance(subject: String = "CN=www.example.org") -> CaptureRecord.NetworkProvenance {
        typealias P = CaptureRecord.NetworkProvenance
        let connection = P.Connection(responses: 3, protocol: "TLS 1.3", cipher: "AES_128_GCM", mac: nil, keyExchange: "", keyExchangeGroup: "X25519",
                                      serverSignatureAlgorithm: "rsa_pss_rsae_sha256 (0x0804)", encryptedClientHello: false,
                                      subjectName: "www.example.org", sanList: ["www.example.org"], issuer: "Example CA",
                                      validFrom: "2026-01-01T00:00:00.000Z", validTo: "2027-01-01T00:00:00.000Z",
                                      certificateTransparency: .init(compliance: "compliant", scts: [
                                          .init(status: "Verified", origin: "Embedded in certificate", logDescription: "Example 'Log'", logId: "ab",
                                                timestamp: "2026-01-01T00:00:00.000Z", hashAlgorithm: "SHA-256", signatureAlgorithm: "ECDSA", signatureData: "cd")]),
                                      chainLeafMatches: true)
        let leaf = P.Certificate(sha256: String(repeating: "a", count: 64), size: 1200, subject: subject, issuer: "CN=Example CA",
                                 serialNumber: "01", notBefore: "2026-01-01T00:00:00.000Z", notAfter: "2027-01-01T00:00:00.000Z",
                                 atCapture: "valid", publicKey: "RSA", signatureAlgorithm: "sha256WithRSAEncryption")
        let garbage = P.Certificate(sha256: String(repeating: "b", count: 64), size: 5, problem: "unreadable certificate: not DER (too short)")
        return P(mainDocument: .init(url: "https://www.example.org/post/1", origin: "https://www.example.org:443", status: 200,
                                     server: .init(url: "https://www.example.org/post/1", status: 200, ip: "2001:db8::1", port: 443, httpVersion: "h2", tls: "TLS 1.3"),
                                     redirects: [.init(url: "http://www.example.org/post/1", status: 301, ip: "192.0.2.1", port: 80, httpVersion: "http/1.1")]),
                 origins: [
                    .init(origin: "http://www.example.org:80", scheme: "http", host: "www.example.org", port: 80, responses: 1,
                          addresses: [.init(ip: "192.0.2.1", port: 80, responses: 1)], httpVersions: [.init(value: "http/1.1", responses: 1)],
                          securityStates: [.init(value: "insecure", responses: 1)]),
                    .init(origin: "https://www.example.org:443", scheme: "https", host: "www.example.org", port: 443, responses: 3,
                          addresses: [.init(ip: "2001:db8::1", port: 443, responses: 3)], httpVersions: [.init(value: "h2", responses: 3)],
                          securityStates: [.init(value: "secure", responses: 3)],
                          tls: .init(connections: [connection], chainFile: "tls/www.example.org_443.pem", chain: [leaf, garbage])),
                 ])
    }
}

/// The report's "Server and certificate" section, from records made by hand.
@Suite("The report's server and certificate section")
struct ServerReportTests {
    @Test("the chain is listed leaf first with each fingerprint, an unreadable certificate said so, hostile names inert")
    func chainShown() throws {
        var record = SampleBag.record()
        record.networkProvenance = SampleBag.provenance(subject: "CN=<script>alert(1)</script>")
        let html = try CaptureReport.render(bag: SampleBag.write(record, post: SampleBag.post()))
        #expect(SampleBag.cell("Server address", in: html) == "2001:db8::1 port 443")
        #expect(SampleBag.cell("HTTP version", in: html) == "h2")
        #expect(SampleBag.cell("Redirects before it", in: html) == "http://www.example.org/post/1 (301) from 192.0.2.1 port 80")
        #expect(SampleBag.cell("TLS", in: html) == "TLS 1.3, AES_128_GCM, key exchange X25519, server signature rsa_pss_rsae_sha256 (0x0804)")
        #expect(SampleBag.cell("Certificate Transparency", in: html)
                == "Chromium&#39;s verdict: compliant; 1 SCT(s): Example &#39;Log&#39; (Embedded in certificate, Verified)")
        #expect(SampleBag.cell("Other origins", in: html)?.hasPrefix("1 more origin(s) answered the page") == true)
        #expect(html.contains("<tr><td>1 (leaf)</td><td>CN=&lt;script&gt;alert(1)&lt;/script&gt;</td><td>CN=Example CA</td>"))
        #expect(html.contains("<td class=\"hash fingerprint\">\(String(repeating: "a", count: 64))</td>"))
        #expect(html.contains("<tr><td>2</td><td><em>unreadable certificate: not DER (too short)</em></td><td><em>unreadable</em></td>"))
        #expect(html.contains("<td class=\"hash fingerprint\">\(String(repeating: "b", count: 64))</td>"))
        #expect(!html.contains("<script>"))
    }

    @Test("a chain the browser did not give, and a plain-HTTP page, are said in words")
    func noChain() throws {
        var record = SampleBag.record()
        var provenance = SampleBag.provenance()
        provenance.origins[1].tls?.chain = []
        provenance.origins[1].tls?.chainFile = nil
        provenance.origins[1].tls?.chainProblem = "the browser held no certificate for this origin when asked after the page loaded"
        record.networkProvenance = provenance
        let html = try CaptureReport.render(bag: SampleBag.write(record, post: SampleBag.post()))
        #expect(SampleBag.cell("Certificate chain", in: html)
                == "<em>the browser held no certificate for this origin when asked after the page loaded</em>")
        #expect(!html.contains("SHA-256 fingerprint"))

        provenance.mainDocument?.origin = "http://www.example.org:80"
        provenance.mainDocument?.redirects = nil
        record.networkProvenance = provenance
        let plain = try CaptureReport.render(bag: SampleBag.write(record, post: SampleBag.post()))
        #expect(SampleBag.cell("TLS", in: plain) == "no TLS (plain HTTP)")
        #expect(SampleBag.cell("Redirects before it", in: plain) == nil)
    }
}
