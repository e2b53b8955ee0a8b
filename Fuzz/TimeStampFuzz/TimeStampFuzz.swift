// Fuzz target for the RFC 3161 parsers. Built two ways:
// - normally, a replayer: `timestamp-fuzz FILE|DIR...` parses every input once (a crash
//   reproducer, and a check that a corpus is handled);
// - with `-sanitize=fuzzer -D FUZZING` (see scripts/fuzz.sh), a libFuzzer target.
// Either way the parsers must return or throw, never trap, whatever the bytes.
import Foundation
import FuzzDriver
import TrustedTime

/// Parses `bytes` as a response and as a query; the results are irrelevant, surviving is the point.
func exercise(_ bytes: [UInt8]) {
    if let response = try? TimeStampResponse(derEncoded: bytes), let info = response.token?.info {
        _ = (info.genTimeText, info.serialNumber, info.policy, info.tsaName, info.accuracy)
    }
    _ = try? TimeStampRequest(derEncoded: bytes)
}

@main
struct Target {
    static func main() { FuzzDriver.run(noun: "inputs parsed", exercise) }
}
