import DevTools
import Foundation
import WebArchive

/// Writes `data/archive.warc.gz` (`--warc`): the page's recorded traffic as request and response
/// records, then what the capture made of it (screenshot, PDF, post.json) as `resource` and
/// `metadata` records.
///
/// Those three are filed under `urn:view:`, `urn:pdf:` and `urn:post:` plus the captured URL, not
/// the URL itself: a replay tool would otherwise serve the PNG where the page belongs.
struct TrafficArchive {
    static let fileName = "archive.warc.gz"

    let traffic: RecordedTraffic
    let captureId: String
    let browserProduct: String
    /// The URL the page was captured at (after redirects).
    let pageURL: String
    /// The bag's `data/` folder.
    let data: URL
    /// Bodies longer than this are cut (`--max-record-size`).
    var maxRecordSize: UInt64 = CaptureOptions.defaultMaxRecordSize
    /// The servers' certificate chains, written after the traffic as `urn:tls:` metadata records.
    var servers: ServerProvenance? = nil

    /// Writes the file; throws a ``StepProblem`` naming the file for anything the writer refuses.
    func write() throws -> CaptureRecord.Archive {
        let path = data.appendingPathComponent(Self.fileName).path
        do { return try write(path: path) } catch {
            throw StepProblem("cannot write \(Self.fileName) for \(pageURL): \(error)")
        }
    }

    private func write(path: String) throws(WebArchiveError) -> CaptureRecord.Archive {
        // An archive missing bodies because the disk filled would look whole: the capture fails instead.
        if let failure = traffic.failure { throw .unwritable(path: path, reason: failure) }
        let writer = try WARCWriter(path: path, maxRecordSize: maxRecordSize)
        var info: [(name: String, value: String)] = [
            ("browser", browserProduct), ("captureId", captureId), ("capturedURL", pageURL),
            ("recorded", "the page's HTTP traffic as the browser's Network domain reported it, bodies decoded, "
                + "streamed to disk when large; bodies over \(maxRecordSize) bytes are cut (WARC-Truncated: length), "
                + "bodies still arriving when the capture ended are kept as far as they came (WARC-Truncated: time); "
                + "the page's cross-site frames and its workers, which Chromium runs as targets of their own, are recorded "
                + "from their own sessions, each held at its start until its Network domain was on"),
        ]
        if !traffic.targets.isEmpty {
            info.append(("targets", "\(traffic.targets.count) frame(s) and worker(s) besides the page: "
                + traffic.targets.prefix(50).map(\.description).joined(separator: ", ") + (traffic.targets.count > 50 ? ", …" : "")))
        }
        if !traffic.webSockets.isEmpty {
            info.append(("notRecorded", "the frames of \(traffic.webSockets.count) WebSocket(s) the page opened"))
        }
        if traffic.dropped > 0 {
            info.append(("notRecorded", "\(traffic.dropped) request(s) made after the first \(traffic.exchanges.count): "
                + "more than the capture's limit (--max-archive-requests)"))
        }
        try writer.writeWarcinfo(software: "\(ExhibitVersion.name) \(ExhibitVersion.current)", fields: info)
        var responses = 0, truncated = 0
        var failed: [CaptureRecord.Archive.FailedRequest] = []
        var pageResponseID: String?
        for (exchange, raw) in zip(traffic.exchanges, rawHeads()) {
            do throws(WebArchiveError) {
                switch try writeExchange(exchange, raw: raw, writer: writer) {
                case .failed(let reason): failed.append(.init(url: exchange.url, error: reason))
                case .answered(let id, let cut):
                    responses += 1
                    // Answered but broken off: listed with the failures too, so nobody reads it as a clean load.
                    if let failure = exchange.failure { failed.append(.init(url: exchange.url, error: "response cut short: \(failure)")) }
                    if cut { truncated += 1 }
                    if exchange.url == pageURL, let status = exchange.response?.status, status < 300 || status >= 400 { pageResponseID = id }
                }
            } catch {
                // A head the format cannot hold (a line break in a value) is the page's doing:
                // that exchange is left out and listed, the rest of the archive still written.
                guard case .invalidInput(let reason) = error else { throw error }
                failed.append(.init(url: exchange.url, error: "not archived: \(reason)"))
            }
        }
        try servers?.writeRecords(to: writer, pageResponseID: pageResponseID)
        try resource("screenshot.png", uri: "urn:view:", type: "image/png", writer: writer, concurrentTo: pageResponseID)
        if FileManager.default.fileExists(atPath: data.appendingPathComponent("page.pdf").path) {
            try resource("page.pdf", uri: "urn:pdf:", type: "application/pdf", writer: writer, concurrentTo: pageResponseID)
        }
        let post = try fileBody("post.json", writer: writer)
        try writer.writeMetadata(targetURI: "urn:post:" + pageURL, contentType: "application/json", body: post, refersTo: pageResponseID)
        try writer.close()
        let counts = Dictionary(grouping: writer.redactions, by: { $0.headerName.lowercased() }).mapValues(\.count)
        return CaptureRecord.Archive(
            file: Self.fileName, records: writer.records.count, requests: traffic.exchanges.count, responses: responses,
            bodiesTruncated: truncated, requestsFailed: failed.count, failed: failed,
            redactedHeaders: counts.keys.sorted().map { .init(name: $0, count: counts[$0] ?? 0) },
            webSockets: traffic.webSockets.isEmpty ? nil : traffic.webSockets, maxRecordSize: maxRecordSize,
            requestsDropped: traffic.dropped > 0 ? traffic.dropped : nil)
    }

