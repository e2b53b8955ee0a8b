import Foundation
import SwiftASN1
import X509

/// A parsed RFC 3161 `TimeStampResp`: the TSA's status and, when granted, the token's parts.
///
/// Parsing is tolerant where real TSAs are loose (unsorted certificate SET, BER quirks, SHA-1
/// ESSCertID) and never traps: any unexpected shape throws ``TimeStampError/malformed(_:)``.
/// Parsing checks structure only; ``TimeStampVerifier`` checks what carries security.
public struct TimeStampResponse: Sendable {
    /// PKIStatus: 0 granted, 1 grantedWithMods, 2 rejection, 3 waiting, 4/5 revocation.
    public let status: Int
    /// The statusString texts, if any.
    public let statusText: [String]
    /// The token's parts (present when granted).
    public let token: Token?

    /// The parts of a TimeStampToken (CMS SignedData over a TSTInfo) that verification needs.
    public struct Token: Sendable {
        public let info: TSTInfo
        let eContent: [UInt8]
        let signedDataVersion: Int
        let digestAlgorithms: [ASN1ObjectIdentifier]
        let certificates: [(certificate: Certificate, der: [UInt8])]
        let signerCount: Int
        let signer: SignerInfo
    }

    struct SignerInfo: Sendable {
        enum Identifier: Sendable { case issuerAndSerial(issuer: DistinguishedName, serial: [UInt8]), subjectKeyIdentifier([UInt8]) }
        let identifier: Identifier
        let digestAlgorithm: ASN1ObjectIdentifier
        /// The signed attributes re-tagged as SET OF (0x31), which is what the signature covers.
        let signedAttributesDER: [UInt8]
        let attributes: [ASN1ObjectIdentifier: [ASN1Node]]
        let signatureAlgorithm: ASN1ObjectIdentifier
        let signature: [UInt8]
    }

    /// The TSA's statement (TSTInfo).
    public struct TSTInfo: Sendable {
        public let version: Int
        /// The TSA policy under which the time was given.
        public let policy: String
        let hashAlgorithm: ASN1ObjectIdentifier
        let hashedMessage: [UInt8]
        /// Serial number, lower-case hex.
        public let serialNumber: String
        /// The time the TSA vouches for.
        public let genTime: Date
        /// `genTime` in ISO 8601 UTC with the precision the TSA gave.
        public let genTimeText: String
        /// Accuracy as stated, e.g. "1.500100 s"; nil when absent.
        public let accuracy: String?
        let nonce: [UInt8]?
        /// The TSA's name as it states it (a hint; the signer certificate is authoritative).
        public let tsaName: String?
    }

    /// Parses the DER (or BER) bytes of a `.tsr`.
    public init(derEncoded bytes: [UInt8]) throws {
        var response = try DERReader(try DERReader.parse(bytes, "timestamp response"), "TimeStampResp")
        var statusInfo = try response.sequence("status")
        status = try statusInfo.smallInteger("status")
        var texts: [String] = []
        if let strings = statusInfo.optional(.sequence), case .constructed(let items) = strings.content {
            for item in items {
                if let text = try? ASN1UTF8String(derEncoded: item) { texts.append(String(text)) }
            }
        }
        statusText = texts
        guard status == 0 || status == 1 else {
            token = nil
            return
        }
        let tokenNode = try response.next(.sequence, "timeStampToken")
        token = try Self.parseToken(tokenNode)
    }

    private static func parseToken(_ node: ASN1Node) throws -> Token {
        var contentInfo = try DERReader(node, "TimeStampToken")
        guard try contentInfo.oid("contentType") == OID.signedData else {
            throw TimeStampError.malformed("TimeStampToken: content type is not id-signedData")
        }
        var explicit = try DERReader(try contentInfo.next(.context(0), "content"), "TimeStampToken.content")
        var signedData = try explicit.sequence("SignedData")
        let version = try signedData.smallInteger("version")
        var digestAlgorithms: [ASN1ObjectIdentifier] = []
        var algorithms = try DERReader(try signedData.next(.set, "digestAlgorithms"), "SignedData.digestAlgorithms")
        while !algorithms.isAtEnd { digestAlgorithms.append(try algorithms.algorithm("algorithm")) }

        var encapsulated = try signedData.sequence("encapContentInfo")
        guard try encapsulated.oid("eContentType") == OID.tstInfo else {
            throw TimeStampError.malformed("SignedData: eContentType is not id-ct-TSTInfo")
        }
        var wrapped = try DERReader(try encapsulated.next(.context(0), "eContent"), "encapContentInfo.eContent")
        let eContent = Array(try wrapped.octets("eContent"))

        var certificates: [(Certificate, [UInt8])] = []
        if let certificateSet = signedData.optional(.context(0)), case .constructed(let items) = certificateSet.content {
            // Iterated as found: OpenSSL writes this SET in insertion order, not DER order.
            for item in items where item.identifier == .sequence {
                if let certificate = CertificateGuard.parse(item) { certificates.append((certificate, Array(item.encodedBytes))) }
            }
        }
        _ = signedData.optional(.context(1))  // CRLs, not used
        var signerInfos = try DERReader(try signedData.next(.set, "signerInfos"), "SignedData.signerInfos")
        let signerNodes = signerInfos.nodes
        guard let first = signerNodes.first else { throw TimeStampError.malformed("SignedData: no SignerInfo") }
        let signer = try parseSigner(first)
        _ = try signerInfos.next("signerInfo")
        let info = try parseTSTInfo(eContent)
        return Token(info: info, eContent: eContent, signedDataVersion: version, digestAlgorithms: digestAlgorithms,
                     certificates: certificates, signerCount: signerNodes.count, signer: signer)
    }

