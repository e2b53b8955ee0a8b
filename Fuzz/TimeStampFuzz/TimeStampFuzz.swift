// Fuzz target for the RFC 3161 parsers. Built two ways:
// - normally, a replayer: `timestamp-fuzz FILE|DIR...` parses every input once (a crash
//   reproducer, and a check that a corpus is handled);
// - with `-sanitize=fuzzer -D FUZZING` (see scripts/fuzz.sh), a libFuzzer target.
// Either way the parsers must return or throw, never trap, whatever the bytes.
import Foundation
import TrustedTime

/// Parses `bytes` as a response and as a query; the results are irrelevant, surviving is the point.
func exercise(_ bytes: [UInt8]) {
    if let response = try? TimeStampResponse(derEncoded: bytes), let info = response.token?.info {
        _ = (info.genTimeText, info.serialNumber, info.policy, info.tsaName, info.accuracy)
    }
    _ = try? TimeStampRequest(derEncoded: bytes)
}

#if FUZZING
// SwiftPM aliases `main` to this module's entry point, so the entry point hands control to
// libFuzzer's driver rather than relying on libFuzzer's own main.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    exercise(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@main
struct Fuzz {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
    }
}
#else
@main
struct Replay {
    static func main() {
        var count = 0
        for argument in CommandLine.arguments.dropFirst() {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else { continue }
            let files = isDirectory.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []).map { argument + "/" + $0 }
                : [argument]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                exercise(Array(data))
                count += 1
            }
        }
        print("\(count) inputs parsed without a crash")
    }
}
#endif
