import Foundation

/// A real RFC 3161 TSA on 127.0.0.1 for the tests: a throwaway OpenSSL PKI (`../tsa/make-pki.sh`)
/// and `openssl ts -reply` behind a small HTTP server (`../tsa/tsa_server.py`). Started once per
/// test process; the server exits when this process does (its standard input closes).
public final class LoopbackTSA: Sendable {
    /// The shared instance.
    public static let shared = Task { try LoopbackTSA() }

    /// Folder holding the PKI (ca.crt, other-ca.crt, tsa-*.crt, openssl-tsa.cnf).
    public let folder: URL
    public let port: Int
    private let server: LoopbackServer

    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("tsa")

    private init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("exhibit-tsa-\(UUID().uuidString.prefix(8))")
        try Self.shell(Self.scripts.appendingPathComponent("make-pki.sh").path, [folder.path])
        server = try LoopbackServer.start(["python3", Self.scripts.appendingPathComponent("tsa_server.py").path, folder.path],
                                          name: "TSA server")
        port = server.port
    }

    /// The URL of one of the server's TSAs or failure modes (`rsa`, `ec`, `other`, `short`,
    /// `wrong-nonce`, `http500`, `garbage`, `reject`, `slow`).
    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)/\(path)" }

    /// The test root every good TSA chains to.
    public var caFile: String { folder.appendingPathComponent("ca.crt").path }
    /// A root nobody trusts, with the `other` TSA under it.
    public var otherCAFile: String { folder.appendingPathComponent("other-ca.crt").path }

    /// Issues the `short` TSA a certificate that expires `seconds` from now.
    public func makeShortLivedCertificate(seconds: Int) throws {
        try Self.shell(Self.scripts.appendingPathComponent("make-pki.sh").path, [folder.path, "short", String(seconds)])
    }

    static func shell(_ executable: String, _ arguments: [String]) throws {
        let result = try ProcessRunner.run(executable, arguments)
        guard result.status == 0 else {
            throw NSError(domain: "LoopbackTSA", code: Int(result.status),
                          userInfo: [NSLocalizedDescriptionKey: "\(executable) failed: \(result.stderr)"])
        }
    }
}
