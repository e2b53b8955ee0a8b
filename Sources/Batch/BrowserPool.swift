import DevTools
import Foundation

/// The warm browsers of a batch: one per provider (one launched, or one per `--browser-url`),
/// opened once and lent to each capture. A browser that dies is opened again at the next lease;
/// the captures it took down are retried by the runner.
actor BrowserPool {
    private struct Member {
        let provider: any BrowserProvider
        var handle: BrowserHandle?
        /// Counts the browser's starts, so that many captures failing with one crash relaunch it once.
        var generation = 0
        var leased = 0
        /// The start in progress: captures that ask meanwhile wait for it, so one crash starts one browser.
        var opening: Task<BrowserHandle, Error>?
    }

    private var members: [Member]
    /// Relaunches so far, each with its reason.
    private(set) var relaunches: [String] = []

    init(providers: [any BrowserProvider]) {
        members = providers.map { Member(provider: $0) }
    }

    /// A lease of one browser: the handle to lend, and which start of which browser it is.
    struct Lease: Sendable {
        let member: Int
        let generation: Int
        let handle: BrowserHandle
    }

    /// Opens every browser now, so that one that cannot start stops the batch before any capture.
    func start() async throws {
        for index in members.indices where members[index].handle == nil {
            members[index].handle = try await members[index].provider.open()
            members[index].generation += 1
        }
    }

    /// The least busy browser, opened again first if it died.
    func lease() async throws -> Lease {
        guard let index = members.indices.min(by: { members[$0].leased < members[$1].leased }) else {
            throw BatchError.failed("no browser to capture with")
        }
        members[index].leased += 1
        if members[index].handle == nil {
            let opening = members[index].opening ?? Task { [provider = members[index].provider] in try await provider.open() }
            members[index].opening = opening
            do {
                let handle = try await opening.value
                // The first capture back from the start records it; the others find it recorded.
                if members[index].handle == nil {
                    members[index].handle = handle
                    members[index].generation += 1
                }
                members[index].opening = nil
            } catch {
                members[index].opening = nil
                members[index].leased -= 1
                throw error
            }
        }
        guard let handle = members[index].handle else {
            members[index].leased -= 1
            throw BatchError.failed("the browser did not open")
        }
        return Lease(member: index, generation: members[index].generation, handle: handle)
    }

    func giveBack(_ lease: Lease) { members[lease.member].leased -= 1 }

    /// Called after a capture failed: true when its browser was found dead (then it is let go, and
    /// opened again at the next lease); false when the browser is fine and the page itself failed.
    func diedDuring(_ lease: Lease) async -> Bool {
        let member = members[lease.member]
        // Another capture already found this start of the browser dead (and let it go, or opened it again).
        guard member.generation == lease.generation, let handle = member.handle else { return true }
        guard await !handle.isAlive else { return false }
        // While the browser was asked, another capture may have found it dead first.
        guard members[lease.member].generation == lease.generation, members[lease.member].handle != nil else { return true }
        let reason = await handle.connection.closedReason.map { "\($0)" } ?? "the browser's process ended"
        relaunches.append(reason)
        members[lease.member].handle = nil
        await handle.close()
        return true
    }

    func closeAll() async {
        for index in members.indices {
            await members[index].handle?.close()
            members[index].handle = nil
        }
    }
}

/// Hands a capture the pool's browser: its `open()` lends the warm handle, and the capture's
/// `close()` of it leaves the browser running for the next one.
struct LentBrowser: BrowserProvider {
    let handle: BrowserHandle
    func open() async throws -> BrowserHandle { handle.lent() }
}