    private static func parseSigner(_ node: ASN1Node) throws -> SignerInfo {
        var signer = try DERReader(node, "SignerInfo")
        _ = try signer.smallInteger("version")
        let identifierNode = try signer.next("sid")
        let identifier: SignerInfo.Identifier
        if identifierNode.identifier == .sequence {
            var issuerAndSerial = try DERReader(identifierNode, "SignerInfo.sid")
            let issuer = try DistinguishedName(derEncoded: try issuerAndSerial.next(.sequence, "issuer"))
            identifier = .issuerAndSerial(issuer: issuer, serial: Array(try issuerAndSerial.integerBytes("serialNumber")))
        } else if identifierNode.identifier.tagClass == .contextSpecific, identifierNode.identifier.tagNumber == 0 {
            identifier = .subjectKeyIdentifier(Array(try DERReader.primitive(identifierNode, "SignerInfo.sid")))
        } else {
            throw TimeStampError.malformed("SignerInfo: unknown signer identifier")
        }
        let digestAlgorithm = try signer.algorithm("digestAlgorithm")
        guard let attributesNode = signer.optional(.context(0)) else {
            throw TimeStampError.malformed("SignerInfo: no signed attributes")
        }
        var signedAttributesDER = Array(attributesNode.encodedBytes)
        signedAttributesDER[0] = 0x31  // [0] IMPLICIT -> SET OF, as signed (RFC 5652 §5.4)
        var attributes: [ASN1ObjectIdentifier: [ASN1Node]] = [:]
        var attributeReader = try DERReader(attributesNode, "SignerInfo.signedAttrs")
        while !attributeReader.isAtEnd {
            var attribute = try attributeReader.sequence("attribute")
            let type = try attribute.oid("attrType")
            let values = try DERReader(try attribute.next(.set, "attrValues"), "attribute.values").nodes
            guard attributes[type] == nil else { throw TimeStampError.malformed("SignerInfo: attribute \(type) appears twice") }
            attributes[type] = values
        }
        let signatureAlgorithm = try signer.algorithm("signatureAlgorithm")
        let signature = Array(try signer.octets("signature"))
        return SignerInfo(identifier: identifier, digestAlgorithm: digestAlgorithm, signedAttributesDER: signedAttributesDER,
                          attributes: attributes, signatureAlgorithm: signatureAlgorithm, signature: signature)
    }

    private static func parseTSTInfo(_ bytes: [UInt8]) throws -> TSTInfo {
        var info = try DERReader(try DERReader.parse(bytes, "TSTInfo"), "TSTInfo")
        let version = try info.smallInteger("version")
        let policy = try info.oid("policy")
        var imprint = try info.sequence("messageImprint")
        let hashAlgorithm = try imprint.algorithm("hashAlgorithm")
        let hashedMessage = Array(try imprint.octets("hashedMessage"))
        let serial = try info.integerBytes("serialNumber")
        let timeNode = try info.next(.generalizedTime, "genTime")
        let time: GeneralizedTime
        do { time = try GeneralizedTime(derEncoded: timeNode) }
        catch { throw TimeStampError.malformed("TSTInfo.genTime: \(error)") }
        var accuracy: String?
        if let node = info.optional(.sequence) { accuracy = Self.accuracy(node) }
        _ = info.optional(.boolean)  // ordering
        let nonce = info.optional(.integer).flatMap { try? DERReader.primitive($0, "nonce") }.map(Array.init)
        var tsaName: String?
        if let name = info.optional(.context(0)), case .constructed(let inner) = name.content {
            var children = inner.makeIterator()
            if let general = children.next(), let name = try? GeneralName(derEncoded: general) {
                if case .directoryName(let directory) = name { tsaName = "\(directory)" } else { tsaName = "\(name)" }
            }
        }
        return TSTInfo(version: version, policy: policy.description, hashAlgorithm: hashAlgorithm, hashedMessage: hashedMessage,
                       serialNumber: serial.map { String(format: "%02x", $0) }.joined(),
                       genTime: Self.date(time), genTimeText: Self.text(time), accuracy: accuracy,
                       nonce: nonce, tsaName: tsaName)
    }

    private static func accuracy(_ node: ASN1Node) -> String? {
        guard case .constructed(let parts) = node.content else { return nil }
        var seconds = 0, millis = 0, micros = 0
        for part in parts {
            guard case .primitive(let bytes) = part.content, bytes.count <= 4 else { continue }
            let value = bytes.reduce(0) { $0 << 8 | Int($1) }
            if part.identifier == .integer { seconds = value }
            else if part.identifier.tagNumber == 0 { millis = value }
            else if part.identifier.tagNumber == 1 { micros = value }
        }
        return String(format: "%d.%03d%03d s", seconds, millis, micros)
    }

    private static func date(_ time: GeneralizedTime) -> Date {
        var components = DateComponents()
        components.calendar = Calendar(identifier: .gregorian)
        components.timeZone = TimeZone(identifier: "UTC")
        (components.year, components.month, components.day) = (time.year, time.month, time.day)
        (components.hour, components.minute, components.second) = (time.hours, time.minutes, time.seconds)
        let whole = components.date ?? Date(timeIntervalSince1970: 0)
        return whole.addingTimeInterval(time.fractionalSeconds)
    }

    private static func text(_ time: GeneralizedTime) -> String {
        var text = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", time.year, time.month, time.day, time.hours, time.minutes, time.seconds)
        if time.fractionalSeconds > 0 {
            let fraction = String(format: "%.6f", time.fractionalSeconds).dropFirst(1)
            text += String(fraction.reversed().drop(while: { $0 == "0" }).reversed())
        }
        return text + "Z"
    }
}
