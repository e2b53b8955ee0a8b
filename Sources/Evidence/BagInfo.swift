import Foundation

/// Reads and rewrites `bag-info.txt` fields, keeping their order.
struct BagInfo {
    let url: URL

    init(root: URL) { url = root.appendingPathComponent("bag-info.txt") }

    func lines() throws -> [String] {
        // Read as hostile input too: a link, a FIFO or a huge file is refused, not followed or read whole.
        guard let data = try? BagFiles.read(url) else { throw EvidenceError.unreadable(path: url.path, reason: "cannot read") }
        let text = String(decoding: data, as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    func value(_ label: String) throws -> String? {
        try lines().first { $0.hasPrefix(label + ": ") }.map { String($0.dropFirst(label.count + 2)) }
    }

    /// Replaces every field whose label starts with `prefix` by `fields`, appended at the end.
    func replace(prefix: String, with fields: [(String, String)]) throws {
        var kept = try lines().filter { !$0.hasPrefix(prefix) }
        kept += fields.map { "\($0.0): \($0.1.replacingOccurrences(of: "\n", with: " "))" }
        do { try Data((kept.joined(separator: "\n") + "\n").utf8).write(to: url, options: .atomic) }
        catch { throw EvidenceError.unwritable(path: url.path, reason: "\(error)") }
    }
}
