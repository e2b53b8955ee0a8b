// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Exhibit",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "exhibit", targets: ["ExhibitCommand"]),
        // The library other Swift programs use: each layer is importable on its own.
        .library(name: "Exhibit", targets: ["DevTools", "Capture", "Evidence", "FixtureServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // System libraries (Debian -dev packages, found through pkg-config).
        .systemLibrary(name: "CLibCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CLibPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CPoppler", pkgConfig: "poppler-glib",
                       providers: [.apt(["libpoppler-glib-dev"])]),

        // Thin, safe Swift faces of the C libraries.
        .target(name: "HTTPTransfer", dependencies: ["CLibCurl"]),
        .target(name: "PNGCodec", dependencies: ["CLibPNG"]),
        .target(name: "PDFTools", dependencies: ["CPoppler"]),

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
        ]),
        // Evidence package: hashing, BagIt. Knows nothing of browsers.
        .target(name: "Evidence", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The capture pipeline: page -> files -> bag.
        .target(name: "Capture", dependencies: ["DevTools", "Evidence", "PNGCodec", "PDFTools"]),
        // Serves Fixtures/ on loopback for tests and the demo.
        .target(name: "FixtureServer", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .executableTarget(name: "ExhibitCommand", dependencies: [
            "Capture", "FixtureServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "DevToolsTests", dependencies: [
            "DevTools",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
        ]),
        .testTarget(name: "EvidenceTests", dependencies: ["Evidence"]),
        .testTarget(name: "CaptureTests", dependencies: [
            "Capture", "DevTools", "FixtureServer", "PNGCodec", "PDFTools", "Evidence", "ExhibitCommand",
        ]),
    ],
    swiftLanguageModes: [.v6]
)
