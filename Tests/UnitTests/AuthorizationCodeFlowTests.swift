import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import NIOCore
import NIOFoundationCompat
import Testing

@testable import Ingress

/// The development issuer's authorization code flow with PKCE (RFC 7636), which the web
/// interface signs in with — the same code path as against Keycloak.
@Suite struct AuthorizationCodeFlowTests {
    static let client = WebClient(origin: "https://desk.example")
    static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    static var request: [String: String] {
        [
            "client_id": "sopz-web", "redirect_uri": "https://desk.example/", "response_type": "code",
            "code_challenge": PKCE.challenge(for: verifier), "code_challenge_method": "S256", "state": "s+t/ate",
        ]
    }

    @Test func theChallengeIsTheRFCsExample() {
        // RFC 7636 Appendix B.
        #expect(
            PKCE.challenge(for: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
                == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        #expect(!PKCE.isWellFormed("short"))
        #expect(!PKCE.isWellFormed(String(repeating: "a", count: 129)))
        #expect(!PKCE.isWellFormed(String(repeating: "a", count: 42) + "!"))
        #expect(PKCE.isWellFormed(String(repeating: "a", count: 43)))
    }

    @Test func aRequestIsJudgedBeforeAnyFormIsShown() throws {
        let request = try AuthorizationRequest.parse(Self.request, client: Self.client).get()
        #expect(request.state == "s+t/ate")
        // Where there is no trusted place to send an error, it is shown, not redirected.
        var query = Self.request
        query["client_id"] = "other"
        guard case .failure(.shown) = AuthorizationRequest.parse(query, client: Self.client) else {
            Issue.record("a foreign client was not refused on the page")
            return
        }
        query = Self.request
        query["redirect_uri"] = "https://evil.example/"
        guard case .failure(.shown) = AuthorizationRequest.parse(query, client: Self.client) else {
            Issue.record("a foreign redirect URI was not refused on the page")
            return
        }
        // Other mistakes go back to the client, with its state.
        for (field, value) in [
            ("code_challenge_method", "plain"), ("code_challenge", "short"), ("response_type", "token"),
        ] {
            query = Self.request
            query[field] = value
            guard case .failure(let refusal) = AuthorizationRequest.parse(query, client: Self.client),
                let location = refusal.location
            else {
                Issue.record("\(field)=\(value) was not sent back")
                continue
            }
            #expect(location.hasPrefix("https://desk.example/?error="), "\(location)")
            #expect(location.contains("state=s%2Bt/ate"), "\(location)")
        }
        query = Self.request
        query["code_challenge"] = nil
        #expect(throws: AuthorizationRequest.Refusal.self) {
            try AuthorizationRequest.parse(query, client: Self.client).get()
        }
    }

    @Test func aCodeWorksOnceWithItsVerifierForItsClientWithinAMinute() throws {
        let request = try AuthorizationRequest.parse(Self.request, client: Self.client).get()
        let ada = try #require(DemoUser.all.first)
        let codes = AuthorizationCodes()
        let now = Date()
        func redeem(
            _ code: String, verifier: String = Self.verifier, redirect: String = "https://desk.example/", at: Date = now
        )
            -> Result<DemoUser, AuthorizationCodes.Refusal>
        {
            codes.redeem(code, clientID: "sopz-web", redirectURI: redirect, verifier: verifier, now: at)
        }
        let code = codes.issue(for: ada, answering: request, now: now)
        #expect(try redeem(code).get() == ada)
        #expect(throws: AuthorizationCodes.Refusal.self) { try redeem(code).get() }  // used

        let stolen = codes.issue(for: ada, answering: request, now: now)
        #expect(throws: AuthorizationCodes.Refusal.self) {
            try redeem(stolen, verifier: String(repeating: "x", count: 48)).get()
        }
        #expect(throws: AuthorizationCodes.Refusal.self) { try redeem(stolen).get() }  // gone after a failure

