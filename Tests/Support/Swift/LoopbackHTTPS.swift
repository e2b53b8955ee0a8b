import Foundation

/// An HTTPS server on 127.0.0.1 for the tests, serving a folder with a throwaway self-signed
/// certificate, or a leaf issued by a throwaway CA (`../https/https_server.py`). The browser is told to trust exactly that key with
/// `--ignore-certificate-errors-spki-list`, so everything else about TLS stays as it is.
public final class LoopbackHTTPS: Sendable {
    public let port: Int
    /// Base64 SHA-256 of the certificate's SubjectPublicKeyInfo, for Chromium's SPKI list.
    public let spkiHash: String
    /// Each certificate the server presents, one PEM file each, leaf first.
    public let certificateFiles: [String]
    private let server: LoopbackServer

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("https/https_server.py")

    /// Serves `root`; with `chain`, the server's certificate is issued by a throwaway CA of its
    /// own and the server presents both (leaf, then CA), else it is one self-signed certificate.
    public init(root: URL, chain: Bool = false) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("exhibit-https-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        func openssl(_ arguments: [String]) throws {
            let made = try ProcessRunner.run("/usr/bin/env", ["openssl"] + arguments)
            guard made.status == 0 else { throw NSError(domain: "LoopbackHTTPS", code: 1, userInfo: [NSLocalizedDescriptionKey: made.stderr]) }
        }
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        let cert = path("cert.pem"), key = path("key.pem")
        if chain {
            try openssl(["req", "-x509"] + ec + ["-keyout", path("ca-key.pem"), "-out", path("ca.pem"), "-days", "2",
                         "-subj", "/CN=Exhibit test CA \(UUID().uuidString.prefix(8))", "-addext", "basicConstraints=critical,CA:TRUE",
                         "-addext", "keyUsage=critical,keyCertSign"])
            try openssl(["req"] + ec + ["-keyout", key, "-out", path("leaf.csr"), "-subj", "/CN=127.0.0.1/O=Exhibit test"])
            try Data("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n".utf8).write(to: URL(fileURLWithPath: path("leaf.ext")))
            try openssl(["x509", "-req", "-in", path("leaf.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca-key.pem"), "-CAcreateserial",
                         "-out", path("leaf.pem"), "-days", "2", "-extfile", path("leaf.ext")])
            let served = try Data(contentsOf: URL(fileURLWithPath: path("leaf.pem"))) + Data(contentsOf: URL(fileURLWithPath: path("ca.pem")))
            try served.write(to: URL(fileURLWithPath: cert))
            certificateFiles = [path("leaf.pem"), path("ca.pem")]
        } else {
            try openssl(["req", "-x509"] + ec + ["-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1/O=Exhibit test",
                         "-addext", "subjectAltName=IP:127.0.0.1"])
            certificateFiles = [cert]
        }
        // The leaf's key: the first certificate of cert.pem is what openssl x509 reads.
        let hash = try ProcessRunner.run("/bin/sh", ["-c",
            "openssl x509 -in '\(cert)' -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64"])
        spkiHash = hash.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        server = try LoopbackServer.start(["python3", Self.script.path, root.path, cert, key], name: "HTTPS server")
        port = server.port
    }

    public var baseURL: String { "https://127.0.0.1:\(port)" }
}
