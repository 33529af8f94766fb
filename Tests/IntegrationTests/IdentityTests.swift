import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import NIOCore
import NIOFoundationCompat
import NIOSSL
import SopzTestSupport
import Testing

@testable import Ingress

extension Integration {
    /// The issuer side of identity: key rotation, the refresh rate limit, the sign-in page, and
    /// the whole dev-mode ingress process as a newcomer meets it.
    @Suite struct IdentityTests {
        func status(of token: String, _ system: TestSystem) async throws -> HTTPResponse.Status {
            let status = Locked(HTTPResponse.Status.internalServerError)
            try await system.http { client in
                let response = try await client.get("/api/v1/tickets/\(UUID())", token: token)
                status.set(response.status)
            }
            return status.value
        }

        @Test func aRotatedKeyIsPickedUpWithoutARestart() async throws {
            try await TestSystem.run(dispatcher: false, ingress: ["SOPZ_OIDC_MIN_KEY_REFRESH_SECONDS": "0"]) { system in
                let before = try await system.token("ada")
                #expect(try await status(of: before, system) == .notFound)  // signed in; the ticket is not there
                let oldKey = system.issuer.keyID
                try await system.issuer.rotateKey()
                #expect(system.issuer.keyID != oldKey)
                let after = try await system.token("ada")
                #expect(try await status(of: after, system) == .notFound)
                #expect(try await status(of: before, system) == .notFound)
            }
        }

        @Test func unknownKeysRefetchTheJWKSAtMostOncePerInterval() async throws {
            try await TestSystem.run(dispatcher: false) { system in  // the default: 10 s between fetches
                #expect(try await status(of: try await system.token("ada"), system) == .notFound)
                try await system.issuer.rotateKey()
                // The keys were fetched a moment ago, so the new kid is refused rather than refetched.
                let response = try await status(of: try await system.token("ada"), system)
                #expect(response == .unauthorized)
            }
        }

        /// OpenID Connect Core §10.1: `kid` may be left out while the issuer has a single key.
        @Test func aTokenWithoutKidIsVerifiedWithTheIssuersOnlyKey() async throws {
            try await TestSystem.run(dispatcher: false) { system in
                let claims = system.issuer.claims(for: TokenAttackTests.ada)
                let token = try await TokenAttackTests.sign(claims, with: system.signingKey, kid: nil)
                #expect(try await status(of: token, system) == .notFound)  // signed in; the ticket is not there
            }
        }

        @Test func azpNamesTheAudienceOnlyWhenConfiguredTo() async throws {
            try await TestSystem.run(dispatcher: false, ingress: ["SOPZ_OIDC_ACCEPT_AZP": "1"]) { system in
                var claims = system.issuer.claims(for: TokenAttackTests.ada)
                claims.aud = .init(value: ["account"])
                claims.azp = TestSystem.audience
                let token = try await TokenAttackTests.sign(claims, with: system.signingKey, kid: system.issuer.keyID)
                #expect(try await status(of: token, system) == .notFound)
                claims.azp = "another-client"
                let other = try await TokenAttackTests.sign(claims, with: system.signingKey, kid: system.issuer.keyID)
                #expect(try await status(of: other, system) == .unauthorized)
            }
        }

        @Test func theSignInPageGivesAWorkingToken() async throws {
            try await TestSystem.run(dispatcher: false) { system in
                let app = Application(router: system.issuer.router())
                let token = Locked("")
                try await app.test(.router) { client in
                    let page = try await client.get("/realms/sopz/login", token: nil)
                    #expect(page.status == .ok)
                    #expect(page.headers[.contentType] == "text/html; charset=utf-8")
                    let policy = try #require(page.headers[.contentSecurityPolicy])
                    #expect(policy.hasPrefix("default-src 'none'; style-src 'sha256-"))
                    #expect(!policy.contains("unsafe"))
                    for user in DemoUser.all { #expect(page.text.contains("value=\"\(user.username)\"")) }

                    func signIn(_ form: String) async throws -> TestResponse {
                        try await client.execute(
                            uri: "/realms/sopz/login", method: .post,
                            headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: form)
                        )
                    }
                    let wrong = try await signIn("username=ben&password=guess")
                    #expect(wrong.status == .unauthorized)
                    #expect(wrong.text.contains("wrong password"))
                    let signedIn = try await signIn("username=ben&password=demo")
                    #expect(signedIn.status == .ok)
                    #expect(signedIn.text.contains("Signed in as Ben Client"))
                    let textarea = try #require(signedIn.text.range(of: "<textarea readonly rows=\"8\">"))
                    let end = try #require(signedIn.text.range(of: "</textarea>"))
                    token.set(String(signedIn.text[textarea.upperBound..<end.lowerBound]))
                }
                #expect(try await status(of: token.value, system) == .notFound)
            }
        }

        @Test func htmlIsEscaped() {
            #expect(
                LoginPage.escape(#"<a href="x">'&'</a>"#) == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        }
    }
}
