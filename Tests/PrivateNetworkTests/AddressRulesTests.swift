import PrivateNetwork
import Testing

@Suite("IP addresses, URL hosts and the private-address rules")
struct AddressRulesTests {
    /// The rule's name and range for a host as a URL spells it, with no name lookup: an IP literal
    /// in any spelling, or a name the rules refuse by itself. "public" when no rule applies.
    static func classify(_ host: String) -> String {
        switch URLHost(parsing: host) {
        case .invalid: return "invalid"
        case .address(let address): return AddressRules.rule(for: address)?.description ?? "public"
        case .name(let name): return AddressRules.rule(forName: name)?.description ?? "name \(name)"
        }
    }

    @Test("every special-purpose IPv4 range is refused, under its name", arguments: [
        ("0.0.0.0", "this network 0.0.0.0/8"), ("0.255.1.2", "this network 0.0.0.0/8"),
        ("10.0.0.1", "private 10.0.0.0/8"), ("10.255.255.255", "private 10.0.0.0/8"),
        ("100.64.0.1", "shared address space (carrier-grade NAT) 100.64.0.0/10"),
        ("100.127.255.254", "shared address space (carrier-grade NAT) 100.64.0.0/10"),
        ("100.100.100.200", "cloud metadata 100.100.100.200/32"),
        ("127.0.0.1", "loopback 127.0.0.0/8"), ("127.255.255.254", "loopback 127.0.0.0/8"), ("127.0.0.2", "loopback 127.0.0.0/8"),
        ("169.254.0.1", "link-local 169.254.0.0/16"), ("169.254.169.254", "cloud metadata 169.254.169.254/32"),
        ("172.16.0.1", "private 172.16.0.0/12"), ("172.31.255.255", "private 172.16.0.0/12"),
        ("192.0.0.8", "IETF protocol assignments 192.0.0.0/24"), ("192.0.0.170", "IETF protocol assignments 192.0.0.0/24"),
        ("192.0.2.10", "documentation (TEST-NET-1) 192.0.2.0/24"), ("192.88.99.1", "6to4 relay anycast 192.88.99.0/24"),
        ("192.168.1.1", "private 192.168.0.0/16"), ("198.18.0.1", "benchmarking 198.18.0.0/15"), ("198.19.255.255", "benchmarking 198.18.0.0/15"),
        ("198.51.100.7", "documentation (TEST-NET-2) 198.51.100.0/24"), ("203.0.113.9", "documentation (TEST-NET-3) 203.0.113.0/24"),
        ("224.0.0.1", "multicast 224.0.0.0/4"), ("239.255.255.250", "multicast 224.0.0.0/4"),
        ("240.0.0.1", "reserved 240.0.0.0/4"), ("255.255.255.254", "reserved 240.0.0.0/4"),
        ("255.255.255.255", "limited broadcast 255.255.255.255/32"),
    ])
    func ipv4Ranges(host: String, rule: String) {
        #expect(Self.classify(host) == rule, "\(host)")
    }

    @Test("public IPv4 addresses next to the ranges are not refused", arguments: [
        "1.1.1.1", "8.8.8.8", "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0", "126.255.255.255", "128.0.0.0",
        "169.253.255.255", "169.255.0.0", "172.15.255.255", "172.32.0.0", "192.0.1.0", "192.0.3.0", "192.88.98.255",
        "192.167.255.255", "192.169.0.0", "198.17.255.255", "198.20.0.0", "198.51.99.255", "203.0.112.255", "203.0.114.0",
        "223.255.255.255", "93.184.215.14",
    ])
    func publicIPv4(host: String) {
        #expect(Self.classify(host) == "public", "\(host)")
    }

