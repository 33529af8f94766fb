import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import SopzContract
import Synchronization

/// The browser client the development issuer signs people in for, as the realm export declares
/// `sopz-web`: a public client (no secret), authorization code with PKCE only, and the exact
/// redirect URIs and origins it may use.
struct WebClient: Sendable, Equatable {
    var id: String
    /// Where a code may be sent back to; compared exactly (OAuth 2.0 Security BCP §4.1.3).
    var redirectURIs: Set<String>
    /// The origins whose scripts may read the issuer's discovery, keys and tokens (CORS).
    var origins: Set<String>

    /// The client of an interface served at `origin` (`https://localhost:8443`).
    init(id: String = "sopz-web", origin: String) {
        self.id = id
        redirectURIs = [origin + "/"]
        origins = [origin]
    }
}

/// A sign-in request from the browser (`GET …/protocol/openid-connect/auth`), checked before the
/// sign-in form is shown. A wrong client or redirect URI is told to the person, never sent
/// anywhere (RFC 6749 §4.1.2.1); other mistakes go back to the client as `error=`.
struct AuthorizationRequest: Sendable, Equatable {
    let clientID: String
    let redirectURI: String
    let state: String?
    let challenge: String

    enum Refusal: Error, Equatable {
        /// Shown on the issuer's page: there is no trusted place to send it.
        case shown(String)
        /// Sent back to the client's redirect URI as `error` (and `state`).
        case redirected(to: String, error: String, description: String, state: String?)

        /// Where to send the browser for a redirected refusal.
        var location: String? {
            guard case .redirected(let uri, let error, let description, let state) = self else { return nil }
            return AuthorizationRequest.append(
                to: uri, ["error": error, "error_description": description, "state": state])
        }
    }

    /// The request in `query`, if `client` may make it.
    static func parse(_ query: [String: String], client: WebClient) -> Result<Self, Refusal> {
        guard query["client_id"] == client.id else { return .failure(.shown("This application is not known here.")) }
        guard let redirectURI = query["redirect_uri"], client.redirectURIs.contains(redirectURI) else {
            return .failure(.shown("This application may not be signed in from here (unknown redirect URI)."))
        }
        func refuse(_ error: String, _ description: String) -> Result<Self, Refusal> {
            .failure(.redirected(to: redirectURI, error: error, description: description, state: query["state"]))
        }
        guard query["response_type"] == "code" else {
            return refuse("unsupported_response_type", "only response_type=code is supported")
        }
        guard let challenge = query["code_challenge"], PKCE.isWellFormed(challenge) else {
            return refuse("invalid_request", "a PKCE code_challenge is required")
        }
        guard query["code_challenge_method"] == "S256" else {
            return refuse("invalid_request", "code_challenge_method must be S256")
        }
        return .success(
            Self(clientID: client.id, redirectURI: redirectURI, state: query["state"], challenge: challenge))
    }

    /// The fields the sign-in form carries back, so the POST is judged exactly like the GET.
    var formFields: [(name: String, value: String)] {
        [
            ("client_id", clientID), ("redirect_uri", redirectURI), ("response_type", "code"),
            ("code_challenge", challenge), ("code_challenge_method", "S256"),
        ] + (state.map { [("state", $0)] } ?? [])
    }

    /// Where the browser goes once signed in: back to the client with the code.
    func success(code: String) -> String {
        Self.append(to: redirectURI, ["code": code, "state": state])
    }

    static func append(to uri: String, _ parameters: KeyValuePairs<String, String?>) -> String {
        var components = URLComponents(string: uri) ?? URLComponents()
        components.queryItems =
            (components.queryItems ?? [])
            + parameters.compactMap { name, value in value.map { .init(name: name, value: $0) } }
        // `+` is left alone by URLComponents but read as a space by form decoders.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        return components.string ?? uri
    }
}

/// Proof Key for Code Exchange (RFC 7636), S256 only: the code goes only to whoever made the
/// request, since only they know the verifier whose hash the request carried.
enum PKCE {
    /// 43 to 128 characters of the unreserved set (RFC 7636 §4.1); a challenge is one too.
    static func isWellFormed(_ value: String) -> Bool {
        (43...128).contains(value.utf8.count)
            && value.utf8.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                    || [0x2D, 0x2E, 0x5F, 0x7E].contains(byte)
            }
    }

    /// `BASE64URL(SHA256(verifier))` without padding.
    static func challenge(for verifier: String) -> String {
        Data(SHA256.hash(data: Data(verifier.utf8))).base64URLEncodedString
    }
}

/// The codes the development issuer handed out and not yet redeemed: each one works once, within
/// a minute, for the client, redirect URI and PKCE challenge it was issued for.
final class AuthorizationCodes: Sendable {
    struct Grant: Sendable {
        let user: DemoUser
        let request: AuthorizationRequest
        let expires: Date
    }

    enum Refusal: Error, Equatable {
        case invalidGrant(String)
    }

    static let lifetime: TimeInterval = 60
    private let grants = Mutex([String: Grant]())

    /// A fresh code for `user`, answering `request`.
    func issue(for user: DemoUser, answering request: AuthorizationRequest, now: Date = Date()) -> String {
        let code = Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64URLEncodedString
        grants.withLock { grants in
            grants = grants.filter { $0.value.expires > now }
            grants[code] = Grant(user: user, request: request, expires: now.addingTimeInterval(Self.lifetime))
        }
        return code
    }

    /// The user `code` was issued for, if the rest of the token request matches it. A code is
    /// gone after its first redemption, whether that succeeded or not (RFC 6749 §4.1.2).
    func redeem(
        _ code: String?, clientID: String?, redirectURI: String?, verifier: String?, now: Date = Date()
    ) -> Result<DemoUser, Refusal> {
        guard let code, let grant = grants.withLock({ $0.removeValue(forKey: code) }), grant.expires > now else {
            return .failure(.invalidGrant("the code is unknown, used or expired"))
        }
        guard clientID == grant.request.clientID, redirectURI == grant.request.redirectURI else {
            return .failure(.invalidGrant("the code was issued to another client or redirect URI"))
        }
        guard let verifier, PKCE.isWellFormed(verifier), PKCE.challenge(for: verifier) == grant.request.challenge
        else { return .failure(.invalidGrant("the code_verifier does not match the code_challenge")) }
        return .success(grant.user)
    }
}

/// Lets the web interface's scripts read the issuer's discovery document, keys and tokens, as
/// Keycloak does for a client's `webOrigins`; any other origin gets no CORS headers.
struct IssuerCORSMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let origins: Set<String>

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let origin = request.headers[.origin], origins.contains(origin) else {
            return try await next(request, context)
        }
        if request.method == .options {
            return Response(
                status: .noContent,
                headers: [
                    .accessControlAllowOrigin: origin, .accessControlAllowMethods: "GET, POST",
                    .accessControlAllowHeaders: "Content-Type", .accessControlMaxAge: "600", .vary: "Origin",
                ])
        }
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.vary] = "Origin"
        return response
    }
}
