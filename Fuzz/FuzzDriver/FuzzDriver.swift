// What every fuzz target's entry point shares. Built with `-D FUZZING` (scripts/fuzz.sh) it hands
// control to libFuzzer's driver; otherwise it replays files and folders of inputs, so a crash
// input or a corpus can be checked with an ordinary build.
import Foundation

/// Runs a fuzz target's `exercise` on inputs: under libFuzzer, or over the files named.
public enum FuzzDriver {
    nonisolated(unsafe) static var exercise: ([UInt8]) -> Void = { _ in }

    /// Never returns. `noun` names what one input is, in the replayer's last line.
    public static func run(noun: String, _ exercise: @escaping ([UInt8]) -> Void) -> Never {
        self.exercise = exercise
        #if FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
        #else
        var count = 0
        for argument in CommandLine.arguments.dropFirst() {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else { continue }
            let paths = isDirectory.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []).sorted().map { argument + "/" + $0 }
                : [argument]
            for path in paths {
                guard let data = FileManager.default.contents(atPath: path) else { continue }
                let started = ContinuousClock.now
                exercise(Array(data))
                let seconds = (ContinuousClock.now - started).components.seconds
                if seconds >= 5 { print("slow: \(path) took \(seconds) s") }
                count += 1
            }
        }
        print("\(count) \(noun) without a crash")
        exit(0)
        #endif
    }
}

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    FuzzDriver.exercise(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#endif
