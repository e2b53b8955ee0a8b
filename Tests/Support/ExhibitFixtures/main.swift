import FixtureServer
import Foundation

// exhibit-fixtures: serves the bundled fixture pages on 127.0.0.1 and prints the base URL, then runs
// until stopped. Used by `make demo` and the benchmark; not part of the shipped `exhibit` binary.
//   exhibit-fixtures [--root DIR] [--port N] [--host 127.0.0.X]

var root = "Fixtures"
var port = 0
var host = "127.0.0.1"
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--root":
        guard let value = arguments.popFirst() else { fail("--root needs a folder") }
        root = value
    case "--port":
        guard let value = arguments.popFirst(), let number = Int(value), (0...65535).contains(number) else {
            fail("--port needs a number from 0 to 65535")
        }
        port = number
    case "--host":
        // A second loopback site (127.0.0.2) for pages that embed a frame of another site.
        guard let value = arguments.popFirst(), value.hasPrefix("127.") else { fail("--host needs a loopback address (127.x.x.x)") }
        host = value
    case "-h", "--help":
        print("usage: exhibit-fixtures [--root DIR] [--port N] [--host 127.0.0.X]   (serves DIR on loopback and prints its base URL)")
        exit(0)
    default:
        fail("unknown argument '\(argument)'")
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("exhibit-fixtures: error: \(message)\n".utf8))
    exit(2)
}

do {
    let server = try await FixtureServer.start(root: URL(fileURLWithPath: root), host: host, port: port)
    // Unbuffered: scripts read this line while the server keeps running.
    FileHandle.standardOutput.write(Data((server.baseURL + "\n").utf8))
    try await server.wait()
} catch {
    FileHandle.standardError.write(Data("exhibit-fixtures: error: cannot serve fixtures: \(error)\n".utf8))
    exit(1)
}
