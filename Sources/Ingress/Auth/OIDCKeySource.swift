import AsyncHTTPClient
import Foundation
import JWTKit
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL
import Synchronization

/// The issuer's signing keys, discovered from `<issuer>/.well-known/openid-configuration`
/// → `jwks_uri` over HTTPS (certificate verified), cached, and refreshed on a schedule or when
/// a token names an unknown `kid` — at most once per `minimumRefreshInterval`, so a flood of
/// made-up `kid`s cannot hammer the issuer.
final class OIDCKeySource: Sendable {
    /// The verification keys: by `kid`, and for tokens that name none, the issuer's only key of
    /// each algorithm.
    struct KeySet: Sendable {
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

    private struct Cache {
        var keys: KeySet?
        var fetchedAt: ContinuousClock.Instant?
        var lastAttempt: ContinuousClock.Instant?
        /// The fetch under way; concurrent callers join it instead of starting their own.
        var inFlight: Task<KeySet, any Error>?
    }

    let issuer: String
    private let httpClient: HTTPClient
    private let logger: Logger
    private let cache = Mutex(Cache())
    private let refreshInterval: Duration
    private let minimumRefreshInterval: Duration

    init(
        issuer: String, httpClient: HTTPClient, logger: Logger, refreshInterval: Duration = .seconds(600),
        minimumRefreshInterval: Duration = .seconds(10)
    ) {
        self.issuer = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        self.httpClient = httpClient
        self.logger = logger
        self.refreshInterval = refreshInterval
        self.minimumRefreshInterval = minimumRefreshInterval
    }

    /// The cached keys, fetched first if there are none or they are older than the schedule.
    func keys() async throws -> KeySet {
        let (cached, fetchedAt) = cache.withLock { ($0.keys, $0.fetchedAt) }
        if let cached, let fetchedAt, ContinuousClock.now - fetchedAt < refreshInterval { return cached }
        do {
            return try await sharedFetch()
        } catch {
            // A stale key set still verifies tokens while the issuer is unreachable.
            if let cached { return cached }
            throw error
        }
    }

    /// Fetches the keys again (for an unknown `kid`) unless that was done very recently;
    /// nil when rate-limited.
    func refresh() async throws -> KeySet? {
        let allowed = cache.withLock { cache -> Bool in
            if cache.inFlight != nil { return true }
            if let last = cache.lastAttempt, ContinuousClock.now - last < minimumRefreshInterval { return false }
            return true
        }
        guard allowed else { return nil }
        return try await sharedFetch()
    }

    private func sharedFetch() async throws -> KeySet {
        let task = cache.withLock { cache in
            if let running = cache.inFlight { return running }
            cache.lastAttempt = .now
            // Unstructured on purpose: the fetch belongs to all waiting requests, not to the
            // first one (whose cancellation must not fail the others).
            let running = Task { try await self.fetch() }
            cache.inFlight = running
            return running
        }
        do {
            let keys = try await task.value
            cache.withLock {
                $0.keys = keys
                $0.fetchedAt = .now
                $0.inFlight = nil
            }
            return keys
        } catch {
            cache.withLock { $0.inFlight = nil }
            logger.warning("could not fetch the identity provider's keys", metadata: ["error": "\(error)"])
            throw OIDCError("the identity provider's keys are not available: \(error)")
        }
    }

    private struct Discovery: Decodable {
        let issuer: String
        let jwks_uri: String
    }

    private func fetch() async throws -> KeySet {
        let discovery = try await getJSON(Discovery.self, from: issuer + "/.well-known/openid-configuration")
        guard discovery.issuer == issuer else {
            throw OIDCError("discovery names issuer \(discovery.issuer), expected \(issuer)")
        }
        guard discovery.jwks_uri.lowercased().hasPrefix("https://") else {
            throw OIDCError("jwks_uri must be https")
        }
        return try await KeySet(jwks: getData(from: discovery.jwks_uri))
    }

    private func getJSON<T: Decodable>(_ type: T.Type, from url: String) async throws -> T {
        try JSONDecoder().decode(T.self, from: try await getData(from: url))
    }

    private func getData(from url: String) async throws -> Data {
        let response = try await httpClient.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
        guard response.status == .ok else { throw OIDCError("GET \(url) answered \(response.status.code)") }
        return Data(buffer: try await response.body.collect(upTo: 1_048_576))
    }
}

struct OIDCError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
