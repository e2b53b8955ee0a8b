/// Why a batch cannot start or go on. ``usage`` is the caller's to fix (exit 2); nothing has been
/// captured when it is thrown.
public enum BatchError: Error, CustomStringConvertible, Sendable, Equatable {
    case usage(String)
    case failed(String)

    public var message: String {
        switch self {
        case .usage(let message), .failed(let message): message
        }
    }

    public var description: String { message }
}
