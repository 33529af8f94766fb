import JWTKit
import SopzDomain

/// The claims Sopz reads from a Keycloak-style access token (docs/identity.md).
struct AccessTokenClaims: JWTPayload {
    struct Roles: Codable, Sendable { var roles: [String]? }

    var sub: SubjectClaim
    var iss: IssuerClaim
    var aud: AudienceClaim?
    var azp: String?
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim?
    var iat: IssuedAtClaim?
    var name: String?
    var preferredUsername: String?
    var realmAccess: Roles?
    var resourceAccess: [String: Roles]?

    private enum CodingKeys: String, CodingKey {
        case sub, iss, aud, azp, exp, nbf, iat, name
        case preferredUsername = "preferred_username"
        case realmAccess = "realm_access"
        case resourceAccess = "resource_access"
    }

    /// Time, issuer and audience are checked by `TokenVerifier` with the configured values.
    func verify(using algorithm: some JWTAlgorithm) async throws {}

    /// Sopz roles from the realm roles and the roles of the API client (`audience`).
    func roles(audience: String) -> Set<Role> {
        let names = (realmAccess?.roles ?? []) + (resourceAccess?[audience]?.roles ?? [])
        return Set(names.compactMap(Role.init(rawValue:)))
    }

    func user(audience: String) -> User {
        User(
            id: sub.value, name: name ?? preferredUsername ?? sub.value, roles: roles(audience: audience))
    }
}
