import Crypto
import Foundation
import Hummingbird
import JWTKit
import NIOCore
import SopzDomain
import Synchronization

/// A minimal OpenID Connect issuer for development: discovery, JWKS and a password-grant token
/// endpoint for the demo users, signing ES256 with a key generated on first start.
///
/// It refuses to exist unless dev mode is on, and the ingress logs a warning while trusting it.
struct DevIssuer: Sendable {
    /// The realm path, shaped like Keycloak's so clients configured for one work with the other.
    static let realmPath = "/realms/sopz"

    let issuer: String
    let audience: String
    private let keys: SigningKeys
    var tokenLifetime: TimeInterval = 3_600
    /// Where the API is, for the curl lines on the sign-in page.
    var apiURL = "https://localhost:8443"

    /// The key that signs new tokens now.
    var keyID: String { keys.current }

    /// Loads (or creates, mode 0600) the signing key at `keyFile`.
    init(devMode: Bool, issuer: String, audience: String, keyFile: String) async throws {
        guard devMode else {
            throw DevIssuerError("the development issuer refuses to start outside dev mode (SOPZ_DEV_MODE=1)")
        }
        let key: ES256PrivateKey
        if let pem = try? String(contentsOfFile: keyFile, encoding: .utf8) {
            key = try ES256PrivateKey(pem: pem)
        } else {
            key = ES256PrivateKey()
            let directory = (keyFile as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            guard
                FileManager.default.createFile(
                    atPath: keyFile, contents: Data(key.pemRepresentation.utf8), attributes: [.posixPermissions: 0o600])
            else { throw DevIssuerError("cannot write the signing key to \(keyFile)") }
        }
        try await self.init(devMode: devMode, issuer: issuer, audience: audience, key: key)
    }

    init(devMode: Bool, issuer: String, audience: String, key: ES256PrivateKey) async throws {
        guard devMode else {
            throw DevIssuerError("the development issuer refuses to start outside dev mode (SOPZ_DEV_MODE=1)")
        }
        self.issuer = issuer
        self.audience = audience
        keys = SigningKeys()
        try await keys.add(key, keepingPrevious: false)
    }

    /// Signs new tokens with a fresh key from now on, publishing it next to the previous one
    /// (tokens already issued stay verifiable), as Keycloak does when keys are rotated.
    func rotateKey() async throws {
        try await keys.add(ES256PrivateKey(), keepingPrevious: true)
    }

    /// A signed access token for a demo user, as Keycloak would issue it.
    func token(for user: DemoUser, now: Date = Date()) async throws -> String {
        try await keys.signer.sign(claims(for: user, now: now), kid: JWKIdentifier(string: keys.current))
    }

    /// What a token for `user` says, as Keycloak would put it.
    func claims(for user: DemoUser, now: Date = Date()) -> AccessTokenClaims {
        AccessTokenClaims(
            sub: .init(value: user.id), iss: .init(value: issuer), aud: .init(value: [audience]), azp: audience,
            exp: .init(value: now.addingTimeInterval(tokenLifetime)), nbf: .init(value: now.addingTimeInterval(-1)),
            iat: .init(value: now), name: user.name, preferredUsername: user.username,
            realmAccess: .init(roles: user.roles.map(\.rawValue).sorted()), resourceAccess: nil)
    }

    /// The JWKS the issuer publishes: the current key and the one before it.
    var publishedKeys: JWKS { JWKS(keys: keys.published) }

    // MARK: HTTP

    func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let realm = router.group(RouterPath(Self.realmPath))
        realm.get(".well-known/openid-configuration") { _, _ in
            try jsonResponse([
                "issuer": issuer,
                "jwks_uri": issuer + "/protocol/openid-connect/certs",
                "token_endpoint": issuer + "/protocol/openid-connect/token",
                "grant_types_supported": "password",
            ])
        }
        realm.get("protocol/openid-connect/certs") { _, _ in
            try jsonResponse(publishedKeys)
        }
        realm.post("protocol/openid-connect/token") { request, context in
            try await tokenResponse(request, context: context)
        }
        let loginPath = Self.realmPath + "/login"
        realm.get("login") { _, _ in LoginPage.response(LoginPage.form(action: loginPath)) }
        realm.post("login") { request, _ in
            let form = Self.parseForm(String(buffer: try await request.body.collect(upTo: 16_384)))
            guard let user = DemoUser.signIn(username: form["username"], password: form["password"]) else {
                return LoginPage.response(
                    LoginPage.form(action: loginPath, error: "Unknown user or wrong password."), status: .unauthorized)
            }
            return LoginPage.response(
                LoginPage.signedIn(user, token: try await token(for: user), lifetime: tokenLifetime, apiURL: apiURL))
        }
        return router
    }

    private struct TokenResponse: Encodable {
        let access_token: String
        let token_type = "Bearer"
        let expires_in: Int
    }

    private func tokenResponse(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: 16_384)
        let form = Self.parseForm(String(buffer: body))
        guard form["grant_type"] == "password" else {
            return try jsonResponse(["error": "unsupported_grant_type"], status: .badRequest)
        }
        guard let user = DemoUser.signIn(username: form["username"], password: form["password"]) else {
            return try jsonResponse(["error": "invalid_grant"], status: .unauthorized)
        }
        return try jsonResponse(TokenResponse(access_token: try await token(for: user), expires_in: Int(tokenLifetime)))
    }

    static func parseForm(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }
}

/// The issuer's keys: the one that signs, and the public keys published in the JWKS.
final class SigningKeys: Sendable {
    private struct State {
        var current = ""
        var published: [JWK] = []
    }

    let signer = JWTKeyCollection()
    private let state = Mutex(State())

    var current: String { state.withLock { $0.current } }
    var published: [JWK] { state.withLock { $0.published } }

    func add(_ key: ES256PrivateKey, keepingPrevious: Bool) async throws {
        guard let parameters = key.publicKey.parameters else { throw DevIssuerError("unusable signing key") }
        let keyID = SHA256.hash(data: Data(key.publicKey.pemRepresentation.utf8)).prefix(8)
            .map { String(format: "%02x", $0) }.joined()
        await signer.add(ecdsa: key, kid: JWKIdentifier(string: keyID))
        let jwk = JWK.ecdsa(
            .es256, identifier: JWKIdentifier(string: keyID), x: parameters.x, y: parameters.y, curve: .p256)
        state.withLock { state in
            state.published = [jwk] + (keepingPrevious ? state.published.prefix(1) : [])
            state.current = keyID
        }
    }
}

struct DevIssuerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
