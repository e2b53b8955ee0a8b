// swift-tools-version:6.0
import PackageDescription

/// swift-nio products by name.
func nio(_ names: String...) -> [Target.Dependency] {
    names.map { .product(name: $0, package: "swift-nio") }
}

let package = Package(
    name: "Exhibit",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "exhibit", targets: ["ExhibitCommand"]),
        // The RFC 3161 parser's fuzz target (a corpus replayer unless built by scripts/fuzz.sh).
        .executable(name: "timestamp-fuzz", targets: ["TimeStampFuzz"]),
        // The whole verify of a bag built from fuzzed files (a corpus replayer unless built by scripts/fuzz.sh).
        .executable(name: "bag-verify-fuzz", targets: ["BagVerifyFuzz"]),
        // Serves Fixtures/ on loopback for the demo and the benchmark; not part of the shipped binary.
        .executable(name: "exhibit-fixtures", targets: ["ExhibitFixtures"]),
        // The library other Swift programs use: each layer is importable on its own.
        .library(name: "Exhibit", targets: ["DevTools", "Capture", "Evidence", "TrustedTime", "PlatformProfiles", "PrivateNetwork", "Sessions", "LiveView", "WebArchive"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // System libraries (Debian -dev packages, found through pkg-config).
        .systemLibrary(name: "CLibCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CLibPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CPoppler", pkgConfig: "poppler-glib",
                       providers: [.apt(["libpoppler-glib-dev"])]),
        // Not "CZlib": ZIPFoundation's own zlib module has that name on Linux.
        .systemLibrary(name: "CLibZ", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),

        // Thin, safe Swift faces of the C libraries.
        .target(name: "HTTPTransfer", dependencies: ["CLibCurl"]),
        // libpng's errors longjmp; this C target keeps every libpng call that can fail behind setjmp.
        .target(name: "CPNGWriter", dependencies: ["CLibPNG"]),
        .target(name: "PNGCodec", dependencies: ["CLibPNG", "CPNGWriter"]),
        .target(name: "PDFTools", dependencies: ["CPoppler"]),
        // PDQ perceptual hashes of screenshots, to compare captures by what they show. Pure Swift.
        // Optimised in debug builds too: it runs on every row of every screenshot, and the tests
        // (a debug build) capture 150,000-row pages.
        .target(name: "PerceptualHash", swiftSettings: [.unsafeFlags(["-O"])]),

        // Chrome DevTools Protocol client: launch/attach, WebSocket transport, sessions, typed commands.
        // Knows nothing of posts or evidence.
        .target(name: "DevTools", dependencies: [
            "HTTPTransfer",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // A loopback web page that shows a headless browser live and passes a person's mouse and
        // keys back, for logging in by hand over an SSH tunnel. Knows nothing of DevTools.
        .target(name: "LiveView", dependencies: nio("NIOCore", "NIOPosix", "NIOHTTP1", "NIOWebSocket", "NIOConcurrencyHelpers")),
        // RFC 3161: timestamp requests, a tolerant DER reader for responses, and a verifier that
        // checks the chain at the token's own time.
        .target(name: "TrustedTime", dependencies: [
            "HTTPTransfer",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "X509", package: "swift-certificates"),
        ]),
        // Evidence package: hashing, BagIt, timestamps and signatures on bags, verification.
        // Knows nothing of browsers.
        // Reads the capture's WARC and WACZ through WebArchive (a file-format library) to check them.
        .target(name: "Evidence", dependencies: [
            "TrustedTime", "PNGCodec", "WebArchive", "Archival",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Dutch archival metadata: the organisation file (TOML or JSON), MDTO 1.0.1 sidecars, the
        // PREMIS 3 event log, and PRONOM format identification read from a file's bytes. Knows
        // nothing of browsers or bags: it is given names, digests and times and writes XML.
        .target(name: "Archival", dependencies: [
            "WebArchive",
            .product(name: "TOMLKit", package: "TOMLKit"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Platform profiles (Profiles/*.json): loading and checking them, choosing one for a URL,
        // and turning what a page gave into post.json. Knows nothing of browsers.
        .target(name: "PlatformProfiles"),
        // Which addresses a capture browser may reach: IP addresses and URL hosts read as a browser
        // reads them, the private-address rules, name lookups off the cooperative pool.
        // Knows nothing of browsers.
        .target(name: "PrivateNetwork"),
        // Login sessions for logged-in captures: reading, checking, saving and summarising session
        // and cookie files (Playwright storageState, Netscape cookies.txt, Cookie-Editor JSON).
        // Knows nothing of browsers.
        .target(name: "Sessions", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // What a platform's own public API says about a post (Mastodon, Bluesky, Reddit, YouTube
        // oEmbed), fetched with libcurl under the capture's network policy, read and compared with
        // what the page showed. Knows nothing of browsers.
        .target(name: "PlatformAPI", dependencies: [
            "HTTPTransfer", "PrivateNetwork", "PlatformProfiles",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Two captures of one post compared from their records (text, replies by id, counts, media
        // by digest, PDQ distances), as text, JSON or an HTML page. Knows nothing of browsers.
        .target(name: "CaptureComparison", dependencies: ["Evidence", "PlatformProfiles", "PlatformAPI", "PerceptualHash", "PNGCodec", "WebArchive"]),
        // A capture paired with a WARC or WACZ another tool made: the archive read whole, its records
        // for the page and its API calls listed, its main body compared with Exhibit's; a tag file.
        .target(name: "ArchivePairing", dependencies: ["Evidence", "WebArchive", "PlatformAPI"]),
        // The capture pipeline: page -> files -> bag.
        // Page-side scripts (Resources/*.js) and the report's template are files, loaded with Bundle.module.
        .target(name: "Capture", dependencies: ["DevTools", "Evidence", "Archival", "TrustedTime", "PNGCodec", "PDFTools", "PerceptualHash", "PlatformProfiles", "PrivateNetwork",
                                              "PlatformAPI", "Sessions", "LiveView", "WebArchive",
                                              .product(name: "X509", package: "swift-certificates"),
                                              .product(name: "SwiftASN1", package: "swift-asn1"),
                                              .product(name: "Crypto", package: "swift-crypto"),
                                              .product(name: "Logging", package: "swift-log"),
                                              .product(name: "Mustache", package: "swift-mustache")],
                resources: [.copy("Resources")]),
        // Web archives: WARC 1.1 writing (one gzip member per record, credentials redacted), reading
        // and checking record by record, CDXJ indexes and WACZ 1.1.1 packages.
        // Knows nothing of browsers or DevTools.
        .target(name: "WebArchive", dependencies: [
            "CLibZ",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        // Many captures: batch files read, a journal that makes reruns exactly-once, warm browsers lent
        // to pipelined captures, shards, summaries. Knows pages only as URLs and captures as results.
        .target(name: "Batch", dependencies: ["Capture", "DevTools", "Evidence", "PlatformProfiles", "PlatformAPI", "Sessions", .product(name: "Crypto", package: "swift-crypto")]),
        .executableTarget(name: "ExhibitCommand", dependencies: [
            "Capture", "Batch", "CaptureComparison", "ArchivePairing", "Evidence", "Archival",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"), "TrustedTime", "PNGCodec", "PlatformProfiles", "PrivateNetwork", "Sessions",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .testTarget(name: "DevToolsTests", dependencies: [
            "DevTools", "ExhibitTestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
        ]),
        // The fuzz targets' shared entry point: libFuzzer's driver, or a replayer of inputs.
        .target(name: "FuzzDriver", path: "Fuzz/FuzzDriver"),
        .executableTarget(name: "TimeStampFuzz", dependencies: ["TrustedTime", "FuzzDriver"], path: "Fuzz/TimeStampFuzz"),
        .executableTarget(name: "BagVerifyFuzz", dependencies: ["Evidence", "FuzzDriver"], path: "Fuzz/BagVerifyFuzz"),

        // Test helpers shared by the test targets (a loopback TSA); not part of any product.
        .target(name: "ExhibitTestSupport", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ], path: "Tests/Support/Swift"),
        // Serves Fixtures/ on loopback for the tests (in-process) and, through exhibit-fixtures, the demo.
        .target(name: "FixtureServer", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
        ], path: "Tests/Support/FixtureServer"),
        .executableTarget(name: "ExhibitFixtures", dependencies: ["FixtureServer"], path: "Tests/Support/ExhibitFixtures"),
        .testTarget(name: "EvidenceTests", dependencies: ["Evidence", "TrustedTime", "ExhibitTestSupport"],
                    exclude: ["Fixtures"]),
        // A real headless Chromium plays the person at the live view's page.
        .testTarget(name: "LiveViewTests", dependencies: ["LiveView", "DevTools", "ExhibitTestSupport"] + nio("NIOCore", "NIOPosix")),
        // WARC and WACZ written, read back, tampered with, and judged by warcio, py-wacz and pywb.
        .testTarget(name: "WebArchiveTests", dependencies: ["WebArchive", "ExhibitTestSupport"]),
        .testTarget(name: "PlatformProfilesTests", dependencies: ["PlatformProfiles"]),
        .testTarget(name: "PrivateNetworkTests", dependencies: ["PrivateNetwork"]),
        // Exhibit's PDQ against the reference implementation's bindings, on real browser screenshots.
        .testTarget(name: "PerceptualHashTests", dependencies: ["PerceptualHash", "PNGCodec", "DevTools", "FixtureServer", "ExhibitTestSupport"]),
        .testTarget(name: "SessionsTests", dependencies: [
            "Sessions", "ExhibitTestSupport",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "CaptureTests", dependencies: [
            "Capture", "DevTools", "FixtureServer", "PNGCodec", "PDFTools", "Evidence", "ExhibitCommand", "PlatformProfiles", "PerceptualHash",
            "PrivateNetwork", "ExhibitTestSupport", "WebArchive", "PlatformAPI", "CaptureComparison", "Batch", "Archival",
        ]),
        .testTarget(name: "PlatformAPITests", dependencies: ["PlatformAPI", "PlatformProfiles"]),
    ],
    swiftLanguageModes: [.v6]
)
