import SwiftASN1

/// A forgiving walk over parsed ASN.1, for structures real TSAs encode loosely.
///
/// swift-asn1's `DER.sequence` insists every child is consumed and `DER.set(of:)` insists on DER
/// ordering; OpenSSL's tokens carry an unsorted certificate SET. So CMS and TSP structures are read
/// child by child here, and every unexpected shape is a ``TimeStampError/malformed(_:)`` naming
/// where it was found. Nothing here traps on bad input.
struct DERReader {
    private(set) var nodes: [ASN1Node]
    private var index = 0
    let context: String

    /// The children of a constructed node.
    init(_ node: ASN1Node, _ context: String) throws {
        guard case .constructed(let children) = node.content else {
            throw TimeStampError.malformed("\(context): expected a constructed value")
        }
        self.nodes = Array(children)
        self.context = context
    }

    var isAtEnd: Bool { index >= nodes.count }

    /// The next child, whatever it is.
    mutating func next(_ what: String) throws -> ASN1Node {
        guard index < nodes.count else { throw TimeStampError.malformed("\(context): \(what) missing") }
        defer { index += 1 }
        return nodes[index]
    }

    /// The next child if it carries `tag`.
    mutating func optional(_ tag: ASN1Identifier) -> ASN1Node? {
        guard index < nodes.count, nodes[index].identifier == tag else { return nil }
        defer { index += 1 }
        return nodes[index]
    }

    /// The next child, which must carry `tag`.
    mutating func next(_ tag: ASN1Identifier, _ what: String) throws -> ASN1Node {
        let node = try next(what)
        guard node.identifier == tag else {
            throw TimeStampError.malformed("\(context): \(what) has tag \(node.identifier), expected \(tag)")
        }
        return node
    }

    mutating func sequence(_ what: String) throws -> DERReader {
        try DERReader(try next(.sequence, what), "\(context).\(what)")
    }

    mutating func integerBytes(_ what: String) throws -> ArraySlice<UInt8> {
        try Self.primitive(try next(.integer, what), "\(context).\(what)")
    }

    mutating func smallInteger(_ what: String) throws -> Int {
        let bytes = try integerBytes(what)
        guard bytes.count <= 4 else { throw TimeStampError.malformed("\(context).\(what): integer too large") }
        var value = 0
        for (offset, byte) in bytes.enumerated() {
            value = offset == 0 && byte & 0x80 != 0 ? Int(Int8(bitPattern: byte)) : value << 8 | Int(byte)
        }
        return value
    }

    mutating func oid(_ what: String) throws -> ASN1ObjectIdentifier {
        do { return try ASN1ObjectIdentifier(derEncoded: try next(.objectIdentifier, what)) }
        catch let error as TimeStampError { throw error }
        catch { throw TimeStampError.malformed("\(context).\(what): bad object identifier") }
    }

    mutating func octets(_ what: String) throws -> ArraySlice<UInt8> {
        try Self.primitive(try next(.octetString, what), "\(context).\(what)")
    }

    /// An AlgorithmIdentifier: its OID (parameters ignored).
    mutating func algorithm(_ what: String) throws -> ASN1ObjectIdentifier {
        var algorithm = try sequence(what)
        return try algorithm.oid("algorithm")
    }

    static func primitive(_ node: ASN1Node, _ context: String) throws -> ArraySlice<UInt8> {
        guard case .primitive(let bytes) = node.content else {
            throw TimeStampError.malformed("\(context): expected a primitive value")
        }
        return bytes
    }

    /// Parses DER, falling back to BER for loosely encoded input.
    static func parse(_ bytes: [UInt8], _ what: String) throws -> ASN1Node {
        if let node = try? DER.parse(bytes) { return node }
        do { return try BER.parse(bytes) }
        catch { throw TimeStampError.malformed("\(what) is not ASN.1: \(error)") }
    }
}

/// Object identifiers used by RFC 3161, CMS and the signature algorithms Exhibit accepts.
enum OID {
    static let signedData: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 7, 2]
    static let tstInfo: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 16, 1, 4]
    static let contentType: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 3]
    static let messageDigest: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 4]
    static let signingCertificate: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 16, 2, 12]
    static let signingCertificateV2: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 16, 2, 47]
    static let sha1: ASN1ObjectIdentifier = [1, 3, 14, 3, 2, 26]
    static let sha256: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 1]
    static let sha384: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 2]
    static let sha512: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 3]
    static let rsaEncryption: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 1]
    static let rsaPSS: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 10]
    static let sha256WithRSA: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 11]
    static let sha384WithRSA: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 12]
    static let sha512WithRSA: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 13]
    static let ecdsaSHA256: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 2]
    static let ecdsaSHA384: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 3]
    static let ecdsaSHA512: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 4]
}

extension ASN1Identifier {
    /// `[n]` context-specific, constructed (EXPLICIT tags and IMPLICIT SETs).
    static func context(_ n: UInt) -> ASN1Identifier { ASN1Identifier(tagWithNumber: n, tagClass: .contextSpecific) }
}
