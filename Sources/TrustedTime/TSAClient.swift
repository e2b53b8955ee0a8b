import Crypto
import Foundation
import HTTPTransfer

/// A timestamp obtained from a TSA: the stored bytes and what they say.
public struct ObtainedTimeStamp: Sendable {
    /// The TSA's URL.
    public let url: String
    /// The DER query as sent (`.tsq`).
    public let query: [UInt8]
    /// The full DER response as received (`.tsr`), never re-encoded.
    public let response: [UInt8]
    /// The TSA's statement.
    public let info: TimeStampResponse.TSTInfo
}

/// Asks an RFC 3161 TSA over HTTP (libcurl) to stamp some bytes.
public struct TSAClient: Sendable {
    public let url: String
    public let timeout: Double

    public init(url: String, timeout: Double = 15) {
        self.url = url
        self.timeout = timeout
    }

    /// Requests a timestamp over SHA-256 of `data`. The answer is checked for what can be checked
    /// without trust roots (status, imprint, nonce, structure); the chain is checked by `verify`.
    public func stamp(_ data: [UInt8]) async throws -> ObtainedTimeStamp {
        let request = TimeStampRequest(sha256: Array(SHA256.hash(data: data)))
        let query = try request.derEncoded()
        let answer: HTTPResponse
        do {
            answer = try await HTTPTransfer.post(url, body: query, contentType: "application/timestamp-query", timeout: timeout)
        } catch {
            throw TimeStampError.transport("TSA \(url) did not answer: \((error as? HTTPTransferError)?.message ?? "\(error)")")
        }
        guard answer.status == 200 else {
            throw TimeStampError.transport("TSA \(url) answered HTTP \(answer.status)")
        }
        let parsed: TimeStampResponse
        do { parsed = try TimeStampResponse(derEncoded: answer.body) }
        catch { throw TimeStampError.transport("TSA \(url) answered something that is not a timestamp response (\(error))") }
        guard let token = parsed.token else {
            throw TimeStampError.notGranted(status: parsed.status, detail: parsed.statusText.joined(separator: "; "))
        }
        guard token.info.hashedMessage == request.digest else {
            throw TimeStampError.invalid("TSA \(url) stamped another digest than the one sent")
        }
        guard let nonce = token.info.nonce, TimeStampVerifier.sameInteger(nonce, request.nonce) else {
            throw TimeStampError.invalid("TSA \(url) answered with another nonce than the one sent")
        }
        return ObtainedTimeStamp(url: url, query: query, response: answer.body, info: token.info)
    }
}
