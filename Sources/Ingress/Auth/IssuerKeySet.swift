import Foundation
import JWTKit

/// Where the issuer's signing keys come from: its JWKS over HTTPS (`OIDCKeySource`), or fixed
/// keys in the HTTP edge's fast tests.
protocol SigningKeySource: Sendable {
    /// The issuer tokens must name (`iss`).
    var issuer: String { get }
    /// The current keys (cached).
    func keys() async throws -> IssuerKeySet
    /// The keys fetched again — for a token naming a key not seen yet; nil when that was done too
    /// recently to do again.
    func refresh() async throws -> IssuerKeySet?
}

/// The verification keys: by `kid`, and for tokens that name none, the issuer's only key of
/// each algorithm.
struct IssuerKeySet: Sendable {
    /// Every key that has a `kid`. (The collection alone would verify a token with an unknown
    /// `kid` against its first key, hiding that the issuer has rotated: check `kids` first.)
    let collection: JWTKeyCollection
    let kids: Set<String>
    /// How many keys the issuer publishes per algorithm (`RS256`, `ES256`).
    let countByAlgorithm: [String: Int]
    /// Per algorithm with exactly one key, a collection holding only that key (as its
    /// default). OpenID Connect Core §10.1 lets a token omit `kid` when the key set leaves
    /// no doubt which key signed it; with several keys of its algorithm there is doubt.
    let soleKeyByAlgorithm: [String: JWTKeyCollection]

    /// Builds the set from a JWKS document, keeping only RS256 and ES256 (P-256) signing keys:
    /// a key of another type, use or algorithm — or one jwt-kit cannot read — is skipped, so a
    /// token can never be checked with an algorithm we did not choose, and an encryption key
    /// beside the signing keys (Keycloak publishes one) does not spoil the set. Throws when
    /// no usable key is left.
    init(jwks json: Data) async throws {
        struct Document: Decodable { let keys: [Entry] }
        struct Entry: Decodable {
            let key: JWK?
            let use: String?
            init(from decoder: any Decoder) throws {
                key = try? JWK(from: decoder)
                use = try? decoder.container(keyedBy: Use.self).decodeIfPresent(String.self, forKey: .use)
            }
            enum Use: CodingKey { case use }
        }
        let collection = JWTKeyCollection()
        var kids = Set<String>()
        var byAlgorithm: [String: [JWK]] = [:]
        for entry in try JSONDecoder().decode(Document.self, from: json).keys where entry.use ?? "sig" == "sig" {
            guard var key = entry.key else { continue }
            switch key.keyType {
            case .rsa where key.algorithm == nil || key.algorithm == .rs256:
                key.algorithm = .rs256
            case .ecdsa where (key.algorithm == nil || key.algorithm == .es256) && key.curve == .ecdsa(.p256):
                key.algorithm = .es256
            default:
                continue
            }
            guard let algorithm = key.algorithm?.rawValue else { continue }
            byAlgorithm[algorithm, default: []].append(key)
            if let kid = key.keyIdentifier {
                _ = try await collection.add(jwk: key, isDefault: false)
                kids.insert(kid.string)
            }
        }
        guard !byAlgorithm.isEmpty else {
            throw OIDCError("the issuer publishes no RS256 or ES256 signing key")
        }
        var sole: [String: JWTKeyCollection] = [:]
        for (algorithm, keys) in byAlgorithm where keys.count == 1 {
            var key = keys[0]
            // jwt-kit files keys by kid; a key published without one gets a local name.
            key.keyIdentifier = key.keyIdentifier ?? JWKIdentifier(string: "sole-\(algorithm)")
            sole[algorithm] = try await JWTKeyCollection().add(jwk: key, isDefault: true)
        }
        self.collection = collection
        self.kids = kids
        countByAlgorithm = byAlgorithm.mapValues(\.count)
        soleKeyByAlgorithm = sole
    }
}