    @Test("every special-purpose IPv6 range is refused, under its name", arguments: [
        ("[::]", "unspecified ::/128"), ("[::1]", "loopback ::1/128"), ("[::7f00:1]", "IPv4-compatible (deprecated) ::/96"),
        ("[::127.0.0.1]", "IPv4-compatible (deprecated) ::/96"), ("[::8.8.8.8]", "IPv4-compatible (deprecated) ::/96"),
        ("[fc00::1]", "unique local fc00::/7"), ("[fd12:3456::1]", "unique local fc00::/7"),
        ("[fd00:ec2::254]", "cloud metadata fd00:ec2::254/128"),
        ("[fe80::1]", "link-local fe80::/10"), ("[febf::1]", "link-local fe80::/10"), ("[fec0::1]", "site-local (deprecated) fec0::/10"),
        ("[ff02::1]", "multicast ff00::/8"), ("[ff05::1:3]", "multicast ff00::/8"),
        ("[2001:db8::1]", "documentation 2001:db8::/32"), ("[2001:0db8:ffff::]", "documentation 2001:db8::/32"),
        ("[3fff::1]", "documentation 3fff::/20"), ("[100::1]", "discard-only 100::/64"),
        ("[2001::1]", "Teredo 2001::/32"), ("[2001:10::1]", "ORCHID (deprecated) 2001:10::/28"), ("[2001:20::1]", "ORCHIDv2 2001:20::/28"),
        ("[64:ff9b:1::1]", "local-use NAT64 64:ff9b:1::/48"),
    ])
    func ipv6Ranges(host: String, rule: String) {
        #expect(Self.classify(host) == rule, "\(host)")
    }

    @Test("IPv4 inside IPv4-mapped, NAT64 and 6to4 addresses is judged as the IPv4 host it reaches", arguments: [
        ("[::ffff:127.0.0.1]", "loopback 127.0.0.0/8 inside IPv4-mapped ::ffff:0:0/96"),
        ("[::ffff:7f00:1]", "loopback 127.0.0.0/8 inside IPv4-mapped ::ffff:0:0/96"),
        ("[::FFFF:A9FE:A9FE]", "cloud metadata 169.254.169.254/32 inside IPv4-mapped ::ffff:0:0/96"),
        ("[::ffff:10.1.2.3]", "private 10.0.0.0/8 inside IPv4-mapped ::ffff:0:0/96"),
        ("[64:ff9b::127.0.0.1]", "loopback 127.0.0.0/8 inside NAT64 64:ff9b::/96"),
        ("[64:ff9b::a9fe:a9fe]", "cloud metadata 169.254.169.254/32 inside NAT64 64:ff9b::/96"),
        ("[64:ff9b::c0a8:101]", "private 192.168.0.0/16 inside NAT64 64:ff9b::/96"),
        ("[2002:7f00:1::]", "loopback 127.0.0.0/8 inside 6to4 2002::/16"),
        ("[2002:a00:1:1::1]", "private 10.0.0.0/8 inside 6to4 2002::/16"),
        ("[2002:c0a8:101::5]", "private 192.168.0.0/16 inside 6to4 2002::/16"),
        ("[::ffff:8.8.8.8]", "public"), ("[64:ff9b::808:808]", "public"), ("[2002:808:808::1]", "public"),
        ("[2606:4700::1111]", "public"), ("[2a00:1450:4001:80b::200e]", "public"),
    ])
    func embeddedIPv4(host: String, rule: String) {
        #expect(Self.classify(host) == rule, "\(host)")
    }

