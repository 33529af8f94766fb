import Crypto
import Foundation
import SopzDomain

/// Mints command ids that prove who they were minted for, without storing anything.
///
/// A command id is a UUID whose first twelve bytes are a nonce and whose last four are an
/// HMAC of (nonce, issuer) under a key every ingress replica shares. That lets any replica
/// answer `GET /commands/{id}` with `accepted` for a command that is still in the queue, and
/// 404 for an id that was never issued to the caller — with no write on the accept path
/// (writes keep being accepted while PostgreSQL is down).
///
/// With an `Idempotency-Key` the nonce is derived from (issuer, key), so a repeated POST mints
/// the same command id and the dispatcher applies it once.
public struct CommandIDMint: Sendable {
    private let key: SymmetricKey

    /// `secret` must be at least 32 bytes, shared by every ingress replica.
    public init(secret: [UInt8]) {
        precondition(secret.count >= 32, "the command id secret must be at least 32 bytes")
        key = SymmetricKey(data: secret)
    }

    /// A fresh id for `issuer`, or the one `idempotencyKey` always gives that issuer.
    public func mint(for issuer: String, idempotencyKey: String? = nil) -> CommandID {
        var nonce: [UInt8]
        if let idempotencyKey {
            nonce = mac(["idempotency", issuer, idempotencyKey])
        } else {
            // One draw of sixteen random bytes (UInt8.random per byte was a getrandom call each).
            nonce = withUnsafeBytes(of: UUID().uuid) { Array($0) }
        }
        nonce = Array(nonce.prefix(12))
        nonce[6] = (nonce[6] & 0x0F) | 0x80  // UUID version 8
        nonce[8] = (nonce[8] & 0x3F) | 0x80  // RFC 9562 variant
        let tag = Array(mac(["command", Hex.string(nonce), issuer]).prefix(4))
        return CommandID(DerivedID.uuid(fromDigest: nonce + tag))
    }

    /// True when `id` was minted by this key for `issuer`.
    public func wasMinted(_ id: CommandID, for issuer: String) -> Bool {
        let bytes = withUnsafeBytes(of: id.rawValue.uuid) { Array($0) }
        let expected = Array(mac(["command", Hex.string(bytes.prefix(12)), issuer]).prefix(4))
        return Array(bytes.suffix(4)) == expected
    }

    private func mac(_ parts: [String]) -> [UInt8] {
        // Length-prefixed parts, so ("ab","c") and ("a","bc") differ.
        var message: [UInt8] = []
        for part in parts {
            let utf8 = Array(part.utf8)
            message += withUnsafeBytes(of: UInt32(utf8.count).bigEndian) { Array($0) } + utf8
        }
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
    }
}
