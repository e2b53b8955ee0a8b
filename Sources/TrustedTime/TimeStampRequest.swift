import Crypto
import SwiftASN1

/// An RFC 3161 `TimeStampReq` over a SHA-256 digest, with a random 64-bit nonce and `certReq`.
public struct TimeStampRequest: Sendable, Equatable {
    /// The SHA-256 digest being stamped.
    public let digest: [UInt8]
    /// The nonce as DER INTEGER content bytes (positive, minimal).
    public let nonce: [UInt8]
    /// Whether the TSA is asked to include its certificate.
    public let certReq: Bool

    /// A request for `digest` (32 bytes of SHA-256) with a fresh random nonce.
    public init(sha256 digest: [UInt8], certReq: Bool = true) {
        var random = SystemRandomNumberGenerator()
        self.init(sha256: digest, nonce: Self.integerBytes(random.next() as UInt64), certReq: certReq)
    }

    init(sha256 digest: [UInt8], nonce: [UInt8], certReq: Bool) {
        self.digest = digest
        self.nonce = nonce
        self.certReq = certReq
    }

    /// Minimal positive DER INTEGER content for `value` (a 0x00 is prefixed when the high bit is set).
    static func integerBytes(_ value: UInt64) -> [UInt8] {
        var bytes = withUnsafeBytes(of: value.bigEndian, Array.init)
        while bytes.count > 1, bytes[0] == 0, bytes[1] & 0x80 == 0 { bytes.removeFirst() }
        if bytes[0] & 0x80 != 0 { bytes.insert(0, at: 0) }
        return bytes
    }

    /// The DER bytes to POST as `application/timestamp-query` (and to keep as the `.tsq`).
    public func derEncoded() throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.appendConstructedNode(identifier: .sequence) { request in
            try request.serialize(1)
            try request.appendConstructedNode(identifier: .sequence) { imprint in
                try imprint.appendConstructedNode(identifier: .sequence) { algorithm in
                    try algorithm.serialize(OID.sha256)
                    try algorithm.serialize(ASN1Null())
                }
                try imprint.serialize(ASN1OctetString(contentBytes: ArraySlice(digest)))
            }
            request.appendPrimitiveNode(identifier: .integer) { $0.append(contentsOf: nonce) }
            // DER omits a BOOLEAN equal to its DEFAULT (FALSE).
            if certReq { try request.serialize(true) }
        }
        return serializer.serializedBytes
    }

    /// Reads a stored `.tsq` back (to learn the nonce and digest a token must echo).
    public init(derEncoded bytes: [UInt8]) throws {
        var request = try DERReader(try DERReader.parse(bytes, "timestamp query"), "TimeStampReq")
        guard try request.smallInteger("version") == 1 else { throw TimeStampError.malformed("TimeStampReq: version is not 1") }
        var imprint = try request.sequence("messageImprint")
        guard try imprint.algorithm("hashAlgorithm") == OID.sha256 else {
            throw TimeStampError.malformed("TimeStampReq: only SHA-256 queries are written by Exhibit")
        }
        let digest = Array(try imprint.octets("hashedMessage"))
        var nonce: [UInt8] = []
        var certReq = false
        while !request.isAtEnd {
            let node = try request.next("field")
            if node.identifier == .integer { nonce = Array(try DERReader.primitive(node, "nonce")) }
            if node.identifier == .boolean { certReq = (try? Bool(derEncoded: node)) ?? false }
        }
        self.init(sha256: digest, nonce: nonce, certReq: certReq)
    }
}
