import Foundation

/// Settings of webhooks, read by the ingress (which shows secrets and judges targets) and the
/// notifier (which signs and delivers): the README lists them.
public struct WebhookSettings: Sendable {
    /// `SOPZ_WEBHOOK_KEY`: 64 or more hex digits every subscription's signing secret derives
    /// from; the same in every ingress and notifier. Required outside dev mode; dev mode has a
    /// fixed, public one (so its secrets are no secret).
    public var key: [UInt8]
    /// `SOPZ_WEBHOOK_ALLOWED_NETWORKS`: comma-separated ranges (`10.1.0.0/16`, `::1`) webhooks
    /// may reach although they are internal; default none.
    public var targets: WebhookTargetPolicy

    /// The dev-mode key, public on purpose.
    static let devKey: [UInt8] = Array("sopz-dev-webhook-key-not-secret!".utf8)

    public init(environment: [String: String], devMode: Bool) throws {
        if let text = environment["SOPZ_WEBHOOK_KEY"] {
            guard let bytes = HexSetting.bytes(text), bytes.count >= 32 else {
                throw ConfigurationError("SOPZ_WEBHOOK_KEY must be at least 64 hex digits")
            }
            key = bytes
        } else if devMode {
            key = Self.devKey
        } else {
            throw ConfigurationError("SOPZ_WEBHOOK_KEY is required outside dev mode")
        }
        var allowed: [AddressRange] = []
        for entry in (environment["SOPZ_WEBHOOK_ALLOWED_NETWORKS"] ?? "").split(separator: ",") {
            let text = entry.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            guard let range = AddressRange(text) else {
                throw ConfigurationError("SOPZ_WEBHOOK_ALLOWED_NETWORKS: '\(text)' is not an address or a range")
            }
            allowed.append(range)
        }
        targets = WebhookTargetPolicy(allowedNetworks: allowed, allowsHTTP: devMode)
    }
}

/// Secrets written as hex digits.
public enum HexSetting {
    /// The bytes `text` spells in hex; nil unless it is an even number of hex digits.
    public static func bytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) else {
                return nil
            }
            bytes.append(byte)
        }
        return bytes
    }
}
