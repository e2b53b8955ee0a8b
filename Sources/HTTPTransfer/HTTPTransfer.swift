import CLibCurl
import Foundation

/// A finished HTTP exchange.
public struct HTTPResponse: Sendable {
    /// The status code the server answered with (0 if none was received).
    public var status: Int
    /// The response body, whatever the status.
    public var body: [UInt8]
    /// The final response's header fields, names lowercased, in the order received (a repeated
    /// name appears once per line).
    public var headers: [(name: String, value: String)] = []

    /// The last value of the header `name` (any case), if it was sent.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.last { $0.name == wanted }?.value
    }
}

/// Why an HTTP request did not produce a response.
public struct HTTPTransferError: Error, CustomStringConvertible, Sendable {
    /// The URL that was requested.
    public var url: String
    /// libcurl's own explanation.
    public var message: String
    /// What went wrong, in the terms a caller acts on.
    public var kind: Kind = .other

    public enum Kind: String, Sendable {
        /// No answer (or not all of it) within the timeout.
        case timeout
        /// The name did not resolve or nobody accepted the connection.
        case unreachable
        /// The body grew past the caller's limit; the transfer was stopped there.
        case tooLarge
        case other
    }
    public var description: String { "HTTP request to \(url) failed: \(message)" }
}

/// Small blocking-free face of libcurl for the few requests Exhibit makes
/// (DevTools endpoint discovery, and later timestamp authorities and APIs).
///
/// Each request runs on its own easy handle on a background thread, so async callers never
/// block the cooperative pool. Proxy environment variables (`http_proxy`, `no_proxy`, ...)
/// are honoured by libcurl itself.
public enum HTTPTransfer {
    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()
    private static let queue = DispatchQueue(label: "exhibit.http", attributes: .concurrent)

    /// GET `url`, failing after `timeout` seconds.
    public static func get(_ url: String, timeout: Double = 10) async throws -> HTTPResponse {
        try await perform(url: url, method: "GET", body: nil, headers: [], timeout: timeout)
    }

    /// GET `url` with request `headers` (`Name: value` lines), stopping once the body passes
    /// `maxBytes`. With `pinnedAddress`, the URL's host is connected at that address only (libcurl's
    /// `CURLOPT_RESOLVE`), so the address a caller's policy judged is the one reached: a name that
    /// resolves differently a moment later cannot lead elsewhere.
    public static func get(_ url: String, headers: [String], timeout: Double, maxBytes: Int,
                           pinnedAddress: String? = nil) async throws -> HTTPResponse {
        try await perform(url: url, method: "GET", body: nil, headers: headers, timeout: timeout,
                          maxBytes: maxBytes, pinnedAddress: pinnedAddress)
    }

    /// POST `body` to `url` with the given content type.
    public static func post(_ url: String, body: [UInt8], contentType: String,
                            timeout: Double = 10) async throws -> HTTPResponse {
        try await perform(url: url, method: "POST", body: body,
                          headers: ["Content-Type: \(contentType)"], timeout: timeout)
    }