    static let packageName = "archive.wacz"

    /// Packs `data/archive.warc.gz` as `data/archive.wacz` (the WARC stored, not recompressed, with
    /// its CDXJ index, the page list and datapackage.json) and returns the package's file name.
    static func package(data: URL, page: WACZPage) throws -> String {
        do {
            _ = try WACZPackager.package(warcPath: data.appendingPathComponent(fileName).path,
                                         to: data.appendingPathComponent(packageName).path, page: page,
                                         title: "Exhibit capture of \(page.url)", software: "\(ExhibitVersion.name) \(ExhibitVersion.current)")
        } catch {
            throw StepProblem("cannot pack \(packageName) for \(page.url): \(error)")
        }
        return packageName
    }

    private enum Written { case answered(responseID: String, truncated: Bool), failed(String) }

    /// One hop as a request record and, when it was answered, its response record, linked both ways.
    private func writeExchange(_ exchange: RecordedExchange, raw: (request: [String: String]?, response: NetworkCommands.ResponseReceivedExtraInfo?),
                               writer: WARCWriter) throws(WebArchiveError) -> Written {
        let protocolName = exchange.response?.protocol ?? "http/1.1"
        let date = exchange.wallTime.map { Date(timeIntervalSince1970: $0) } ?? Date()
        let request = HTTPRequestHead(method: exchange.method, url: exchange.url, protocolName: protocolName,
                                      headers: Self.fields(raw.request ?? exchange.requestHeaders))
        let requestBody = exchange.requestBody?.body
        guard let response = exchange.response else {
            try writer.writeRequest(request, body: requestBody, date: date)
            return .failed(exchange.failure ?? "no response before the capture ended")
        }
        let requestID = WARCWriter.newRecordID(), responseID = WARCWriter.newRecordID()
        var extra: [(name: String, value: String)] = []
        let body: WARCBody
        if let recorded = exchange.body?.body {
            body = recorded
            if let cut = exchange.bodyCut { extra.append(("Exhibit-Body-Cut", cut)) }
        } else {
            body = writer.makeBody()
            if Self.mayHaveBody(response.status, method: exchange.method) {
                // Nothing was handed over (an empty body still is: zero bytes kept), so the record
                // says the body is missing, never that it was empty, whatever the reason or the lack of one.
                body.countNotKept(UInt64(max(0, exchange.encodedLength ?? 0)))
                extra.append(("Exhibit-Body-Omitted", exchange.bodyOmitted ?? exchange.bodyCut.map { "not recorded: \($0)" }
                    ?? exchange.failure.map { "not recorded: the transfer failed (\($0))" } ?? "not recorded: the browser handed no body over"))
            }
        }
        let head = Self.responseHead(response, raw: raw.response, protocolName: protocolName)
        try writer.writeRequest(request, body: requestBody, concurrentTo: [responseID], id: requestID, date: date)
        try writer.writeResponse(head, targetURI: exchange.url, body: body, ipAddress: response.remoteIPAddress.map(Self.bareAddress),
                                 id: responseID, concurrentTo: [requestID], extraFields: extra, date: date)
        return .answered(responseID: responseID, truncated: body.truncated)
    }

