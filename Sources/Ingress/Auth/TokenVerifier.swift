import Foundation
import JWTKit
import SopzContract
import SopzDomain
import Synchronization

/// Turns a bearer token into a `User`, or explains (as a 401/403 problem) why not.
///
/// Checks: the header names RS256 or ES256 and lists no critical extension (`crit`: we know
/// none, and RFC 7515 §4.1.11 says to refuse what we do not understand); the signature
/// verifies with the issuer's key of the header's `kid` — or, without a `kid`, with the
/// issuer's only key of that algorithm; `iss` is the configured issuer; `aud` contains the
/// configured audience (or, only when `acceptsAuthorizedParty` is set, `azp` is it); `exp` and
/// `nbf` hold within `clockSkew`; at least one Sopz role.
struct TokenVerifier: Sendable {
    let keySource: any SigningKeySource
    let audience: String
    let clockSkew: TimeInterval
    /// `SOPZ_OIDC_ACCEPT_AZP`: also accept a token whose `aud` lacks the audience when its `azp`
    /// (the party it was issued to) is the audience. Off by default: `azp` says who asked for the
    /// token, not whom it is for.
    var acceptsAuthorizedParty = false
    var now: @Sendable () -> Date = { Date() }
    /// Tokens whose signature, issuer, audience and roles were already checked; clients send
    /// the same token many times, and the signature check is the expensive part.
    let verified = VerifiedTokens()

    struct Header: Decodable {
        let alg: String?
        let kid: String?
        /// Decoded only to tell that it is there.
        let crit: [String]?
    }

    func user(fromBearer token: String) async throws -> User { try await verify(bearer: token).user }

    /// The token's user and when the token expires (a live stream ends then).
    func verify(bearer token: String) async throws -> (user: User, expires: Date) {
        if let entry = verified.entry(for: token) {
            try checkTime(expires: entry.expires, notBefore: entry.notBefore)
            return (entry.user, entry.expires)
        }
        let header = try Self.header(of: token)
        guard let alg = header.alg, ["RS256", "ES256"].contains(alg) else {
            throw Problem.unauthorized("the token must be signed with RS256 or ES256")
        }
        guard header.crit == nil else {
            throw Problem.unauthorized("the token requires extensions this API does not understand (crit)")
        }
        let claims = try await verifySignature(token, alg: alg, kid: header.kid)
        guard claims.iss.value == keySource.issuer else { throw Problem.unauthorized("the token has the wrong issuer") }
        let audiences = claims.aud?.value ?? []
        guard audiences.contains(audience) || (acceptsAuthorizedParty && claims.azp == audience) else {
            throw Problem.unauthorized("the token is not for this API (audience)")
        }
        try checkTime(expires: claims.exp.value, notBefore: claims.nbf?.value)
        let user = claims.user(audience: audience)
        guard !user.roles.isEmpty else {
            throw Problem.forbidden("the token carries none of the roles client, administrator, manager")
        }
        verified.remember(token, .init(user: user, expires: claims.exp.value, notBefore: claims.nbf?.value))
        return (user, claims.exp.value)
    }

    private func checkTime(expires: Date, notBefore: Date?) throws {
        let now = now()
        guard expires.addingTimeInterval(clockSkew) > now else { throw Problem.unauthorized("the token has expired") }
        if let notBefore, notBefore.addingTimeInterval(-clockSkew) > now {
            throw Problem.unauthorized("the token is not valid yet")
        }
    }

    private func verifySignature(_ token: String, alg: String, kid: String?) async throws -> AccessTokenClaims {
        var keys: IssuerKeySet
        do {
            keys = try await keySource.keys()
        } catch {
            throw Problem.unavailable("the identity provider cannot be reached")
        }
        guard let kid else { return try await verifyWithSoleKey(token, alg: alg, keys: keys) }
        if !keys.kids.contains(kid) {
            // The issuer may have rotated its keys: refetch (rate-limited) and look again.
            guard let fresh = try? await keySource.refresh(), fresh.kids.contains(kid) else {
                throw Problem.unauthorized("the token was signed with an unknown key")
            }
            keys = fresh
        }
        do {
            return try await keys.collection.verify(token, as: AccessTokenClaims.self)
        } catch {
            throw Problem.unauthorized("the token's signature is not valid")
        }
    }

    /// A token without `kid`: verified with the issuer's only key of its algorithm. If that
    /// fails, the issuer may have replaced its key: the keys are refetched (rate-limited) and
    /// the token tried once more.
    private func verifyWithSoleKey(
        _ token: String, alg: String, keys: IssuerKeySet
    ) async throws -> AccessTokenClaims {
        func attempt(_ keys: IssuerKeySet) async throws -> AccessTokenClaims? {
            guard let sole = keys.soleKeyByAlgorithm[alg] else {
                let several = (keys.countByAlgorithm[alg] ?? 0) > 1
                throw Problem.unauthorized(
                    several
                        ? "the token names no key (kid) and the issuer has several \(alg) keys"
                        : "the issuer has no \(alg) key")
            }
            return try? await sole.verify(token, as: AccessTokenClaims.self)
        }
        if let claims = try await attempt(keys) { return claims }
        if let fresh = try? await keySource.refresh(), let claims = try await attempt(fresh) { return claims }
        throw Problem.unauthorized("the token's signature is not valid")
    }

    private static func header(of token: String) throws -> Header {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let data = Data(base64URLEncoded: String(parts[0])),
            let header = try? JSONDecoder().decode(Header.self, from: data)
        else { throw Problem.unauthorized("the bearer token is not a JWT") }
        return header
    }
}

/// A bounded memory of verified tokens (by their full text). Expiry is checked on every use.
final class VerifiedTokens: Sendable {
    struct Entry: Sendable {
        let user: User
        let expires: Date
        let notBefore: Date?
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let capacity: Int

    init(capacity: Int = 50_000) { self.capacity = capacity }

    func entry(for token: String) -> Entry? { entries.withLock { $0[token] } }

    func remember(_ token: String, _ entry: Entry) {
        entries.withLock { entries in
            // Full: start afresh (simple, bounded, and the common tokens come back at once).
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[token] = entry
        }
    }
}
