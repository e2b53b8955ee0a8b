import Foundation

/// `exhibit verify`'s check of the platform API's answers (`--api`): each request `capture.json`
/// records with a file must have that file, under `data/api/`, with the size and SHA-256 recorded;
/// and every file in `data/api/` must be one the record names. The manifests already say whether a
/// file changed; this says the answers are the ones the record's comparison was made from, so an
/// answer swapped for another (manifests rewritten) is caught with the record's own digest.
struct APIVerification {
    let root: URL
    /// The bag's regular files, relative to the root.
    let files: [String]

    struct Promise: Decodable {
        struct API: Decodable {
            struct Request: Decodable { let name: String?; let file: String?; let bytes: Int?; let sha256: String? }
            let requests: [Request]?
        }
        let api: API?
    }

    func checks() -> [BagCheck] {
        let onDisk = files.filter { $0.hasPrefix("data/api/") }
        guard let data = (try? BagFiles.resolve("data/capture.json", in: root).get()).flatMap({ try? BagFiles.read($0) }) else { return [] }
        let promise: Promise
        do { promise = try JSONDecoder().decode(Promise.self, from: data) }
        catch { return [BagCheck(subject: "data/capture.json", ok: false, detail: "its api object is malformed")] }
        guard let api = promise.api else {
            return onDisk.isEmpty ? [] : [BagCheck(subject: "data/api/", ok: false,
                                                  detail: "\(onDisk.count) file(s) in data/api/ but capture.json records no API request")]
        }
        var checks: [BagCheck] = []
        var named = Set<String>()
        for request in api.requests ?? [] {
            guard let file = request.file else { continue }
            let subject = "data/" + file
            named.insert(subject)
            guard file.hasPrefix("api/"), !file.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) else {
                checks.append(BagCheck(subject: subject, ok: false, detail: "capture.json names an API answer outside data/api/"))
                continue
            }
            guard let expected = request.sha256 else {
                checks.append(BagCheck(subject: subject, ok: false, detail: "capture.json names the API answer without its SHA-256"))
                continue
            }
            let url: URL
            switch BagFiles.resolve(subject, in: root) {
            case .success(let resolved): url = resolved
            case .failure(let problem):
                checks.append(BagCheck(subject: subject, ok: false, detail: "the API's \(request.name ?? "answer") is missing or not a file: \(problem)"))
                continue
            }
            do {
                let digest = try FileDigest(regularFileAt: url)
                let sizeOK = request.bytes.map { UInt64(max(0, $0)) == digest.size } ?? true
                if digest.sha256 == expected.lowercased() && sizeOK {
                    checks.append(BagCheck(subject: subject, ok: true, detail: "the API's \(request.name ?? "answer") as recorded in capture.json (sha256 \(expected.prefix(16))…, \(digest.size) bytes)"))
                } else {
                    checks.append(BagCheck(subject: subject, ok: false, detail: "the API's \(request.name ?? "answer") is not the one capture.json records: "
                                           + "sha256 \(digest.sha256.prefix(16))… (\(digest.size) bytes), recorded \(expected.prefix(16))…" + (request.bytes.map { " (\($0) bytes)" } ?? "")))
                }
            } catch {
                checks.append(BagCheck(subject: subject, ok: false, detail: "the API's answer cannot be read: \(error)"))
            }
        }
        for extra in onDisk where !named.contains(extra) {
            checks.append(BagCheck(subject: extra, ok: false, detail: "in data/api/ but not among the API requests capture.json records"))
        }
        return checks
    }
}