        let elsewhere = codes.issue(for: ada, answering: request, now: now)
        #expect(throws: AuthorizationCodes.Refusal.self) { try redeem(elsewhere, redirect: "https://evil/").get() }
        let late = codes.issue(for: ada, answering: request, now: now)
        #expect(throws: AuthorizationCodes.Refusal.self) { try redeem(late, at: now.addingTimeInterval(61)).get() }
        #expect(throws: AuthorizationCodes.Refusal.self) {
            try codes.redeem(nil, clientID: nil, redirectURI: nil, verifier: nil).get()
        }
    }

    /// The whole flow over HTTP: the form, the redirect with the code, the token for it, and the
    /// CORS answers the page needs — to its own origin only.
    @Test func theBrowserFlowOverHTTP() async throws {
        var issuer = try await DevIssuer(
            devMode: true, issuer: "https://localhost:8444/realms/sopz", audience: "sopz-api", key: ES256PrivateKey())
        issuer.apiURL = "https://desk.example"
        let path = DevIssuer.realmPath + DevIssuer.authorizePath
        @Sendable func encoded(_ fields: [String: String]) -> String {
            fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }
                .joined(separator: "&")
        }
        let query = encoded(Self.request)
        let foreignRedirect = encoded(Self.request.merging(["redirect_uri": "https://evil.example/"]) { $1 })
        try await Application(router: issuer.router()).test(.router) { client in
            let discovery = try await client.execute(
                uri: DevIssuer.realmPath + "/.well-known/openid-configuration", method: .get,
                headers: [.origin: "https://desk.example"])
            #expect(discovery.headers[.accessControlAllowOrigin] == "https://desk.example")
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(buffer: discovery.body)) as? [String: Any])
            #expect(
                document["authorization_endpoint"] as? String == "https://localhost:8444/realms/sopz"
                    + DevIssuer.authorizePath)
            #expect(document["code_challenge_methods_supported"] as? [String] == ["S256"])
            let foreign = try await client.execute(
                uri: DevIssuer.realmPath + "/.well-known/openid-configuration", method: .get,
                headers: [.origin: "https://evil.example"])
            #expect(foreign.headers[.accessControlAllowOrigin] == nil)

            let form = try await client.execute(uri: path + "?" + query, method: .get)
            #expect(form.status == .ok)
            let html = String(buffer: form.body)
            #expect(html.contains(#"name="code_challenge" value="\#(PKCE.challenge(for: Self.verifier))""#))
            #expect(form.headers[.contentSecurityPolicy]?.contains("form-action 'self' https://desk.example") == true)
            let refused = try await client.execute(
                uri: path + "?" + foreignRedirect, method: .get)
            #expect(refused.status == .badRequest)
            #expect(refused.headers[.location] == nil)

            let fields = query + "&username=ada&password="
            let wrong = try await client.execute(
                uri: path, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: fields + "nope"))
            #expect(wrong.status == .unauthorized)
            let signedIn = try await client.execute(
                uri: path, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: fields + "demo"))
            #expect(signedIn.status == .seeOther)
            let location = try #require(signedIn.headers[.location].flatMap(URLComponents.init(string:)))
            #expect(location.host == "desk.example")
            #expect(location.queryItems?.first { $0.name == "state" }?.value == "s+t/ate")
            let code = try #require(location.queryItems?.first { $0.name == "code" }?.value)

            let exchange =
                "grant_type=authorization_code&client_id=sopz-web&redirect_uri=https%3A%2F%2Fdesk.example%2F&code=\(code)&code_verifier="
            let token = try await client.execute(
                uri: DevIssuer.realmPath + DevIssuer.tokenPath, method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .origin: "https://desk.example"],
                body: ByteBuffer(string: exchange + Self.verifier))
            #expect(token.status == .ok)
            #expect(token.headers[.accessControlAllowOrigin] == "https://desk.example")
            let answer = try #require(
                try JSONSerialization.jsonObject(with: Data(buffer: token.body)) as? [String: Any])
            #expect((answer["access_token"] as? String)?.split(separator: ".").count == 3)
            let replayed = try await client.execute(
                uri: DevIssuer.realmPath + DevIssuer.tokenPath, method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: exchange + Self.verifier))
            #expect(replayed.status == .badRequest)
            #expect(String(buffer: replayed.body).contains("invalid_grant"))

            let preflight = try await client.execute(
                uri: DevIssuer.realmPath + DevIssuer.tokenPath, method: .options,
                headers: [.origin: "https://desk.example", .accessControlRequestMethod: "POST"])
            #expect(preflight.status == .noContent)
            let out = try await client.execute(
                uri: DevIssuer.realmPath + DevIssuer.logoutPath
                    + "?post_logout_redirect_uri=https%3A%2F%2Fdesk.example%2F",
                method: .get)
            #expect(out.status == .seeOther)
            #expect(out.headers[.location] == "https://desk.example/")
            let nowhere = try await client.execute(
                uri: DevIssuer.realmPath + DevIssuer.logoutPath + "?post_logout_redirect_uri=https%3A%2F%2Fevil%2F",
                method: .get)
            #expect(nowhere.status == .ok)
        }
    }
}
