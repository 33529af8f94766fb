import Crypto
import Foundation
import Hummingbird
import JWTKit
import NIOCore
import SopzDomain
import Synchronization

/// A minimal OpenID Connect issuer for development: discovery, JWKS, the authorization code flow
/// with PKCE for the web interface (the code path Keycloak serves in production) and a
/// password-grant token endpoint for curl, for the demo users, signing ES256 with a key
/// generated on first start.
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
    /// The client id the web interface signs in as (`SOPZ_WEB_CLIENT_ID`).
    var webClientID = "sopz-web"
    /// The web interface, signed in by authorization code with PKCE, at `apiURL`.
    var webClient: WebClient { WebClient(id: webClientID, origin: apiURL) }
    private let codes = AuthorizationCodes()

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
        router.add(middleware: IssuerCORSMiddleware(origins: webClient.origins))
        let realm = router.group(RouterPath(Self.realmPath))
        realm.get(".well-known/openid-configuration") { _, _ in
            try jsonResponse(
                Discovery(
                    issuer: issuer, jwks_uri: issuer + Self.keysPath, token_endpoint: issuer + Self.tokenPath,
                    authorization_endpoint: issuer + Self.authorizePath, end_session_endpoint: issuer + Self.logoutPath)
            )
        }
        realm.get(RouterPath(String(Self.keysPath.dropFirst()))) { _, _ in
            try jsonResponse(publishedKeys)
        }
        realm.post(RouterPath(String(Self.tokenPath.dropFirst()))) { request, context in
            try await tokenResponse(request, context: context)
        }
        realm.get(RouterPath(String(Self.authorizePath.dropFirst()))) { request, _ in
            authorizeForm(Self.query(request))
        }
        realm.post(RouterPath(String(Self.authorizePath.dropFirst()))) { request, _ in
            try await authorize(Self.parseForm(String(buffer: try await request.body.collect(upTo: 16_384))))
        }
        realm.get(RouterPath(String(Self.logoutPath.dropFirst()))) { request, _ in
            logout(Self.query(request))
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

    static let keysPath = "/protocol/openid-connect/certs"
    static let tokenPath = "/protocol/openid-connect/token"
    static let authorizePath = "/protocol/openid-connect/auth"
    static let logoutPath = "/protocol/openid-connect/logout"

    private struct Discovery: Encodable {
        let issuer: String
        let jwks_uri: String
        let token_endpoint: String
        let authorization_endpoint: String
        let end_session_endpoint: String
        let grant_types_supported = ["authorization_code", "password"]
        let response_types_supported = ["code"]
        let code_challenge_methods_supported = ["S256"]
        let token_endpoint_auth_methods_supported = ["none"]
    }

    private struct TokenResponse: Encodable {
        let access_token: String
        let token_type = "Bearer"
        let expires_in: Int
    }

    /// The sign-in form for a browser's authorization request, or why there is none.
    func authorizeForm(_ query: [String: String], error: String? = nil) -> Response {
        switch AuthorizationRequest.parse(query, client: webClient) {
        case .success(let request):
            return LoginPage.response(
                LoginPage.form(action: Self.realmPath + Self.authorizePath, hidden: request.formFields, error: error),
                status: error == nil ? .ok : .unauthorized, formTargets: webClient.origins)
        case .failure(let refusal):
            return Self.refused(refusal)
        }
    }

    /// The sign-in form posted: back to the client with a one-time code, or the form again.
    func authorize(_ form: [String: String]) async throws -> Response {
        guard case .success(let request) = AuthorizationRequest.parse(form, client: webClient) else {
            return authorizeForm(form)
        }
        guard let user = DemoUser.signIn(username: form["username"], password: form["password"]) else {
            return authorizeForm(form, error: "Unknown user or wrong password.")
        }
        return Self.redirect(to: request.success(code: codes.issue(for: user, answering: request)))
    }

    /// Sign-out: the issuer keeps no session, so it only sends the browser back where the
    /// client asked — if that is one of its redirect URIs.
    func logout(_ query: [String: String]) -> Response {
        guard let target = query["post_logout_redirect_uri"], webClient.redirectURIs.contains(target) else {
            return LoginPage.response(LoginPage.signedOut())
        }
        return Self.redirect(to: target)
    }

    private static func refused(_ refusal: AuthorizationRequest.Refusal) -> Response {
        if let location = refusal.location { return redirect(to: location) }
        guard case .shown(let message) = refusal else { return redirect(to: "/") }
        return LoginPage.response(LoginPage.refused(message), status: .badRequest)
    }

    private static func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    private func tokenResponse(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: 16_384)
        let form = Self.parseForm(String(buffer: body))
        let user: DemoUser
        switch form["grant_type"] {
        case "password":
            guard let found = DemoUser.signIn(username: form["username"], password: form["password"]) else {
                return try jsonResponse(["error": "invalid_grant"], status: .unauthorized)
            }
            user = found
        case "authorization_code":
            switch codes.redeem(
                form["code"], clientID: form["client_id"], redirectURI: form["redirect_uri"],
                verifier: form["code_verifier"])
            {
            case .success(let found): user = found
            case .failure(.invalidGrant(let why)):
                return try jsonResponse(["error": "invalid_grant", "error_description": why], status: .badRequest)
            }
        default:
            return try jsonResponse(["error": "unsupported_grant_type"], status: .badRequest)
        }
        return try jsonResponse(TokenResponse(access_token: try await token(for: user), expires_in: Int(tokenLifetime)))
    }

    static func query(_ request: Request) -> [String: String] {
        var fields: [String: String] = [:]
        for (name, value) in request.uri.queryParameters { fields[String(name)] = String(value) }
        return fields
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
