import Foundation

/// An HTTPS server on 127.0.0.1 for the tests, serving a folder with a throwaway self-signed
/// certificate (`../https/https_server.py`). The browser is told to trust exactly that key with
/// `--ignore-certificate-errors-spki-list`, so everything else about TLS stays as it is.
public final class LoopbackHTTPS: Sendable {
    public let port: Int
    /// Base64 SHA-256 of the certificate's SubjectPublicKeyInfo, for Chromium's SPKI list.
    public let spkiHash: String
    private let server: LoopbackServer

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("https/https_server.py")

    public init(root: URL) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("exhibit-https-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cert = folder.appendingPathComponent("cert.pem").path, key = folder.appendingPathComponent("key.pem").path
        let made = try ProcessRunner.run("/usr/bin/env", ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                                          "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1/O=Exhibit test",
                                                          "-addext", "subjectAltName=IP:127.0.0.1"])
        guard made.status == 0 else { throw NSError(domain: "LoopbackHTTPS", code: 1, userInfo: [NSLocalizedDescriptionKey: made.stderr]) }
        let hash = try ProcessRunner.run("/bin/sh", ["-c",
            "openssl x509 -in '\(cert)' -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64"])
        spkiHash = hash.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        server = try LoopbackServer.start(["python3", Self.script.path, root.path, cert, key], name: "HTTPS server")
        port = server.port
    }

    public var baseURL: String { "https://127.0.0.1:\(port)" }
}
