/// Why a timestamp could not be obtained or does not verify. Each case reads as one line.
public enum TimeStampError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The bytes are not the ASN.1 structure they should be.
    case malformed(String)
    /// The TSA answered with a status other than granted.
    case notGranted(status: Int, detail: String)
    /// The TSA could not be reached or answered badly (HTTP error, timeout, wrong content).
    case transport(String)
    /// The token parses but a security check failed.
    case invalid(String)

    public var description: String {
        switch self {
        case .malformed(let detail): return "malformed timestamp: \(detail)"
        case .notGranted(let status, let detail):
            return "TSA did not grant the timestamp (status \(status)\(detail.isEmpty ? "" : ": \(detail)"))"
        case .transport(let detail): return detail
        case .invalid(let detail): return detail
        }
    }
}
