import Crypto
import Foundation

/// Deterministic identifiers: the same inputs always give the same UUID, so anything derived
/// from a command (its ticket id, its event ids) is stable when the command is redelivered.
public enum DerivedID {
    /// A version-8 UUID (RFC 9562) from the SHA-256 of `source` and `label`.
    public static func uuid(from source: UUID, label: String) -> UUID {
        var hasher = SHA256()
        withUnsafeBytes(of: source.uuid) { hasher.update(bufferPointer: $0) }
        hasher.update(data: Array(label.utf8))
        return uuid(fromDigest: Array(hasher.finalize()))
    }

    /// A version-8 UUID (RFC 9562) from the first sixteen bytes of `digest`.
    public static func uuid(fromDigest digest: [UInt8]) -> UUID {
        var bytes = Array(digest.prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80  // version 8
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 9562 variant
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }
}
