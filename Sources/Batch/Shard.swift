import Crypto
import Foundation

/// A deterministic share of a batch: line `url` belongs to shard `K` of `N` when the first eight
/// bytes of SHA-256 of its page key, read as a big-endian number, leave `K` modulo `N`. Any machine
/// computes the same split from the same file, so N machines (or the N pods of a Kubernetes Indexed
/// Job) divide one list without talking to each other, and a line never moves between shards when
/// others are added or removed.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    /// From 0 to `count - 1` (a Kubernetes Job's `JOB_COMPLETION_INDEX`).
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws(BatchError) {
        guard count >= 1, count <= 100_000 else { throw .usage("--shard N must be from 1 to 100000, not \(count)") }
        guard index >= 0, index < count else {
            throw .usage("--shard K/N needs K from 0 to N-1 (K counts from 0, as a Kubernetes Job's JOB_COMPLETION_INDEX does), not \(index)/\(count)")
        }
        self.index = index
        self.count = count
    }

    /// `K/N`, or `index/N` for the index in `$JOB_COMPLETION_INDEX`.
    public init(parsing text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(BatchError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let count = Int(parts[1]) else {
            throw .usage("--shard must be K/N (e.g. 0/4) or index/N, not '\(text)'")
        }
        let indexText: String
        if parts[0] == "index" {
            guard let fromJob = environment["JOB_COMPLETION_INDEX"], !fromJob.isEmpty else {
                throw .usage("--shard index/\(count) reads JOB_COMPLETION_INDEX, which is not set")
            }
            indexText = fromJob
        } else {
            indexText = String(parts[0])
        }
        guard let index = Int(indexText) else { throw .usage("--shard index '\(indexText)' is not a number") }
        try self.init(index: index, count: count)
    }

    public var description: String { "\(index)/\(count)" }

    /// The shard a page belongs to.
    public static func index(of pageKey: String, count: Int) -> Int {
        let digest = Array(SHA256.hash(data: Data(pageKey.utf8)))
        let number = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Int(number % UInt64(count))
    }

    public func contains(_ entry: BatchEntry) -> Bool { Self.index(of: entry.pageKey, count: count) == index }
}
