import Foundation

/// base64url (RFC 4648 §5), as JWTs and list cursors use it: `-` and `_` instead of `+` and
/// `/`, no padding.
extension Data {
    /// Nil unless `text` is base64url (padding optional).
    public init?(base64URLEncoded text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }

    /// These bytes as base64url without padding.
    public var base64URLEncodedString: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
