import Foundation
import JWTKit
import SopzDomain
import Synchronization

/// Turns a bearer token into a `User`, or explains (as a 401/403 problem) why not.
///
/// Checks: the header names RS256 or ES256 and a `kid`; the signature verifies with the
/// issuer's key of that `kid`; `iss` is the configured issuer; `aud` contains (or `azp` is)
/// the configured audience; `exp` and `nbf` hold within `clockSkew`; at least one Sopz role.
struct TokenVerifier: Sendable {
    let keySource: OIDCKeySource
    let audience: String
    let clockSkew: TimeInterval
    var now: @Sendable () -> Date = { Date() }
    /// Tokens whose signature, issuer, audience and roles were already checked; clients send
    /// the same token many times, and the signature check is the expensive part.
    let verified = VerifiedTokens()

    private struct Header: Decodable {
        let alg: String?
        let kid: String?
    }

    func user(fromBearer token: String) async throws -> User {
        if let entry = verified.entry(for: token) {
            try checkTime(expires: entry.expires, notBefore: entry.notBefore)
            return entry.user
        }
        let header = try Self.header(of: token)
        guard let alg = header.alg, ["RS256", "ES256"].contains(alg) else {
            throw Problem.unauthorized("the token must be signed with RS256 or ES256")
        }
        guard let kid = header.kid else { throw Problem.unauthorized("the token names no key (kid)") }
        let claims = try await verifySignature(token, kid: kid)
        guard claims.iss.value == keySource.issuer else { throw Problem.unauthorized("the token has the wrong issuer") }
        let audiences = claims.aud?.value ?? []
        guard audiences.contains(audience) || claims.azp == audience else {
            throw Problem.unauthorized("the token is not for this API (audience)")
        }
        try checkTime(expires: claims.exp.value, notBefore: claims.nbf?.value)
        let user = claims.user(audience: audience)
        guard !user.roles.isEmpty else {
            throw Problem.forbidden("the token carries none of the roles client, administrator, manager")
        }
        verified.remember(token, .init(user: user, expires: claims.exp.value, notBefore: claims.nbf?.value))
        return user
    }

    private func checkTime(expires: Date, notBefore: Date?) throws {
        let now = now()
        guard expires.addingTimeInterval(clockSkew) > now else { throw Problem.unauthorized("the token has expired") }
        if let notBefore, notBefore.addingTimeInterval(-clockSkew) > now {
            throw Problem.unauthorized("the token is not valid yet")
        }
    }

    private func verifySignature(_ token: String, kid: String) async throws -> AccessTokenClaims {
        var keys: OIDCKeySource.KeySet
        do {
            keys = try await keySource.keys()
        } catch {
            throw Problem.unavailable("the identity provider cannot be reached")
        }
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
