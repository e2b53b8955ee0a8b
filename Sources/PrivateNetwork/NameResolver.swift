import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Why a name gave no addresses.
public enum LookupFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// The name does not exist, or has no address (getaddrinfo's answer, in words).
    case noSuchName(String)
    /// The resolver did not answer within the time allowed.
    case timedOut(seconds: Double)
    /// Any other resolver error, in getaddrinfo's words.
    case failed(String)

    public var description: String {
        switch self {
        case .noSuchName(let reason): return "the name does not resolve (\(reason))"
        case .timedOut(let seconds): return "the name lookup took longer than \(formatSeconds(seconds)) s"
        case .failed(let reason): return "the name lookup failed (\(reason))"
        }
    }
}

/// Resolves host names with the system resolver (`getaddrinfo`, so `/etc/hosts` and the
/// configured DNS servers, as the browser's own lookups use them), each name once per resolver.
///
/// `getaddrinfo` blocks its thread for as long as the lookup takes. Swift's cooperative pool has
/// as many threads as cores (two on a small machine), and a blocked pool stalls every task of the
/// capture, so each lookup runs on a thread of its own and is waited for with a continuation and
/// a time limit. A lookup that outlives its limit keeps its thread until the resolver gives up,
/// but nobody waits for it.
public final class NameResolver: Sendable {
    /// How long one lookup may take.
    public let timeout: Duration
    private let cache = Mutex<[String: Task<Result<[IPAddress], LookupFailure>, Never>]>([:])

    public init(timeout: Duration = .seconds(5)) {
        self.timeout = timeout
    }

    /// Every address `name` resolves to (IPv4 and IPv6), or why there are none. The first lookup
    /// of a name is shared by everyone who asks while it runs and remembered after.
    public func resolve(_ name: String) async -> Result<[IPAddress], LookupFailure> {
        let timeout = self.timeout
        let lookup = cache.withLock { cache in
            if let running = cache[name] { return running }
            let task = Task { await Self.lookup(name, timeout: timeout) }
            cache[name] = task
            return task
        }
        return await lookup.value
    }

    /// One `getaddrinfo` on a new thread, waited for up to `timeout`.
    static func lookup(_ name: String, timeout: Duration) async -> Result<[IPAddress], LookupFailure> {
        await withCheckedContinuation { (continuation: CheckedContinuation<Result<[IPAddress], LookupFailure>, Never>) in
            // Whichever comes first, the answer or the time limit, resumes; the other finds it done.
            let pending = Mutex<CheckedContinuation<Result<[IPAddress], LookupFailure>, Never>?>(continuation)
            let finish: @Sendable (Result<[IPAddress], LookupFailure>) -> Void = { result in
                pending.withLock { waiting in
                    waiting?.resume(returning: result)
                    waiting = nil
                }
            }
            let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
            let timer = Task {
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                finish(.failure(.timedOut(seconds: seconds)))
            }
            let thread = Thread {
                finish(blockingLookup(name))
                timer.cancel()
            }
            thread.name = "exhibit-getaddrinfo"
            thread.start()
        }
    }

    /// `getaddrinfo` for TCP, any family, no `AI_ADDRCONFIG`: every address the name has, so that
    /// an IPv6 answer the machine could not use today is judged all the same.
    static func blockingLookup(_ name: String) -> Result<[IPAddress], LookupFailure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, nil, &hints, &list)
        defer { if let list { freeaddrinfo(list) } }
        guard status == 0 else {
            let reason = String(cString: gai_strerror(status))
            // -5 and -9 are glibc's EAI_NODATA and EAI_ADDRFAMILY (the name exists without an
            // address), which its header shows only under _GNU_SOURCE.
            switch status {
            case EAI_NONAME, EAI_FAIL, -5, -9: return .failure(.noSuchName(reason))
            default: return .failure(.failed(reason))
            }
        }
        var addresses: [IPAddress] = []
        var entry = list
        while let current = entry {
            if let address = current.pointee.ai_addr.flatMap(Self.address(of:)), !addresses.contains(address) {
                addresses.append(address)
            }
            entry = current.pointee.ai_next
        }
        return addresses.isEmpty ? .failure(.noSuchName("no addresses")) : .success(addresses)
    }

    /// The address in a `sockaddr_in` or `sockaddr_in6`.
    static func address(of socketAddress: UnsafeMutablePointer<sockaddr>) -> IPAddress? {
        switch Int32(socketAddress.pointee.sa_family) {
        case AF_INET:
            return socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                .v4(UInt32(bigEndian: $0.pointee.sin_addr.s_addr))
            }
        case AF_INET6:
            return socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                var bytes = pointer.pointee.sin6_addr
                return withUnsafeBytes(of: &bytes) { raw in .v6(raw.reduce(UInt128(0)) { $0 << 8 | UInt128($1) }) }
            }
        default:
            return nil
        }
    }
}

/// Seconds as the messages write them: whole numbers without a fraction.
func formatSeconds(_ seconds: Double) -> String {
    seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.1f", seconds)
}
