import DevTools
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the batch process and its browser hold at one moment: a long batch must not grow in any
/// of these (the journal records them after every capture, `--json` prints them).
public struct ResourceCount: Codable, Sendable, Equatable {
    /// The exhibit process's resident memory (VmRSS), in bytes.
    public var rssBytes: UInt64
    /// Its open file descriptors.
    public var openFiles: Int
    /// Processes below it (the browser and its renderers, GPU and utility processes).
    public var childProcesses: Int
    /// Browser contexts the browser still has (Exhibit makes one per capture and disposes of it).
    public var browserContexts: Int?
    /// Targets (pages, frames, workers) the browser still has.
    public var targets: Int?
    /// Event streams subscribed on the browser connection, and commands awaiting an answer.
    public var eventStreams: Int?
    public var pendingCommands: Int?

    /// Counts now; the browser's part is asked of `browser` when given (and left out if it does not answer).
    public static func now(browser: BrowserHandle?) async -> ResourceCount {
        var count = ResourceCount(rssBytes: residentBytes(), openFiles: openFileCount(),
                                  childProcesses: BrowserHandle.descendantCount(of: getpid()))
        if let browser {
            count.browserContexts = try? await browser.connection.send(TargetCommands.GetBrowserContexts(), timeout: .seconds(5)).browserContextIds.count
            count.targets = try? await browser.connection.send(TargetCommands.GetTargets(), timeout: .seconds(5)).targetInfos.count
            let open = await browser.connection.openStreams
            count.eventStreams = open.subscribers
            count.pendingCommands = open.pending
        }
        return count
    }

    /// VmRSS from /proc/self/status; 0 where there is no /proc.
    /// Gives the heap's free pages back to the system after a capture. A capture's PNG tiles,
    /// PDF and archive buffers are freed when it ends, but glibc keeps the pages in its arenas,
    /// so over a long batch the process's resident size grows with whatever a capture once
    /// needed at most, not with what it holds (the soak measures the latter).
    static func returnFreedMemory() {
        #if canImport(Glibc)
        // malloc_trim is glibc's (malloc.h), which the Glibc module does not export.
        _ = mallocTrim?(0)
        #endif
    }

    #if canImport(Glibc)
    private typealias MallocTrim = @convention(c) (Int) -> Int32
    nonisolated(unsafe) private static let mallocTrim: MallocTrim? = {
        guard let program = dlopen(nil, RTLD_NOW), let symbol = dlsym(program, "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: MallocTrim.self)
    }()
    #endif

    static func residentBytes() -> UInt64 {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kilobytes = line.dropFirst(6).split(whereSeparator: \.isWhitespace).first.flatMap { UInt64($0) } ?? 0
            return kilobytes * 1024
        }
        return 0
    }

    static func openFileCount() -> Int {
        // The listing itself opens one descriptor, which is not counted.
        max(0, ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.count ?? 1) - 1)
    }
}
