import Foundation

/// A helper server process for the tests (a TSA, an HTTPS site): started with a pipe on its
/// standard input that it watches, so it exits when the test process does, and asked for the
/// port it bound, which it prints on its first line.
struct LoopbackServer: Sendable {
    let process: Process
    let keepAlive: Pipe
    let port: Int

    static func start(_ arguments: [String], name: String) throws -> LoopbackServer {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let keepAlive = Pipe(), output = Pipe()
        process.standardInput = keepAlive
        process.standardOutput = output
        try process.run()
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            throw NSError(domain: name, code: 1, userInfo: [NSLocalizedDescriptionKey: "\(name) did not start"])
        }
        return LoopbackServer(process: process, keepAlive: keepAlive, port: port)
    }
}