    private func resource(_ name: String, uri: String, type: String, writer: WARCWriter, concurrentTo: String?) throws(WebArchiveError) {
        try writer.writeResource(targetURI: uri + pageURL, contentType: type, body: try fileBody(name, writer: writer),
                                 concurrentTo: concurrentTo.map { [$0] } ?? [])
    }

    /// The file `name` in `data/`, read in 1 MiB chunks into a body that spills to disk.
    private func fileBody(_ name: String, writer: WARCWriter) throws(WebArchiveError) -> WARCBody {
        let path = data.appendingPathComponent(name).path
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .unreadable(path: path, reason: "cannot open the file") }
        defer { try? handle.close() }
        let body = writer.makeBody()
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch { throw .unreadable(path: path, reason: "\(error)") }
            if chunk.isEmpty { return body }
            try body.append(chunk)
        }
    }

    /// The raw request headers and raw response of each exchange, matched by order: Chromium sends
    /// one extra-info event per hop, in the hops' order, and none for a response from its cache.
    private func rawHeads() -> [(request: [String: String]?, response: NetworkCommands.ResponseReceivedExtraInfo?)] {
        var requestsSeen: [String: Int] = [:], responsesSeen: [String: Int] = [:]
        return traffic.exchanges.map { exchange in
            let id = exchange.requestId
            let hop = requestsSeen[id, default: 0]
            requestsSeen[id] = hop + 1
            let request = traffic.rawRequestHeaders[id].flatMap { hop < $0.count ? $0[hop] : nil }
            guard let response = exchange.response, response.fromDiskCache != true else { return (request, nil) }
            let responseHop = responsesSeen[id, default: 0]
            responsesSeen[id] = responseHop + 1
            let raw = traffic.rawResponses[id].flatMap { responseHop < $0.count ? $0[responseHop] : nil }
            // A mismatch means the order assumption failed; the browser-side head is safer then.
            return (request, raw?.statusCode == response.status ? raw : nil)
        }
    }

    /// The response head: the raw head the network stack saw when there is one (Set-Cookie and the
    /// real reason phrase included), else what `responseReceived` reported.
    static func responseHead(_ response: NetworkCommands.Response, raw: NetworkCommands.ResponseReceivedExtraInfo?,
                             protocolName: String) -> HTTPResponseHead {
        var statusText = response.statusText
        var headers = fields(raw?.headers ?? response.headers)
        if let text = raw?.headersText, let parsed = parseHead(text) {
            statusText = parsed.reason
            headers = parsed.fields
        }
        return HTTPResponseHead(status: response.status, statusText: statusText, protocolName: protocolName, headers: headers)
    }

    /// An HTTP/1.x head as text: its reason phrase and its fields in the order received; nil when
    /// it is not one.
    static func parseHead(_ text: String) -> (reason: String, fields: [(name: String, value: String)])? {
        var lines = text.components(separatedBy: "\r\n")
        guard let statusLine = lines.first, statusLine.hasPrefix("HTTP/") else { return nil }
        lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        let reason = parts.count == 3 ? String(parts[2]) : ""
        var fields: [(name: String, value: String)] = []
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            fields.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        return (reason, fields)
    }

    /// CDP joins repeated headers (two Set-Cookie) with a line feed into one value; a WARC head
    /// needs them as separate fields, and the names sorted, as the dictionary has no order.
    static func fields(_ headers: [String: String]) -> [(name: String, value: String)] {
        headers.keys.sorted().flatMap { name in
            (headers[name] ?? "").split(separator: "\n", omittingEmptySubsequences: false).map { (name, String($0)) }
        }
    }

    /// 1xx, 204 and 304 responses and answers to HEAD have no body to leave out.
    static func mayHaveBody(_ status: Int, method: String) -> Bool {
        method.uppercased() != "HEAD" && status >= 200 && status != 204 && status != 304
    }

    /// CDP writes IPv6 remote addresses in brackets; WARC-IP-Address holds the address alone.
    static func bareAddress(_ address: String) -> String {
        address.hasPrefix("[") && address.hasSuffix("]") ? String(address.dropFirst().dropLast()) : address
    }
}
