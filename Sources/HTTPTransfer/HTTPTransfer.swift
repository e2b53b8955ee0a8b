import CLibCurl
import Foundation

/// A finished HTTP exchange.
public struct HTTPResponse: Sendable {
    /// The status code the server answered with (0 if none was received).
    public var status: Int
    /// The response body, whatever the status.
    public var body: [UInt8]
}

/// Why an HTTP request did not produce a response.
public struct HTTPTransferError: Error, CustomStringConvertible, Sendable {
    /// The URL that was requested.
    public var url: String
    /// libcurl's own explanation.
    public var message: String
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

    /// POST `body` to `url` with the given content type.
    public static func post(_ url: String, body: [UInt8], contentType: String,
                            timeout: Double = 10) async throws -> HTTPResponse {
        try await perform(url: url, method: "POST", body: body,
                          headers: ["Content-Type: \(contentType)"], timeout: timeout)
    }

    static func perform(url: String, method: String, body: [UInt8]?, headers: [String],
                        timeout: Double) async throws -> HTTPResponse {
        _ = globalInit
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result {
                    try performBlocking(url: url, method: method, body: body, headers: headers, timeout: timeout)
                })
            }
        }
    }

    private final class Sink { var bytes: [UInt8] = [] }

    private static func performBlocking(url: String, method: String, body: [UInt8]?,
                                        headers: [String], timeout: Double) throws -> HTTPResponse {
        guard let handle = curl_easy_init() else {
            throw HTTPTransferError(url: url, message: "curl_easy_init failed")
        }
        defer { curl_easy_cleanup(handle) }
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for header in headers { list = curl_slist_append(list, header) }
        defer { curl_slist_free_all(list) }

        let sink = Sink()
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
            data.withMemoryRebound(to: UInt8.self, capacity: total) {
                sink.bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: total))
            }
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
            let detail = String(cString: errorBuffer)
            let fallback = String(cString: curl_easy_strerror(code))
            throw HTTPTransferError(url: url, message: detail.isEmpty ? fallback : detail)
        }
        var status = 0
        exhibit_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, body: sink.bytes)
    }
}
