import Crypto
import Foundation

/// Ed25519 keys and signatures over a bag's `manifest-sha256.txt`.
///
/// Keys are written as standard PEM (PKCS#8 private key, SubjectPublicKeyInfo public key), so
/// `openssl pkeyutl -verify -rawin` can check a signature without Exhibit.
public enum BagSigner {
    /// Where the signature and the public key go inside a bag (tag files).
    public static let signatureFile = "signature/manifest-sha256.txt.sig"
    public static let publicKeyFile = "signature/public-key.pem"

    private static let pkcs8Prefix: [UInt8] = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
    private static let spkiPrefix: [UInt8] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]

    /// Makes a key pair and writes `<base>.key` (private, mode 0600) and `<base>.pub.pem`.
    public static func generateKeyPair(base: String) throws -> (privateKey: String, publicKey: String, fingerprint: String) {
        let key = Curve25519.Signing.PrivateKey()
        let privatePath = base + ".key", publicPath = base + ".pub.pem"
        for path in [privatePath, publicPath] where FileManager.default.fileExists(atPath: path) {
            throw EvidenceError.unwritable(path: path, reason: "exists already; not overwriting a key")
        }
        let privatePEM = pem("PRIVATE KEY", pkcs8Prefix + key.rawRepresentation)
        // Created 0600 and exclusively by open(2) itself: there is no moment at which another user
        // could read the key (a write-then-chmod or a temporary file renamed into place leaves one).
        let descriptor = open(privatePath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw EvidenceError.unwritable(path: privatePath, reason: String(cString: strerror(errno))) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: Data(privatePEM.utf8))
            try handle.synchronize()
        } catch {
            try? FileManager.default.removeItem(atPath: privatePath)
            throw EvidenceError.unwritable(path: privatePath, reason: "\(error)")
        }
        do { try Data(publicPEM(key.publicKey).utf8).write(to: URL(fileURLWithPath: publicPath)) }
        catch { throw EvidenceError.unwritable(path: publicPath, reason: "\(error)") }
        return (privatePath, publicPath, fingerprint(key.publicKey))
    }

    /// Reads a private key written by ``generateKeyPair(base:)`` (or any PKCS#8 Ed25519 PEM).
    public static func loadPrivateKey(_ path: String) throws -> Curve25519.Signing.PrivateKey {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw EvidenceError.unreadable(path: path, reason: "cannot read the signing key")
        }
        guard let der = derFromPEM(text, label: "PRIVATE KEY"), der.count == 48, Array(der.prefix(16)) == pkcs8Prefix,
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: der.suffix(32)) else {
            throw EvidenceError.unreadable(path: path, reason: "not an Ed25519 private key in PKCS#8 PEM")
        }
        return key
    }

    static func publicKey(fromPEM text: String) -> Curve25519.Signing.PublicKey? {
        guard let der = derFromPEM(text, label: "PUBLIC KEY"), der.count == 44, Array(der.prefix(12)) == spkiPrefix else { return nil }
        return try? Curve25519.Signing.PublicKey(rawRepresentation: der.suffix(32))
    }

    /// SHA-256 of the SubjectPublicKeyInfo DER, hex: what `verify` prints to identify the signer.
    /// A key's fingerprint from what a user gives: the fingerprint itself (`SHA256:` and 64 hex
    /// digits), or the path of a public key PEM file.
    public static func fingerprint(ofKeyOrFingerprint given: String) throws -> String {
        if given.hasPrefix("SHA256:") {
            let hex = given.dropFirst("SHA256:".count)
            guard hex.count == 64, hex.allSatisfy(\.isHexDigit) else {
                throw EvidenceError.unreadable(path: given, reason: "not a fingerprint (SHA256: and 64 hex digits)")
            }
            return "SHA256:" + hex.lowercased()
        }
        guard let text = try? String(contentsOfFile: given, encoding: .utf8), let key = publicKey(fromPEM: text) else {
            throw EvidenceError.unreadable(path: given, reason: "not an Ed25519 public key PEM file, nor a SHA256: fingerprint")
        }
        return fingerprint(key)
    }

    public static func fingerprint(_ key: Curve25519.Signing.PublicKey) -> String {
        "SHA256:" + FileDigest.sha256Hex(spkiPrefix + key.rawRepresentation)
    }

    /// Signs the bag's `manifest-sha256.txt` and stores the signature and public key as tag files.
    /// `rewriteTagManifests: false` leaves the tag manifests to the caller, as for ``BagStamper``.
    public static func sign(bag root: URL, with key: Curve25519.Signing.PrivateKey, rewriteTagManifests: Bool = true) throws -> String {
        let manifest = try BagStamper.manifestBytes(root)
        let signature = try key.signature(for: manifest)
        let folder = root.appendingPathComponent("signature")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try signature.write(to: root.appendingPathComponent(signatureFile))
            try Data(publicPEM(key.publicKey).utf8).write(to: root.appendingPathComponent(publicKeyFile))
        } catch { throw EvidenceError.unwritable(path: folder.path, reason: "\(error)") }
        if rewriteTagManifests { try BagWriter(root: root).writeTagManifests() }
        return fingerprint(key.publicKey)
    }

    static func publicPEM(_ key: Curve25519.Signing.PublicKey) -> String { pem("PUBLIC KEY", spkiPrefix + key.rawRepresentation) }

    /// `der` as one PEM block labelled `label`, 64 characters a line.
    package static func pem(_ label: String, _ der: [UInt8]) -> String {
        let base64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(label)-----\n\(base64)\n-----END \(label)-----\n"
    }

    private static func derFromPEM(_ text: String, label: String) -> [UInt8]? {
        guard let start = text.range(of: "-----BEGIN \(label)-----"), let end = text.range(of: "-----END \(label)-----"),
              start.upperBound <= end.lowerBound else { return nil }
        let body = text[start.upperBound..<end.lowerBound].filter { !$0.isWhitespace }
        return Data(base64Encoded: String(body)).map(Array.init)
    }
}
