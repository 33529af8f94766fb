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
final class OIDCKeySource: SigningKeySource {
    private struct Cache {
        var keys: IssuerKeySet?
        var fetchedAt: ContinuousClock.Instant?
        var lastAttempt: ContinuousClock.Instant?
        /// The fetch under way; concurrent callers join it instead of starting their own.
        var inFlight: Task<IssuerKeySet, any Error>?
        /// Fetches started since the process began.
        var fetches = 0
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

    /// How many times the keys were fetched from the issuer.
    var fetchCount: Int { cache.withLock { $0.fetches } }

    /// The cached keys, fetched first if there are none or they are older than the schedule.
    func keys() async throws -> IssuerKeySet {
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
    func refresh() async throws -> IssuerKeySet? {
        let allowed = cache.withLock { cache -> Bool in
            if cache.inFlight != nil { return true }
            if let last = cache.lastAttempt, ContinuousClock.now - last < minimumRefreshInterval { return false }
            return true
        }
        guard allowed else { return nil }
        return try await sharedFetch()
    }

    private func sharedFetch() async throws -> IssuerKeySet {
        let task = cache.withLock { cache in
            if let running = cache.inFlight { return running }
            cache.lastAttempt = .now
            cache.fetches += 1
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

    private func fetch() async throws -> IssuerKeySet {
        let discovery = try await getJSON(Discovery.self, from: issuer + "/.well-known/openid-configuration")
        guard discovery.issuer == issuer else {
            throw OIDCError("discovery names issuer \(discovery.issuer), expected \(issuer)")
        }
        guard discovery.jwks_uri.lowercased().hasPrefix("https://") else {
            throw OIDCError("jwks_uri must be https")
        }
        return try await IssuerKeySet(jwks: getData(from: discovery.jwks_uri))
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
