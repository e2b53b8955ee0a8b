import Evidence
import Foundation
import SwiftASN1
import WebArchive
import X509

/// One certificate of a server's chain, read from the DER bytes the browser handed over.
///
/// Only the fields an investigator compares are read (names, serial, validity, key and signature
/// algorithms), straight from the ASN.1 with swift-asn1 and swift-certificates' `DistinguishedName`.
/// `X509.Certificate` is not used: it builds the public key with swift-crypto, which refuses key
/// types it does not sign with and has crashed on malformed RSA keys (see TrustedTime's
/// `CertificateGuard`), and the record needs the names of any certificate a server sent, not its key.
/// The fingerprint is over the bytes as given, whatever they are.
enum TLSCertificate {
    typealias Record = CaptureRecord.NetworkProvenance.Certificate

    /// The record of `der`; bytes that are no certificate give a record whose ``Record/problem``
    /// says so, with the fingerprint and size still there. Never traps.
    static func read(_ der: [UInt8], at moment: Date) -> Record {
        var record = Record(sha256: FileDigest.sha256Hex(der), size: der.count)
        do {
            try fill(&record, from: der, at: moment)
        } catch {
            record = Record(sha256: record.sha256, size: record.size, problem: "unreadable certificate: \(error.reason)")
        }
        return record
    }

    /// Why a certificate could not be read, in words.
    struct Unreadable: Error { let reason: String }

    private static func fill(_ record: inout Record, from der: [UInt8], at moment: Date) throws(Unreadable) {
        guard !der.isEmpty else { throw Unreadable(reason: "no bytes") }
        let root: ASN1Node
        do { root = try DER.parse(der) } catch { throw Unreadable(reason: "not DER (\(error))") }
        let certificate = try children(root, "Certificate")
        guard certificate.count == 3 else { throw Unreadable(reason: "Certificate has \(certificate.count) parts, not 3") }
        var tbs = try children(certificate[0], "tbsCertificate")
        // version [0] EXPLICIT is absent for v1 certificates.
        if tbs.first?.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) { tbs.removeFirst() }
        guard tbs.count >= 6 else { throw Unreadable(reason: "tbsCertificate has \(tbs.count) fields, fewer than 6") }
        guard tbs[0].identifier == .integer, case .primitive(let serial) = tbs[0].content else {
            throw Unreadable(reason: "serialNumber is not an INTEGER")
        }
        let validity = try children(tbs[3], "validity")
        guard validity.count == 2 else { throw Unreadable(reason: "validity has \(validity.count) times, not 2") }
        let notBefore = try time(validity[0], "notBefore"), notAfter = try time(validity[1], "notAfter")
        record.serialNumber = WARCDigest.hex(serial)
        record.issuer = try name(tbs[2], "issuer")
        record.subject = try name(tbs[4], "subject")
        record.notBefore = Evidence.UTCTime.milliseconds(notBefore)
        record.notAfter = Evidence.UTCTime.milliseconds(notAfter)
        record.atCapture = moment < notBefore ? "not yet valid" : moment > notAfter ? "expired" : "valid"
        record.publicKey = try publicKey(tbs[5])
        record.signatureAlgorithm = signatureName(try algorithm(certificate[1], "signatureAlgorithm"))
    }

    private static func children(_ node: ASN1Node, _ what: String) throws(Unreadable) -> [ASN1Node] {
        guard node.identifier == .sequence, case .constructed(let nodes) = node.content else {
            throw Unreadable(reason: "\(what) is not a SEQUENCE")
        }
        return Array(nodes)
    }

    private static func name(_ node: ASN1Node, _ what: String) throws(Unreadable) -> String {
        do { return try DistinguishedName(derEncoded: node).description } catch { throw Unreadable(reason: "\(what) is not a Name (\(error))") }
    }

    private static func time(_ node: ASN1Node, _ what: String) throws(Unreadable) -> Date {
        let parts: (year: Int, month: Int, day: Int, hours: Int, minutes: Int, seconds: Int)
        do {
            if node.identifier == .utcTime {
                let t = try SwiftASN1.UTCTime(derEncoded: node)
                parts = (t.year, t.month, t.day, t.hours, t.minutes, t.seconds)
            } else if node.identifier == .generalizedTime {
                let t = try GeneralizedTime(derEncoded: node)
                parts = (t.year, t.month, t.day, t.hours, t.minutes, t.seconds)
            } else {
                throw Unreadable(reason: "\(what) is neither UTCTime nor GeneralizedTime")
            }
        } catch let error as Unreadable { throw error } catch { throw Unreadable(reason: "\(what) is not a valid time (\(error))") }
        var components = DateComponents()
        components.calendar = Calendar(identifier: .gregorian)
        components.timeZone = TimeZone(identifier: "UTC")
        (components.year, components.month, components.day) = (parts.year, parts.month, parts.day)
        (components.hour, components.minute, components.second) = (parts.hours, parts.minutes, parts.seconds)
        guard let date = components.date else { throw Unreadable(reason: "\(what) is not a calendar date") }
        return date
    }

    /// An AlgorithmIdentifier's OID and, when it is one, its parameter OID (an EC key's curve).
    private static func algorithm(_ node: ASN1Node, _ what: String) throws(Unreadable) -> (ASN1ObjectIdentifier, ASN1ObjectIdentifier?) {
        let parts = try children(node, what)
        guard let first = parts.first, let oid = try? ASN1ObjectIdentifier(derEncoded: first) else {
            throw Unreadable(reason: "\(what) has no algorithm identifier")
        }
        let parameter = parts.count > 1 ? try? ASN1ObjectIdentifier(derEncoded: parts[1]) : nil
        return (oid, parameter)
    }

    private static func publicKey(_ node: ASN1Node) throws(Unreadable) -> String {
        let info = try children(node, "subjectPublicKeyInfo")
        guard let first = info.first else { throw Unreadable(reason: "subjectPublicKeyInfo is empty") }
        let (oid, parameter) = try algorithm(first, "subjectPublicKeyInfo.algorithm")
        switch oid.description {
        case "1.2.840.10045.2.1":
            let curves = ["1.2.840.10045.3.1.7": "P-256", "1.3.132.0.34": "P-384", "1.3.132.0.35": "P-521"]
            return "EC " + (parameter.map { curves[$0.description] ?? $0.description } ?? "(no named curve)")
        case "1.2.840.113549.1.1.1": return "RSA"
        case "1.2.840.113549.1.1.10": return "RSA-PSS"
        case "1.3.101.112": return "Ed25519"
        case "1.3.101.113": return "Ed448"
        default: return oid.description
        }
    }

    private static func signatureName(_ algorithm: (ASN1ObjectIdentifier, ASN1ObjectIdentifier?)) -> String {
        let names = [
            "1.2.840.113549.1.1.5": "sha1WithRSAEncryption", "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
            "1.2.840.113549.1.1.12": "sha384WithRSAEncryption", "1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
            "1.2.840.113549.1.1.10": "RSASSA-PSS", "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
            "1.2.840.10045.4.3.3": "ecdsa-with-SHA384", "1.2.840.10045.4.3.4": "ecdsa-with-SHA512", "1.3.101.112": "Ed25519",
        ]
        return names[algorithm.0.description] ?? algorithm.0.description
    }

    /// The certificates as PEM, one block each, in the order given.
    static func pem(_ certificates: [[UInt8]]) -> String {
        certificates.map { BagSigner.pem("CERTIFICATE", $0) }.joined()
    }
}
