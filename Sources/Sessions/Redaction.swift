/// Cookie and storage values are credentials. Anything that turns these types into text
/// (interpolation, `print`, `debugPrint`, `dump`, a test failure message) shows names and domains
/// only, so a value cannot reach a log, an error or a terminal by accident.
extension SessionCookie: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "cookie \(name) for \(domain)\(path) (value withheld, \(value.utf8.count) bytes)"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["name": name, "domain": domain, "path": path, "expires": expires,
                                "httpOnly": httpOnly, "secure": secure, "sameSite": sameSite as Any,
                                "value": "(withheld)"])
    }
}

extension StorageItem: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "localStorage item \(name) (value withheld, \(value.utf8.count) bytes)" }

    public var debugDescription: String { description }

    public var customMirror: Mirror { Mirror(self, children: ["name": name, "value": "(withheld)"]) }
}