    @Test("odd IPv4 spellings a browser accepts are read as the address it reaches, never as names", arguments: [
        ("2130706433", "127.0.0.1"), ("0x7f.1", "127.0.0.1"), ("127.1", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"), ("0X7F.0.0.1", "127.0.0.1"), ("127.0.1", "127.0.0.1"), ("127.0.0.1.", "127.0.0.1"),
        ("%31%32%37.0.0.1", "127.0.0.1"), ("０x7f.1", "127.0.0.1"), ("１２７。０。０。１", "127.0.0.1"), ("0", "0.0.0.0"),
        ("0x.0x.0x.0x", "0.0.0.0"), ("169.254.43518", "169.254.169.254"), ("0xa9fea9fe", "169.254.169.254"),
        ("2852039166", "169.254.169.254"), ("10.1", "10.0.0.1"), ("012.1", "10.0.0.1"), ("3232235777", "192.168.1.1"),
        ("134744072", "8.8.8.8"),
    ])
    func oddSpellings(host: String, address: String) {
        #expect(URLHost(parsing: host) == .address(IPAddress(address)!), "\(host)")
    }

    @Test("a host that ends in a number but is no address is refused, not taken for a name", arguments: [
        "256.0.0.1", "1.2.3.4.5", "09.0.0.1", "0x1g.1", "4294967296", "127.0.0.256", "1.2.65536", "1..2.3",
        "example.123", "[::1", "[1::2::3]", "[::1%25eth0]", "[fe80::1%eth0]", "[12345::]", "",
    ])
    func unreadable(host: String) {
        if case .invalid = URLHost(parsing: host) { return }
        Issue.record("\(host) was read as \(URLHost(parsing: host))")
    }

    @Test("names: localhost and metadata services are refused by name; others are names to resolve", arguments: [
        ("localhost", "loopback name localhost, *.localhost"), ("LOCALHOST.", "loopback name localhost, *.localhost"),
        ("app.localhost", "loopback name localhost, *.localhost"), ("metadata.google.internal", "cloud metadata name"),
        ("metadata", "cloud metadata name"), ("Metadata.Google.Internal.", "cloud metadata name"), ("instance-data", "cloud metadata name"),
        ("example.org", "name example.org"), ("localhost.example.org", "name localhost.example.org"), ("0x7f.example", "name 0x7f.example"),
        ("EXAMPLE.org.", "name example.org"), ("1e3", "name 1e3"),
    ])
    func names(host: String, rule: String) {
        #expect(Self.classify(host).hasPrefix(rule), "\(host): \(Self.classify(host))")
    }

    @Test("strict address text: dotted quads and RFC 4291, printed as RFC 5952")
    func addressText() {
        #expect(IPAddress("192.0.2.1")?.description == "192.0.2.1")
        #expect(IPAddress("2001:DB8:0:0:1:0:0:1")?.description == "2001:db8::1:0:0:1")
        #expect(IPAddress("2001:db8:0:0:0:0:2:1")?.description == "2001:db8::2:1")
        #expect(IPAddress("2001:db8::1:0:0:0:1")?.description == "2001:db8:0:1::1")
        #expect(IPAddress("[::1]")?.description == "::1")
        #expect(IPAddress("::")?.description == "::")
        #expect(IPAddress("::ffff:7f00:1")?.description == "::ffff:127.0.0.1")
        #expect(IPAddress("fe80::1%eth0")?.description == "fe80::1")
        #expect(IPAddress("1:2:3:4:5:6:7:8")?.description == "1:2:3:4:5:6:7:8")
        #expect(IPAddress("1:0:3:4:5:6:7:8")?.description == "1:0:3:4:5:6:7:8")
        for bad in ["127.1", "0x7f.0.0.1", "01.2.3.4", "1.2.3.4.", "256.1.1.1", "1:2:3:4:5:6:7:8:9", "1::2::3", ":::", "1:2:3",
                    "::1.2.3", "g::1", "12345::", "localhost", "", "[]", "1.2.3.4::"] {
            #expect(IPAddress(bad) == nil, "\(bad)")
        }
        #expect(IPAddress("::ffff:127.0.0.1")?.unmapped == IPAddress("127.0.0.1"))
    }

    @Test("the host of a URL is cut out as a browser does: userinfo, port, brackets, backslashes")
    func hostOfURL() {
        #expect(URLHost.of(url: "http://127.0.0.1:8080/x")?.text == "127.0.0.1")
        #expect(URLHost.of(url: "https://user:pw@example.org/")?.text == "example.org")
        #expect(URLHost.of(url: "http://example.org@127.0.0.1/")?.text == "127.0.0.1")
        #expect(URLHost.of(url: "http://[::1]:8080/x")?.text == "[::1]")
        #expect(URLHost.of(url: "HTTP://Example.ORG?q")?.text == "Example.ORG")
        #expect(URLHost.of(url: "http://example.org\\@127.0.0.1/")?.text == "example.org")
        #expect(URLHost.of(url: "ws://10.0.0.1/socket")?.scheme == "ws")
        for other in ["data:text/html,x", "blob:http://example.org/1", "about:blank", "javascript:1", "file:///etc/passwd"] {
            #expect(URLHost.of(url: other) == nil, "\(other)")
        }
    }

    @Test("the policy: refused by default, everything with allowsPrivateAddresses, exact addresses let through")
    func policy() async {
        let resolver = NameResolver()
        let strict = NetworkPolicy()
        #expect(await strict.check(url: "http://8.8.8.8/", resolver: resolver) == .allowed)
        guard case .refused(let refusal)? = await strict.check(url: "http://127.0.0.1:8080/x", resolver: resolver) else {
            Issue.record("loopback allowed"); return
        }
        #expect(refusal.description == "loopback 127.0.0.1 (127.0.0.0/8)")
        guard case .refused(let mapped)? = await strict.check(url: "http://[::ffff:7f00:1]/", resolver: resolver) else {
            Issue.record("mapped loopback allowed"); return
        }
        #expect(mapped.description == "loopback ::ffff:127.0.0.1 (127.0.0.0/8 inside IPv4-mapped ::ffff:0:0/96)")
        guard case .refused(let local)? = await strict.check(url: "http://localhost:8080/", resolver: resolver) else {
            Issue.record("localhost allowed"); return
        }
        #expect(local.description == "loopback name localhost (localhost, *.localhost)")
        #expect(await strict.check(url: "data:text/plain,x", resolver: resolver) == nil)

        let everything = NetworkPolicy(allowsPrivateAddresses: true)
        #expect(await everything.check(url: "http://169.254.169.254/", resolver: resolver) == .allowed)
        #expect(await everything.check(url: "http://localhost/", resolver: resolver) == .allowed)

        let intranet = NetworkPolicy(allowedAddresses: [IPAddress("127.0.0.1")!, IPAddress("fd00::5")!])
        #expect(await intranet.check(url: "http://127.0.0.1:1/", resolver: resolver) == .allowed)
        #expect(await intranet.check(url: "http://2130706433/", resolver: resolver) == .allowed)
        #expect(await intranet.check(url: "http://[::ffff:127.0.0.1]/", resolver: resolver) == .allowed)
        #expect(await intranet.check(url: "http://[fd00::5]/", resolver: resolver) == .allowed)
        if case .refused(let other)? = await intranet.check(url: "http://127.0.0.2/", resolver: resolver) {
            #expect(other.rule.name == "loopback")
        } else {
            Issue.record("127.0.0.2 allowed by an exception for 127.0.0.1")
        }
    }

    @Test("names are resolved off the cooperative pool, every address judged, failures said")
    func resolving() async {
        let resolver = NameResolver(timeout: .seconds(5))
        // /etc/hosts names localhost; the policy refuses it by name before any lookup, so look it up directly.
        guard case .success(let addresses) = await resolver.resolve("localhost") else {
            Issue.record("localhost does not resolve"); return
        }
        #expect(addresses.contains(IPAddress("127.0.0.1")!))
        guard case .failure(let failure) = await resolver.resolve("no-such-host.invalid") else {
            Issue.record("a .invalid name resolved"); return
        }
        if case .timedOut = failure { Issue.record("the lookup of a .invalid name timed out") }
        #expect(await NetworkPolicy().check(url: "http://no-such-host.invalid/", resolver: resolver) == .unresolved(failure))
        // Many lookups at once, more than the pool has threads (they run on threads of their own):
        // each one answers, with its failure said. How fast is not asserted here (a loaded
        // machine would fail it for the wrong reason).
        let answers = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<16 {
                group.addTask { if case .failure = await resolver.resolve("host-\(index).invalid") { return true } else { return false } }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(answers.count == 16 && answers.allSatisfy { $0 })
    }
}
