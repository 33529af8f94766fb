#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A block of IP addresses (`10.0.0.0/8`, `fd00::/8`), as raw bytes: 4 for IPv4, 16 for IPv6.
public struct AddressRange: Sendable, Hashable, CustomStringConvertible {
    public let network: [UInt8]
    public let prefixLength: Int

    /// `address/length`, or a bare address (the whole address); nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let address = IPAddress.bytes(String(parts[0])) else { return nil }
        let length = parts.count == 2 ? Int(parts[1]) : address.count * 8
        guard let length, (0...address.count * 8).contains(length) else { return nil }
        network = address
        prefixLength = length
    }

    init(_ network: [UInt8], _ prefixLength: Int) {
        self.network = network
        self.prefixLength = prefixLength
    }

    public func contains(_ address: [UInt8]) -> Bool {
        guard address.count == network.count else { return false }
        var remaining = prefixLength
        for (byte, networkByte) in zip(address, network) where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            guard byte & mask == networkByte & mask else { return false }
            remaining -= 8
        }
        return true
    }

    public var description: String { "\(IPAddress.text(network))/\(prefixLength)" }
}

/// IP address literals.
public enum IPAddress {
    /// The bytes of an IPv4 or IPv6 literal (brackets allowed around IPv6); nil for a name.
    public static func bytes(_ text: String) -> [UInt8]? {
        var literal = text
        if literal.hasPrefix("["), literal.hasSuffix("]") { literal = String(literal.dropFirst().dropLast()) }
        var v4 = in_addr()
        if inet_pton(AF_INET, literal, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, literal, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    public static func text(_ bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        _ = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Where webhooks may be delivered, against server-side request forgery: a receiver outside
/// Sopz's own networks, reached over HTTPS. Judged on the URL when a subscription is registered
/// and again on every address actually connected to, so a name whose DNS answer changes later
/// (or always pointed at 127.0.0.1) cannot reach inside — unless an operator allowed the range.
public struct WebhookTargetPolicy: Sendable {
    /// `SOPZ_WEBHOOK_ALLOWED_NETWORKS`: ranges delivered to even though they are internal.
    public let allowedNetworks: [AddressRange]
    /// Plain `http` URLs, in dev mode only.
    public let allowsHTTP: Bool

    public init(allowedNetworks: [AddressRange] = [], allowsHTTP: Bool = false) {
        self.allowedNetworks = allowedNetworks
        self.allowsHTTP = allowsHTTP
    }

    /// The ranges no webhook reaches unless allowed: this host, private and shared networks,
    /// link-local (with the cloud metadata address 169.254.169.254), multicast, reserved and
    /// documentation blocks, and IPv6's equivalents. IPv4 inside IPv6 (`::ffff:a.b.c.d`,
    /// `64:ff9b::a.b.c.d`) is judged as the IPv4 address it carries.
    public static let internalRanges: [(range: AddressRange, name: String)] = [
        ("0.0.0.0/8", "this network"), ("10.0.0.0/8", "a private network"), ("100.64.0.0/10", "shared address space"),
        ("127.0.0.0/8", "loopback"), ("169.254.0.0/16", "link-local (cloud metadata)"),
        ("172.16.0.0/12", "a private network"), ("192.0.0.0/24", "IETF protocol assignments"),
        ("192.0.2.0/24", "documentation"), ("192.88.99.0/24", "6to4 relay"), ("192.168.0.0/16", "a private network"),
        ("198.18.0.0/15", "benchmarking"), ("198.51.100.0/24", "documentation"), ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"), ("240.0.0.0/4", "reserved"), ("::/128", "unspecified"), ("::1/128", "loopback"),
        ("100::/64", "discard-only"), ("2001:db8::/32", "documentation"), ("2002::/16", "6to4"),
        ("fc00::/7", "unique local (private)"), ("fe80::/10", "link-local"), ("ff00::/8", "multicast"),
    ].map { (AddressRange($0.0)!, $0.1) }

    /// Why `address` may not be connected to; nil when it may.
    public func refusal(of address: [UInt8]) -> String? {
        if allowedNetworks.contains(where: { $0.contains(address) }) { return nil }
        if address.count == 16, let carried = Self.carriedIPv4(address) {
            return refusal(of: carried).map { "\($0) (inside IPv6)" }
        }
        guard let inside = Self.internalRanges.first(where: { $0.range.contains(address) }) else { return nil }
        return "\(IPAddress.text(address)) is \(inside.name)"
    }

    /// Why `url` may not be a webhook's target; nil when it may. (Its form — absolute, a host, no
    /// user — is checked with the rest of the request.) A name passes here and is judged by the
    /// addresses it resolves to, at every delivery.
    public func refusal(ofURL url: String) -> String? {
        let lowered = url.lowercased()
        guard lowered.hasPrefix("https://") || (allowsHTTP && lowered.hasPrefix("http://")) else {
            return allowsHTTP ? "must be an http or https URL" : "must be an https URL"
        }
        let afterScheme = url[url.index(url.firstIndex(of: ":")!, offsetBy: 3)...]
        let authority = afterScheme.prefix { !"/?#".contains($0) }
        var host = String(authority)
        if host.hasPrefix("[") {
            host = String(host.prefix { $0 != "]" }) + "]"
        } else if let colon = host.lastIndex(of: ":") {
            host = String(host[..<colon])
        }
        if let address = IPAddress.bytes(host) { return refusal(of: address) }
        if host.lowercased() == "localhost" || host.lowercased().hasSuffix(".localhost") {
            return allowedNetworks.contains { $0.contains([127, 0, 0, 1]) } ? nil : "localhost is this host"
        }
        return nil
    }

    /// The IPv4 address an IPv4-mapped (`::ffff:0:0/96`) or NAT64 (`64:ff9b::/96`) address carries.
    static func carriedIPv4(_ address: [UInt8]) -> [UInt8]? {
        let prefix = Array(address.prefix(12))
        let mapped: [UInt8] = Array(repeating: 0, count: 10) + [0xFF, 0xFF]
        let nat64: [UInt8] = [0, 0x64, 0xFF, 0x9B] + Array(repeating: 0, count: 8)
        return prefix == mapped || prefix == nat64 ? Array(address.suffix(4)) : nil
    }
}
