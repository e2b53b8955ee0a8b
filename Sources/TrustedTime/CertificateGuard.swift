import SwiftASN1
import X509

/// Parses certificates found in untrusted tokens without tripping a crash in swift-crypto.
///
/// swift-crypto's `_RSA.Signing.PublicKey(derRepresentation:)` (reached from
/// `Certificate(derEncoded:)`) frees its BoringSSL key in a `catch` and again in `deinit` when a
/// key is malformed, and BoringSSL aborts the process on the double free (found by
/// `scripts/fuzz.sh`; regression input in Tests/EvidenceTests/Fixtures). So an RSA key is checked
/// here first, more strictly than BoringSSL checks it, and a certificate whose key fails is
/// treated as unreadable instead of being handed on.
enum CertificateGuard {
    /// The certificate, or nil if its bytes are not a certificate Exhibit can safely read.
    static func parse(_ node: ASN1Node) -> Certificate? {
        guard rsaKeyIsWellFormed(node) else { return nil }
        return try? Certificate(derEncoded: node)
    }

    /// True unless the certificate carries an RSA key that is not a plain, sane RSAPublicKey.
    static func rsaKeyIsWellFormed(_ certificate: ASN1Node) -> Bool {
        guard var outer = try? DERReader(certificate, "Certificate"),
              var tbs = try? outer.sequence("tbsCertificate") else { return false }
        _ = tbs.optional(.context(0))  // version
        for field in ["serialNumber", "signature", "issuer", "validity", "subject"] {
            guard (try? tbs.next(field)) != nil else { return false }
        }
        guard var spki = try? tbs.sequence("subjectPublicKeyInfo"),
              let algorithm = try? spki.algorithm("algorithm") else { return false }
        guard algorithm == OID.rsaEncryption else { return true }
        guard let bitString = try? spki.next(.bitString, "subjectPublicKey"),
              let bits = try? DERReader.primitive(bitString, "subjectPublicKey"),
              bits.first == 0, let key = try? DER.parse(Array(bits.dropFirst())),
              var rsa = try? DERReader(key, "RSAPublicKey"), key.identifier == .sequence,
              let modulus = try? rsa.integerBytes("modulus"), let exponent = try? rsa.integerBytes("publicExponent"),
              rsa.isAtEnd else { return false }
        return isMinimalPositive(modulus) && isMinimalPositive(exponent)
            && (1024...16384).contains(bitLength(modulus)) && (modulus.last ?? 0) & 1 == 1
            && (2...33).contains(bitLength(exponent)) && (exponent.last ?? 0) & 1 == 1
    }

    private static func isMinimalPositive(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let first = bytes.first, first & 0x80 == 0 else { return false }
        if first == 0 { return bytes.count > 1 && bytes[bytes.index(after: bytes.startIndex)] & 0x80 != 0 }
        return true
    }

    private static func bitLength(_ bytes: ArraySlice<UInt8>) -> Int {
        let significant = bytes.drop { $0 == 0 }
        guard let first = significant.first else { return 0 }
        return (significant.count - 1) * 8 + (8 - first.leadingZeroBitCount)
    }
}
