import _CryptoExtras
import Crypto
import Foundation
import SwiftASN1
import X509

/// What a verified timestamp says.
public struct VerifiedTimeStamp: Sendable {
    public let genTime: Date
    public let genTimeText: String
    public let serialNumber: String
    public let policy: String
    public let accuracy: String?
    /// The TSA's own name in TSTInfo, or the signer certificate's subject.
    public let tsaName: String
    /// Subject of the certificate that signed the token.
    public let signer: String
    /// Subject of the trusted root the signer chains to (validated at `genTime`).
    public let root: String
    /// e.g. "RSA PKCS#1 v1.5 with SHA-256".
    public let signatureAlgorithm: String
}

/// Verifies RFC 3161 tokens offline: strict on everything that carries security, tolerant of the
/// encodings real TSAs produce. The certificate chain is validated **at the token's genTime**, so a
/// token stays verifiable after its TSA certificate expires.
public struct TimeStampVerifier: Sendable {
    /// Roots a TSA's chain may end in.
    public let trustRoots: [Certificate]

    public init(trustRoots: [Certificate]) { self.trustRoots = trustRoots }

    /// Roots from PEM files (each may hold many certificates); a file that cannot be read is an error.
    public static func roots(fromPEMFiles paths: [String]) throws -> [Certificate] {
        var roots: [Certificate] = []
        for path in paths {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw TimeStampError.invalid("cannot read trust roots from \(path)")
            }
            var found = 0
            for block in text.components(separatedBy: "-----END CERTIFICATE-----") {
                guard let start = block.range(of: "-----BEGIN CERTIFICATE-----") else { continue }
                let pem = String(block[start.lowerBound...]) + "-----END CERTIFICATE-----"
                if let certificate = try? Certificate(pemEncoded: pem) { roots.append(certificate); found += 1 }
            }
            if found == 0 { throw TimeStampError.invalid("no certificate in \(path)") }
        }
        return roots
    }

    /// The system's CA bundle (Debian: /etc/ssl/certs/ca-certificates.crt), if present.
    public static var systemRoots: [Certificate] {
        (try? roots(fromPEMFiles: ["/etc/ssl/certs/ca-certificates.crt"])) ?? []
    }

    /// Verifies a `.tsr` against the exact bytes it should stamp and, when given, the query it answers.
    public func verify(response bytes: [UInt8], data: [UInt8], query: TimeStampRequest?) async throws -> VerifiedTimeStamp {
        let response = try TimeStampResponse(derEncoded: bytes)
        guard response.status == 0 || response.status == 1, let token = response.token else {
            throw TimeStampError.notGranted(status: response.status, detail: response.statusText.joined(separator: "; "))
        }
        return try await verify(token: token, data: data, query: query)
    }

    func verify(token: TimeStampResponse.Token, data: [UInt8], query: TimeStampRequest?) async throws -> VerifiedTimeStamp {
        let info = token.info
        let signer = token.signer
        // CMS shape (RFC 5652, RFC 3161 §2.4.2).
        guard token.signedDataVersion == 3 else { throw TimeStampError.invalid("SignedData version is \(token.signedDataVersion), expected 3") }
        guard token.signerCount == 1 else { throw TimeStampError.invalid("token has \(token.signerCount) signers, expected exactly one") }
        guard token.digestAlgorithms.contains(signer.digestAlgorithm) else {
            throw TimeStampError.invalid("signer digest algorithm is not listed in SignedData.digestAlgorithms")
        }
        guard info.version == 1 else { throw TimeStampError.invalid("TSTInfo version is \(info.version), expected 1") }

        // The imprint: the TSA stamped exactly these bytes.
        let expectedImprint = try Self.hash(data, info.hashAlgorithm, what: "messageImprint")
        guard info.hashedMessage == expectedImprint else {
            throw TimeStampError.invalid("message imprint mismatch: the token does not stamp these bytes")
        }
        if let query {
            guard let nonce = info.nonce else { throw TimeStampError.invalid("nonce missing from the token") }
            guard Self.sameInteger(nonce, query.nonce) else { throw TimeStampError.invalid("nonce mismatch: the token answers another query") }
            guard query.digest == info.hashedMessage else { throw TimeStampError.invalid("the token stamps another digest than its query") }
        }

        // Signed attributes: content type and message digest over eContent.
        guard let contentType = signer.attributes[OID.contentType]?.first,
              (try? ASN1ObjectIdentifier(derEncoded: contentType)) == OID.tstInfo else {
            throw TimeStampError.invalid("content-type attribute missing or not id-ct-TSTInfo")
        }
        guard let digestNode = signer.attributes[OID.messageDigest]?.first,
              let digest = try? ASN1OctetString(derEncoded: digestNode),
              Array(digest.bytes) == (try Self.hash(token.eContent, signer.digestAlgorithm, what: "signer digest")) else {
            throw TimeStampError.invalid("message-digest attribute does not match the TSTInfo")
        }

        // The signer certificate and its ESS binding.
        guard let signerCertificate = Self.findSigner(signer.identifier, in: token.certificates) else {
            throw TimeStampError.invalid("the signer's certificate is not in the token (was certReq set?)")
        }
        try Self.checkESSBinding(signer.attributes, certificate: signerCertificate)

        // The signature over the DER SET OF signed attributes.
        let algorithmName = try Self.checkSignature(signer, key: signerCertificate.certificate.publicKey)

        // The signer may sign timestamps and nothing else (RFC 3161 §2.3).
        try Self.checkTimeStampingUsage(signerCertificate.certificate)

        // The chain, validated at genTime.
        let root = try await chain(signerCertificate.certificate, intermediates: token.certificates.map(\.certificate), at: info.genTime)
        let subject = "\(signerCertificate.certificate.subject)"
        return VerifiedTimeStamp(genTime: info.genTime, genTimeText: info.genTimeText, serialNumber: info.serialNumber,
                                 policy: info.policy, accuracy: info.accuracy, tsaName: info.tsaName ?? subject,
                                 signer: subject, root: "\(root.subject)", signatureAlgorithm: algorithmName)
    }

    private func chain(_ leaf: Certificate, intermediates: [Certificate], at time: Date) async throws -> Certificate {
        guard !trustRoots.isEmpty else { throw TimeStampError.invalid("no trust roots to check the TSA's chain against") }
        var verifier = Verifier(rootCertificates: CertificateStore(trustRoots)) {
            RFC5280Policy(validationTime: time)
            TimeStampSignerPolicy()
        }
        switch await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates.filter { $0 != leaf })) {
        case .validCertificate(let chain):
            guard let root = chain.last else { throw TimeStampError.invalid("empty certificate chain") }
            return root
        case .couldNotValidate(let failures):
            let reasons = failures.map { "\($0.policyFailureReason)" }
            throw TimeStampError.invalid("the TSA certificate does not chain to a trusted root valid at genTime"
                                         + (reasons.isEmpty ? "" : " (\(reasons.joined(separator: "; ")))"))
        }
    }

    static func hash(_ data: some DataProtocol, _ algorithm: ASN1ObjectIdentifier, what: String) throws -> [UInt8] {
        switch algorithm {
        case OID.sha256: return Array(SHA256.hash(data: data))
        case OID.sha384: return Array(SHA384.hash(data: data))
        case OID.sha512: return Array(SHA512.hash(data: data))
        default: throw TimeStampError.invalid("\(what): unsupported hash algorithm \(algorithm)")
        }
    }

    /// INTEGER contents compared as numbers (leading zero octets ignored).
    static func sameInteger(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.drop(while: { $0 == 0 }).elementsEqual(b.drop(while: { $0 == 0 }))
    }

    private static func findSigner(_ identifier: TimeStampResponse.SignerInfo.Identifier,
                                   in certificates: [(certificate: Certificate, der: [UInt8])]) -> (certificate: Certificate, der: [UInt8])? {
        certificates.first { candidate in
            switch identifier {
            case .issuerAndSerial(let issuer, let serial):
                return candidate.certificate.issuer == issuer
                    && sameInteger(Array(candidate.certificate.serialNumber.bytes), serial)
            case .subjectKeyIdentifier(let keyIdentifier):
                let ski = try? candidate.certificate.extensions.subjectKeyIdentifier
                return ski.map { Array($0.keyIdentifier) == keyIdentifier } ?? false
            }
        }
    }

    /// SigningCertificateV2 (SHA-256 by default) or SigningCertificate (SHA-1) must name the signer certificate.
    private static func checkESSBinding(_ attributes: [ASN1ObjectIdentifier: [ASN1Node]],
                                        certificate: (certificate: Certificate, der: [UInt8])) throws {
        if let value = attributes[OID.signingCertificateV2]?.first {
            var signingCertificate = try DERReader(value, "SigningCertificateV2")
            var certs = try signingCertificate.sequence("certs")
            var first = try certs.sequence("ESSCertIDv2")
            let algorithm = first.optional(.sequence).flatMap { node -> ASN1ObjectIdentifier? in
                guard var reader = try? DERReader(node, "hashAlgorithm") else { return nil }
                return try? reader.oid("algorithm")
            } ?? OID.sha256
            let expected = Array(try first.octets("certHash"))
            guard try hash(certificate.der, algorithm, what: "ESSCertIDv2") == expected else {
                throw TimeStampError.invalid("SigningCertificateV2 does not match the signer certificate")
            }
        } else if let value = attributes[OID.signingCertificate]?.first {
            var signingCertificate = try DERReader(value, "SigningCertificate")
            var certs = try signingCertificate.sequence("certs")
            var first = try certs.sequence("ESSCertID")
            guard Array(Insecure.SHA1.hash(data: certificate.der)) == Array(try first.octets("certHash")) else {
                throw TimeStampError.invalid("SigningCertificate (SHA-1) does not match the signer certificate")
            }
        } else {
            throw TimeStampError.invalid("neither SigningCertificate nor SigningCertificateV2 is signed")
        }
    }

    private static func checkSignature(_ signer: TimeStampResponse.SignerInfo, key: Certificate.PublicKey) throws -> String {
        let digest = signer.digestAlgorithm
        let digestName = [OID.sha256: "SHA-256", OID.sha384: "SHA-384", OID.sha512: "SHA-512"][digest] ?? "\(digest)"
        let algorithm: Certificate.SignatureAlgorithm
        let name: String
        switch signer.signatureAlgorithm {
        case OID.rsaEncryption, OID.sha256WithRSA, OID.sha384WithRSA, OID.sha512WithRSA:
            // OpenSSL writes plain rsaEncryption; the digest algorithm says which hash was used.
            let byDigest: [ASN1ObjectIdentifier: Certificate.SignatureAlgorithm] = [
                OID.sha256: .sha256WithRSAEncryption, OID.sha384: .sha384WithRSAEncryption, OID.sha512: .sha512WithRSAEncryption]
            let implied: [ASN1ObjectIdentifier: ASN1ObjectIdentifier] = [
                OID.sha256WithRSA: OID.sha256, OID.sha384WithRSA: OID.sha384, OID.sha512WithRSA: OID.sha512]
            if let required = implied[signer.signatureAlgorithm], required != digest {
                throw TimeStampError.invalid("signature algorithm and digest algorithm disagree")
            }
            guard let chosen = byDigest[digest] else { throw TimeStampError.invalid("unsupported RSA digest \(digest)") }
            (algorithm, name) = (chosen, "RSA PKCS#1 v1.5 with \(digestName)")
        case OID.ecdsaSHA256, OID.ecdsaSHA384, OID.ecdsaSHA512:
            let table: [ASN1ObjectIdentifier: (Certificate.SignatureAlgorithm, ASN1ObjectIdentifier)] = [
                OID.ecdsaSHA256: (.ecdsaWithSHA256, OID.sha256), OID.ecdsaSHA384: (.ecdsaWithSHA384, OID.sha384),
                OID.ecdsaSHA512: (.ecdsaWithSHA512, OID.sha512)]
            guard let (chosen, required) = table[signer.signatureAlgorithm], required == digest else {
                throw TimeStampError.invalid("signature algorithm and digest algorithm disagree")
            }
            (algorithm, name) = (chosen, "ECDSA with \(digestName)")
        case OID.rsaPSS:
            guard let rsa = _RSA.Signing.PublicKey(key) else { throw TimeStampError.invalid("RSA-PSS signature but the key is not RSA") }
            let signature = _RSA.Signing.RSASignature(rawRepresentation: signer.signature)
            let data = signer.signedAttributesDER
            let valid: Bool
            switch digest {
            case OID.sha256: valid = rsa.isValidSignature(signature, for: SHA256.hash(data: data), padding: .PSS)
            case OID.sha384: valid = rsa.isValidSignature(signature, for: SHA384.hash(data: data), padding: .PSS)
            case OID.sha512: valid = rsa.isValidSignature(signature, for: SHA512.hash(data: data), padding: .PSS)
            default: throw TimeStampError.invalid("unsupported RSA-PSS digest \(digest)")
            }
            guard valid else { throw TimeStampError.invalid("signature over the signed attributes does not verify") }
            return "RSA-PSS with \(digestName)"
        default:
            throw TimeStampError.invalid("unsupported signature algorithm \(signer.signatureAlgorithm)")
        }
        guard key.isValidSignature(signer.signature, for: signer.signedAttributesDER, signatureAlgorithm: algorithm) else {
            throw TimeStampError.invalid("signature over the signed attributes does not verify")
        }
        return name
    }

    /// Extended key usage present, critical, and exactly {timeStamping}.
    private static func checkTimeStampingUsage(_ certificate: Certificate) throws {
        guard let extensionValue = certificate.extensions[oid: .X509ExtensionID.extendedKeyUsage] else {
            throw TimeStampError.invalid("the TSA certificate has no extended key usage")
        }
        guard extensionValue.critical else { throw TimeStampError.invalid("the TSA certificate's extended key usage is not critical") }
        let usages = try ExtendedKeyUsage(extensionValue)
        guard usages.count == 1, usages.contains(.timeStamping) else {
            throw TimeStampError.invalid("the TSA certificate may be used for more than timestamping")
        }
    }
}

/// Lets the chain builder accept the TSA leaf's critical extended key usage, which
/// `checkTimeStampingUsage` has already checked.
struct TimeStampSignerPolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [.X509ExtensionID.extendedKeyUsage]
    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult { .meetsPolicy }
}