    static func perform(url: String, method: String, body: [UInt8]?, headers: [String],
                        timeout: Double, maxBytes: Int = Int.max, pinnedAddress: String? = nil) async throws -> HTTPResponse {
        _ = globalInit
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result {
                    try performBlocking(url: url, method: method, body: body, headers: headers, timeout: timeout,
                                        maxBytes: maxBytes, pinnedAddress: pinnedAddress)
                })
            }
        }
    }

    private final class Sink {
        var bytes: [UInt8] = []
        var headerLines: [String] = []
        var overflowed = false
        let maxBytes: Int
        init(maxBytes: Int) { self.maxBytes = maxBytes }
    }

    /// `host:port:address` for `CURLOPT_RESOLVE`; nil when the URL has no host.
    static func resolveEntry(url: String, address: String) -> String? {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else { return nil }
        let port = components.port ?? (components.scheme?.lowercased() == "https" ? 443 : 80)
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        return "\(bare):\(port):\(address.contains(":") ? "[\(address)]" : address)"
    }

    /// The header block of the last response (a 100 Continue's or a proxy's come first).
    static func parseHeaders(_ lines: [String]) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        for line in lines {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.hasPrefix("HTTP/") { fields = []; continue }
            guard let colon = trimmed.firstIndex(of: ":") else { continue }
            fields.append((trimmed[..<colon].lowercased(), trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        return fields
    }

    private static func performBlocking(url: String, method: String, body: [UInt8]?,
                                        headers: [String], timeout: Double, maxBytes: Int,
                                        pinnedAddress: String?) throws -> HTTPResponse {
        guard let handle = curl_easy_init() else {
            throw HTTPTransferError(url: url, message: "curl_easy_init failed")
        }
        defer { curl_easy_cleanup(handle) }
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for header in headers { list = curl_slist_append(list, header) }
        defer { curl_slist_free_all(list) }

        let sink = Sink(maxBytes: maxBytes)
        var pins: UnsafeMutablePointer<curl_slist>? = nil
        if let pinnedAddress {
            guard let entry = resolveEntry(url: url, address: pinnedAddress) else {
                throw HTTPTransferError(url: url, message: "the URL has no host to pin")
            }
            pins = curl_slist_append(pins, entry)
        }
        defer { curl_slist_free_all(pins) }
        if pins != nil { exhibit_curl_set_slist(handle, CURLOPT_RESOLVE, pins) }
        let sinkPointer = Unmanaged.passRetained(sink)
        defer { sinkPointer.release() }
        let errorCapacity = Int(CURL_ERROR_SIZE) + 1
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: errorCapacity)
        errorBuffer.initialize(repeating: 0, count: errorCapacity)
        defer { errorBuffer.deallocate() }

        let millis = max(1, Int(timeout * 1000))
        exhibit_curl_set_string(handle, CURLOPT_URL, url)
        exhibit_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
        exhibit_curl_set_long(handle, CURLOPT_TIMEOUT_MS, millis)
        exhibit_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(millis, 10_000))
        exhibit_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        exhibit_curl_set_string(handle, CURLOPT_USERAGENT, "Exhibit")
        exhibit_curl_set_slist(handle, CURLOPT_HTTPHEADER, list)
        exhibit_curl_set_pointer(handle, CURLOPT_WRITEDATA, sinkPointer.toOpaque())
        exhibit_curl_set_write_function(handle) { data, size, count, context in
            guard let data, let context else { return 0 }
            let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
            let total = size * count
            // Returning less than was given makes libcurl stop with CURLE_WRITE_ERROR.
            guard sink.bytes.count + total <= sink.maxBytes else { sink.overflowed = true; return 0 }
            data.withMemoryRebound(to: UInt8.self, capacity: total) {
                sink.bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: total))
            }
            return total
        }
        exhibit_curl_set_pointer(handle, CURLOPT_HEADERDATA, sinkPointer.toOpaque())
        exhibit_curl_set_header_function(handle) { data, size, count, context in
            guard let data, let context else { return 0 }
            let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
            let total = size * count
            // A server that sends headers without end is stopped at 256 lines.
            guard sink.headerLines.count < 256 else { return 0 }
            sink.headerLines.append(String(decoding: UnsafeRawBufferPointer(start: data, count: total), as: UTF8.self))
            return total
        }
        exhibit_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)

        let code: CURLcode = try withExtendedLifetime(body) {
            if method == "POST" {
                let payload = body ?? []
                exhibit_curl_set_long(handle, CURLOPT_POST, 1)
                exhibit_curl_set_long(handle, CURLOPT_POSTFIELDSIZE, payload.count)
                return payload.withUnsafeBytes { raw in
                    exhibit_curl_set_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress))
                    return curl_easy_perform(handle)
                }
            }
            guard method == "GET" else { throw HTTPTransferError(url: url, message: "unsupported method \(method)") }
            return curl_easy_perform(handle)
        }
        guard code == CURLE_OK else {
            if sink.overflowed {
                throw HTTPTransferError(url: url, message: "the body passed \(maxBytes) bytes; the transfer was stopped there", kind: .tooLarge)
            }
            let detail = String(cString: errorBuffer)
            let fallback = String(cString: curl_easy_strerror(code))
            let kind: HTTPTransferError.Kind
            switch code {
            case CURLE_OPERATION_TIMEDOUT: kind = .timeout
            case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: kind = .unreachable
            default: kind = .other
            }
            throw HTTPTransferError(url: url, message: detail.isEmpty ? fallback : detail, kind: kind)
        }
        var status = 0
        exhibit_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, body: sink.bytes, headers: parseHeaders(sink.headerLines))
    }
}
