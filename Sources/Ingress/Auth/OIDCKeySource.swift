import AsyncHTTPClient
import Foundation
import JWTKit
import Logging
import NIOCore
import NIOSSL
import Synchronization

/// The issuer's signing keys, discovered from `<issuer>/.well-known/openid-configuration`
/// → `jwks_uri` over HTTPS (certificate verified), cached, and refreshed on a schedule or when
/// a token names an unknown `kid` — at most once per `minimumRefreshInterval`, so a flood of
/// made-up `kid`s cannot hammer the issuer.
final class OIDCKeySource: Sendable {
    /// The verification keys and their `kid`s. (The collection alone would verify a token with
    /// an unknown `kid` against its first key, hiding that the issuer has rotated.)
    struct KeySet: Sendable {
        let collection: JWTKeyCollection
        let kids: Set<String>
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
        let jwks = try await getJSON(JWKS.self, from: discovery.jwks_uri)
        let keys = JWTKeyCollection()
        var kids = Set<String>()
        for key in jwks.keys {
            // RS256 and ES256 only: a key of another type or algorithm is skipped, so a token
            // can never be checked with an algorithm we did not choose.
            var key = key
            switch key.keyType {
            case .rsa where key.algorithm == nil || key.algorithm == .rs256:
                key.algorithm = .rs256
            case .ecdsa where (key.algorithm == nil || key.algorithm == .es256) && key.curve == .ecdsa(.p256):
                key.algorithm = .es256
            default:
                continue
            }
            guard let kid = key.keyIdentifier else { continue }
            _ = try await keys.add(jwk: key, isDefault: false)
            kids.insert(kid.string)
        }
        guard !kids.isEmpty else { throw OIDCError("the issuer publishes no RS256 or ES256 signing key") }
        return KeySet(collection: keys, kids: kids)
    }

    private func getJSON<T: Decodable>(_ type: T.Type, from url: String) async throws -> T {
        let response = try await httpClient.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
        guard response.status == .ok else { throw OIDCError("GET \(url) answered \(response.status.code)") }
        let body = try await response.body.collect(upTo: 1_048_576)
        return try JSONDecoder().decode(T.self, from: body)
    }
}

struct OIDCError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
