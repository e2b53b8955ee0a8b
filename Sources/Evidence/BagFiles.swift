import Foundation

/// How verification touches a bag's files: a bag handed to `verify` is hostile. Every path named
/// by a manifest or a record must stay inside the bag and be a regular file (no symlink on the way,
/// no device, FIFO or socket), every file is opened without following links and without blocking,
/// and what is read whole is bounded.
public enum BagFiles {
    /// The largest tag file read whole (a manifest, bag-info.txt, capture.json, a token): 64 MiB.
    public static let maxTagFileBytes = 64 << 20
    /// The longest manifest or bag-info line accepted: 16 KiB (a path of 4 KiB and a SHA-512 fit many times).
    public static let maxLineBytes = 16 << 10

    /// Why a path from a manifest or a record cannot be used.
    public enum PathProblem: Error, CustomStringConvertible, Equatable, Sendable {
        case outside(String)
        case missing
        case notRegular(String)

        public var description: String {
            switch self {
            case .outside(let why): return "not a path inside the bag (\(why))"
            case .missing: return "missing"
            case .notRegular(let kind): return "not a regular file (\(kind))"
            }
        }
    }

    /// Resolves `relative` (as a manifest writes it: `/`-separated, below the bag root) to a regular
    /// file inside `root`, checking each component with `lstat`, so no symlink is ever followed.
    public static func resolve(_ relative: String, in root: URL) -> Result<URL, PathProblem> {
        guard !relative.isEmpty else { return .failure(.outside("empty")) }
        guard !relative.hasPrefix("/") else { return .failure(.outside("absolute")) }
        guard !relative.contains("\0"), !relative.contains("\\") else { return .failure(.outside("NUL or backslash")) }
        let parts = relative.split(separator: "/", omittingEmptySubsequences: false)
        guard !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            return .failure(.outside("'.', '..' or an empty component"))
        }
        var current = root.standardizedFileURL
        for (index, part) in parts.enumerated() {
            current.appendPathComponent(String(part))
            var info = stat()
            guard lstat(current.path, &info) == 0 else { return .failure(.missing) }
            let kind = info.st_mode & S_IFMT
            if index < parts.count - 1 {
                guard kind == S_IFDIR else { return .failure(kind == S_IFLNK ? .notRegular("a symlink on the way") : .missing) }
            } else if kind != S_IFREG {
                return .failure(.notRegular(describe(kind)))
            }
        }
        return .success(current)
    }

    static func describe(_ kind: mode_t) -> String {
        switch kind {
        case S_IFLNK: return "symlink"
        case S_IFDIR: return "directory"
        case S_IFIFO: return "FIFO"
        case S_IFCHR: return "character device"
        case S_IFBLK: return "block device"
        case S_IFSOCK: return "socket"
        default: return "special file"
        }
    }

    /// Opens a regular file for reading without following a symlink and without blocking on a
    /// FIFO, and checks what was opened is a regular file. The caller closes the descriptor.
    public static func openRegular(_ url: URL) throws -> (descriptor: Int32, size: UInt64) {
        let descriptor = open(url.path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw EvidenceError.unreadable(path: url.path, reason: String(cString: strerror(errno))) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw EvidenceError.unreadable(path: url.path, reason: "not a regular file")
        }
        return (descriptor, UInt64(info.st_size))
    }

    /// A regular file's bytes, refused above `limit`.
    public static func read(_ url: URL, limit: Int = maxTagFileBytes) throws -> Data {
        let (descriptor, size) = try openRegular(url)
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        guard size <= UInt64(limit) else {
            throw EvidenceError.unreadable(path: url.path, reason: "\(size) bytes, over the limit of \(limit) for a file read whole")
        }
        do { return try handle.read(upToCount: limit + 1) ?? Data() }
        catch { throw EvidenceError.unreadable(path: url.path, reason: "\(error)") }
    }

    /// Everything below `root`, found without following links: regular files by relative path, and
    /// anything else (symlinks, devices, FIFOs, sockets) with what it is.
    public static func inventory(_ root: URL) -> (files: [String], irregular: [(path: String, kind: String)]) {
        var files: [String] = [], irregular: [(String, String)] = []
        func walk(_ folder: URL, _ prefix: String) {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
            for name in names {
                let url = folder.appendingPathComponent(name), path = prefix + name
                var info = stat()
                guard lstat(url.path, &info) == 0 else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFDIR: walk(url, path + "/")
                case S_IFREG: files.append(path)
                case let kind: irregular.append((path, describe(kind)))
                }
            }
        }
        walk(root.standardizedFileURL, "")
        return (files, irregular)
    }
}

extension FileDigest {
    /// The digests of a regular file inside a bag, opened as ``BagFiles/openRegular(_:)`` opens it.
    public init(regularFileAt url: URL) throws {
        let (descriptor, _) = try BagFiles.openRegular(url)
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        try self.init(reading: handle, path: url.path)
    }
}
