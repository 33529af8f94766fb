import Foundation
import JWTKit
import SopzDomain

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

    private struct Header: Decodable {
        let alg: String?
        let kid: String?
    }

    func user(fromBearer token: String) async throws -> User {
        let header = try Self.header(of: token)
        guard let alg = header.alg, ["RS256", "ES256"].contains(alg) else {
            throw Problem.unauthorized("the token must be signed with RS256 or ES256")
        }
        guard header.kid != nil else { throw Problem.unauthorized("the token names no key (kid)") }
        let claims = try await verifySignature(token)
        let now = now()
        guard claims.iss.value == keySource.issuer else { throw Problem.unauthorized("the token has the wrong issuer") }
        let audiences = claims.aud?.value ?? []
        guard audiences.contains(audience) || claims.azp == audience else {
            throw Problem.unauthorized("the token is not for this API (audience)")
        }
        guard claims.exp.value.addingTimeInterval(clockSkew) > now else {
            throw Problem.unauthorized("the token has expired")
        }
        if let nbf = claims.nbf, nbf.value.addingTimeInterval(-clockSkew) > now {
            throw Problem.unauthorized("the token is not valid yet")
        }
        let user = claims.user(audience: audience)
        guard !user.roles.isEmpty else {
            throw Problem.forbidden("the token carries none of the roles client, administrator, manager")
        }
        return user
    }

    private func verifySignature(_ token: String) async throws -> AccessTokenClaims {
        do {
            return try await keySource.keys().verify(token, as: AccessTokenClaims.self)
        } catch let error as JWTError where error.errorType == .unknownKID {
            // The issuer may have rotated its keys: refetch (rate-limited) and try once more.
            guard let keys = try? await keySource.refresh() else {
                throw Problem.unauthorized("the token was signed with an unknown key")
            }
            do {
                return try await keys.verify(token, as: AccessTokenClaims.self)
            } catch {
                throw Problem.unauthorized("the token's signature is not valid")
            }
        } catch let problem as Problem {
            throw problem
        } catch is OIDCError {
            throw Problem.unavailable("the identity provider cannot be reached")
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

extension Data {
    init?(base64URLEncoded text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }
}
