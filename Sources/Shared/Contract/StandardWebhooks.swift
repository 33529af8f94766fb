import Crypto
import Foundation
import SopzDomain

/// A webhook signing secret as Standard Webhooks writes it: `whsec_` and the base64 of its bytes.
public struct WebhookSecret: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    public var text: String { "whsec_" + Data(bytes).base64EncodedString() }
    /// Never the secret itself: a logged value must not leak it.
    public var description: String { "whsec_…" }
}

/// Every subscription's secrets, derived from one server key, so no secret is stored in a
/// database, a command or a log: the ingress derives it to show the manager once, the notifier to
/// sign. Changing the key changes every secret (the README says how to roll it).
public struct WebhookSecrets: Sendable {
    private let key: SymmetricKey

    /// `key`: at least 32 random bytes (`SOPZ_WEBHOOK_KEY`).
    public init(key: [UInt8]) { self.key = SymmetricKey(data: key) }

    /// The secret that command `command` made for subscription `id`: HMAC-SHA256 of both under
    /// the key, 32 bytes.
    public func secret(for id: WebhookID, madeBy command: CommandID) -> WebhookSecret {
        let label = Array("sopz webhook secret v1\u{0}\(id)\u{0}\(command)".utf8)
        return WebhookSecret(bytes: Array(HMAC<SHA256>.authenticationCode(for: label, using: key)))
    }

    /// The secrets a delivery to `webhook` made at `now` is signed with (`signingSecretsMadeBy`).
    public func signingSecrets(of webhook: WebhookSubscription, at now: Date) -> [WebhookSecret] {
        webhook.signingSecretsMadeBy(at: now).map { secret(for: webhook.id, madeBy: $0) }
    }
}

/// Standard Webhooks v1 (standardwebhooks.com): the headers that let a receiver verify who sent a
/// delivery and when, and drop a replay.
public enum StandardWebhooks {
    /// `webhook-signature`: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, one per secret,
    /// separated by spaces (a receiver accepts any one it can verify).
    public static func signature(id: String, timestamp: Int, body: [UInt8], secrets: [WebhookSecret]) -> String {
        let signed = Array("\(id).\(timestamp).".utf8) + body
        return secrets.map { secret in
            let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: secret.bytes))
            return "v1," + Data(mac).base64EncodedString()
        }.joined(separator: " ")
    }

    /// The three headers of a delivery of message `id` (the CloudEvent's id, the same on every
    /// attempt and replay, so a receiver can deduplicate), sent at `timestamp` (Unix seconds).
    public static func headers(
        id: String, timestamp: Int, body: [UInt8], secrets: [WebhookSecret]
    ) -> [(
        name: String, value: String
    )] {
        [
            ("webhook-id", id), ("webhook-timestamp", String(timestamp)),
            ("webhook-signature", signature(id: id, timestamp: timestamp, body: body, secrets: secrets)),
        ]
    }
}
