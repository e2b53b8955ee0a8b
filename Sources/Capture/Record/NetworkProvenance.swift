extension CaptureRecord {
    /// Which servers answered the capture, at which addresses, over which connections, and the
    /// certificate chain each HTTPS origin presented (`networkProvenance` in capture.json).
    ///
    /// Built from the same `Network` events the traffic recorder collects, so it is there whenever
    /// the traffic was recorded; absent otherwise, and in older records.
    public struct NetworkProvenance: Codable, Sendable, Equatable {
        /// The captured document's own response (the last hop of its redirects), when it was seen.
        public var mainDocument: MainDocument?
        /// Every origin the page's traffic went to, in the order first requested.
        public var origins: [Origin]

        public struct MainDocument: Codable, Sendable, Equatable {
            public var url: String
            /// Its entry in ``NetworkProvenance/origins``.
            public var origin: String
            public var status: Int
            public var server: Hop
            /// The hops before it, in order, each with who answered it; absent without redirects.
            public var redirects: [Hop]?
        }

        /// One response: who answered it and how.
        public struct Hop: Codable, Sendable, Equatable {
            public var url: String
            public var status: Int
            /// Absent when the browser did not report one (a response from its cache).
            public var ip: String?
            public var port: Int?
            /// As Chromium names it: `http/1.1`, `h2`, `h3`, …
            public var httpVersion: String?
            /// The TLS protocol, when the hop was encrypted (`TLS 1.3`).
            public var tls: String?
        }

        /// One `scheme://host:port` the page requested, port always written.
        public struct Origin: Codable, Sendable, Equatable {
            public var origin: String
            public var scheme: String
            /// As the browser wrote it (lower case, IDNs in punycode, IPv6 in brackets).
            public var host: String
            public var port: Int
            /// Responses from this origin (each hop of a redirect counts).
            public var responses: Int
            /// Each distinct remote address with how many responses came from it; responses the
            /// browser gave no address for (its cache) are counted in ``responses`` only.
            public var addresses: [Address]
            /// Each HTTP version with how many responses used it.
            public var httpVersions: [Count]
            /// Chromium's `securityState` of the responses, each with how many.
            public var securityStates: [Count]
            /// Nil for plain HTTP.
            public var tls: TLS?
        }

        public struct Address: Codable, Sendable, Equatable {
            public var ip: String
            public var port: Int
            public var responses: Int
        }

        public struct Count: Codable, Sendable, Equatable {
            public var value: String
            public var responses: Int
        }

        /// An HTTPS origin: the connections its responses came over and the chain the browser held for it.
        public struct TLS: Codable, Sendable, Equatable {
            /// Each distinct set of connection parameters seen (usually one).
            public var connections: [Connection]
            /// The chain as PEM, leaf first, under `data/` (`tls/<host>_<port>.pem`); nil when
            /// the browser gave no chain.
            public var chainFile: String?
            /// The chain as the browser gave it (`Network.getCertificate`), leaf first.
            public var chain: [Certificate]
            /// Why there is no chain, when there is none.
            public var chainProblem: String?
        }

        /// A TLS connection as Chromium's `securityDetails` describe it.
        public struct Connection: Codable, Sendable, Equatable {
            public var responses: Int
            /// `TLS 1.3`, `TLS 1.2`, `QUIC`, …
            public var `protocol`: String
            public var cipher: String
            /// Absent for AEAD ciphers.
            public var mac: String?
            /// Empty or absent for TLS 1.3, whose key exchange is the group.
            public var keyExchange: String?
            public var keyExchangeGroup: String?
            /// How the server signed the handshake: the TLS SignatureScheme's name and code point,
            /// e.g. `ecdsa_secp256r1_sha256 (0x0403)`.
            public var serverSignatureAlgorithm: String?
            public var encryptedClientHello: Bool?
            /// The leaf certificate as Chromium summarised it.
            public var subjectName: String
            public var sanList: [String]?
            public var issuer: String
            public var validFrom: String
            public var validTo: String
            public var certificateTransparency: CertificateTransparency
            /// Whether the chain's leaf has this connection's validity dates: false means the
            /// certificate recorded is not the one these responses came with (the server changed
            /// it meanwhile, or serves several). Nil when there is no readable leaf.
            public var chainLeafMatches: Bool?
        }

        public struct CertificateTransparency: Codable, Sendable, Equatable {
            /// Chromium's verdict: `compliant`, `not-compliant` or `unknown` (also for certificates
            /// of a private root, where CT is not required); absent when the browser did not say.
            public var compliance: String?
            public var scts: [SCT]
        }

        /// A Signed Certificate Timestamp: a CT log's promise to publish the certificate.
        public struct SCT: Codable, Sendable, Equatable {
            /// Chromium's check of it, e.g. `Verified`.
            public var status: String?
            /// `Embedded in certificate`, `TLS extension` or `OCSP response`.
            public var origin: String?
            public var logDescription: String?
            /// Hex, as Chromium gives it.
            public var logId: String?
            /// UTC.
            public var timestamp: String?
            public var hashAlgorithm: String?
            public var signatureAlgorithm: String?
            public var signatureData: String?
        }

        /// One certificate of a chain, read from its DER bytes. Only ``sha256`` and ``size`` are
        /// always there: a certificate Exhibit cannot read says so in ``problem``, never as a gap.
        public struct Certificate: Codable, Sendable, Equatable {
            /// SHA-256 of the DER bytes, lower-case hex (the certificate's fingerprint).
            public var sha256: String
            /// Bytes of DER.
            public var size: Int
            /// RFC 4514 strings, the most specific name first: `CN=…,O=…,C=…`.
            public var subject: String?
            public var issuer: String?
            /// Hex, as encoded.
            public var serialNumber: String?
            /// UTC.
            public var notBefore: String?
            public var notAfter: String?
            /// At the capture's start: `valid`, `expired` or `not yet valid`.
            public var atCapture: String?
            /// The key's algorithm (`EC P-256`, `RSA`, `Ed25519`, or its OID).
            public var publicKey: String?
            /// The issuer's signature algorithm (`ecdsa-with-SHA256`, …, or its OID).
            public var signatureAlgorithm: String?
            /// `unreadable certificate: …` when the bytes are not a certificate Exhibit can read.
            public var problem: String?
        }
    }
}
