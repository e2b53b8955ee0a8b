import Foundation

/// Session and cookie files hold credentials. Like ssh with a private key, Exhibit refuses one that
/// group or others can read or write, and a folder of them that others can enter, instead of
/// quietly using a login anyone on the machine could have copied or replaced.
enum PrivateFile {
    /// The bytes of the regular file at `path` (a link is followed and its target judged),
    /// after checking it is private.
    ///
    /// - Parameter label: what the file is, for messages: `session file`, `cookie file`.
    static func contents(of path: String, label: String) throws(SessionError) -> [UInt8] {
        var named = stat()
        guard stat(path, &named) == 0 else { throw failure(errno, opening: path, label: label) }
        let shown = describe(path)
        // Checked before opening too: opening a device can have effects of its own (a tape rewinds).
        guard FileType(named.st_mode) == .regular else {
            throw SessionError(.unreadable, "\(label) \(shown.text) is not a regular file but \(FileType(named.st_mode).article)")
        }
        // O_NONBLOCK: if a FIFO is put in the file's place after the check, opening it does not wait
        // for a writer, and the check below refuses it.
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard descriptor >= 0 else { throw failure(errno, opening: path, label: label) }
        defer { close(descriptor) }
        var opened = stat()
        guard fstat(descriptor, &opened) == 0, FileType(opened.st_mode) == .regular,
              opened.st_dev == named.st_dev, opened.st_ino == named.st_ino else {
            throw SessionError(.unreadable, "\(label) \(shown.text) changed while it was being opened; try again")
        }
        // The mode and owner of what was opened, not of what the name pointed to a moment before.
        try requirePrivate(mode: UInt32(opened.st_mode), of: shown, label: label)
        try requireOwn(uid: opened.st_uid, of: shown, label: label)
        try requireSafeParent(of: shown.target, label: label)
        guard opened.st_size <= SessionFile.maximumSize else { throw SessionFile.notAFormat(path, "larger than 16 MiB") }
        return try readAll(descriptor, path: path, label: label)
    }

    /// Throws unless group and others have no access to the file.
    static func requirePrivate(mode: UInt32, of file: Described, label: String) throws(SessionError) {
        guard mode & 0o077 != 0 else { return }
        let how = mode & 0o044 != 0 ? "readable" : "writable"
        throw SessionError(.unsafePermissions,
                           "\(label) \(file.text) is \(how) by others (mode \(Display.mode(mode))); run: chmod 600 \(file.target)")
    }

    /// Throws unless the file or folder belongs to the user Exhibit runs as: another user who owns
    /// it can replace its contents whatever its mode says (ssh's StrictModes refuses it too).
    static func requireOwn(uid: uid_t, of file: Described, label: String) throws(SessionError) {
        let me = geteuid()
        guard uid != me else { return }
        throw SessionError(.unsafePermissions,
                           "\(label) \(file.text) belongs to user id \(uid), not to the user running Exhibit (\(me)); run: chown \(me) \(file.target)")
    }

    /// Throws if the folder holding `path` can be written by others without the sticky bit: they
    /// could rename the private file or folder away and put their own in its place.
    static func requireSafeParent(of path: String, label: String) throws(SessionError) {
        let parent = (path as NSString).deletingLastPathComponent
        var info = stat()
        guard !parent.isEmpty, stat(parent, &info) == 0 else { return }
        let mode = UInt32(info.st_mode)
        guard mode & 0o022 != 0, mode & UInt32(S_ISVTX) == 0 else { return }
        throw SessionError(.unsafePermissions,
                           "\(label) \(path) is in \(parent), which others can write (mode \(Display.mode(mode))) without the sticky bit: they could replace it; move it to a private folder")
    }

    /// Whether the store's folder exists; throws if it is not a folder or others can enter it.
    static func folderExists(_ folder: URL) throws(SessionError) -> Bool {
        var info = stat()
        guard stat(folder.path, &info) == 0 else {
            if errno == ENOENT { return false }
            throw failure(errno, opening: folder.path, label: "session folder")
        }
        let shown = describe(folder.path)
        guard FileType(info.st_mode) == .directory else {
            throw SessionError(.unreadable, "session folder \(shown.text) is not a folder but \(FileType(info.st_mode).article)")
        }
        let mode = UInt32(info.st_mode)
        guard mode & 0o077 == 0 else {
            throw SessionError(.unsafePermissions,
                               "session folder \(shown.text) is open to others (mode \(Display.mode(mode))); run: chmod 700 \(shown.target)")
        }
        try requireOwn(uid: info.st_uid, of: shown, label: "session folder")
        try requireSafeParent(of: shown.target, label: "session folder")
        return true
    }

    /// A path for messages, and the file a `chmod` should name: the link's target if it is a link.
    struct Described {
        let text: String
        let target: String
    }

    static func describe(_ path: String) -> Described {
        var link = stat()
        guard lstat(path, &link) == 0, FileType(link.st_mode) == .link, let resolved = realpath(path, nil) else {
            return Described(text: path, target: path)
        }
        defer { free(resolved) }
        let target = String(cString: resolved)
        return Described(text: "\(path) (a link to \(target))", target: target)
    }

    static func failure(_ code: Int32, opening path: String, label: String) -> SessionError {
        let reason = switch code {
        case ENOENT: "no such file"
        case EACCES: "permission denied"
        case ELOOP: "too many links"
        default: String(cString: strerror(code))
        }
        return SessionError(.unreadable, "cannot read \(label) \(path): \(reason)")
    }

    private static func readAll(_ descriptor: Int32, path: String, label: String) throws(SessionError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(errno, opening: path, label: label)
            }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
            // The size was checked before reading, but a file can grow while it is read.
            if bytes.count > SessionFile.maximumSize { throw SessionFile.notAFormat(path, "larger than 16 MiB") }
        }
    }
}

/// The kind of a file system entry, from its `st_mode`.
enum FileType: Equatable {
    case regular, directory, link, fifo, socket, device

    init(_ mode: mode_t) {
        switch UInt32(mode) & 0o170000 {
        case 0o100000: self = .regular
        case 0o040000: self = .directory
        case 0o120000: self = .link
        case 0o010000: self = .fifo
        case 0o140000: self = .socket
        default: self = .device
        }
    }

    /// `a folder`, for messages.
    var article: String {
        switch self {
        case .regular: "a file"
        case .directory: "a folder"
        case .link: "a link"
        case .fifo: "a FIFO (named pipe)"
        case .socket: "a socket"
        case .device: "a device"
        }
    }
}
