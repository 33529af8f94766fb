import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL
import SopzAMQP
import SopzContract
import SopzRuntime
import SopzTestSupport
import Testing

extension Integration {
    /// Signing in through a standard OpenID provider that nobody here wrote (PyPI's
    /// oidc-provider-mock, over HTTPS): one RS256 key, tokens without `kid`, `aud` an array.
    @Suite struct ExternalProviderTests {
        static let port = 18_600
        static var issuer: String { "https://localhost:\(port)" }
        static let redirect = "https://localhost/callback"

        @Test func itsTokensSignIn() async throws {
            let settings = try TestEnvironment.settings()
            let claims = #"{"sub":"ext-ada","name":"Ada External","realm_access":{"roles":["client"]}}"#
            let provider = try ChildProcess.testTool(
                "oidc_provider.py",
                arguments: [String(Self.port), TestEnvironment.certificateFile, TestEnvironment.keyFile, claims])
            defer { _ = provider.terminate() }
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(try #require(settings.caFile))
            let http = HTTPClient(
                eventLoopGroupProvider: .singleton,
                configuration: .init(tlsConfiguration: tls, redirectConfiguration: .disallow))
            do {
                try await eventually("the provider answers discovery") {
                    let url = Self.issuer + "/.well-known/openid-configuration"
                    return (try? await http.execute(HTTPClientRequest(url: url), timeout: .seconds(2)))?.status == .ok
                }
                let token = try await Self.signIn("ext-ada", http: http)
                let header = try Self.part(0, of: token)
                #expect(header["alg"] as? String == "RS256")
                #expect(header["kid"] == nil)
                #expect(try Self.part(1, of: token)["aud"] as? [String] == [TestSystem.audience])

                try await TestSystem.run(dispatcher: false, ingress: ["SOPZ_OIDC_ISSUER": Self.issuer]) { system in
                    try await system.http { client in
                        let read = try await client.get("/api/v1/tickets/\(UUID())", token: token)
                        #expect(read.status == .notFound)  // signed in: the ticket is not there
                        let open = try await client.post(
                            "/api/v1/tickets", token: token, json: #"{"title":"From outside","description":"d"}"#)
                        #expect(open.status == .accepted)
                        let tampered = token.dropLast(4) + "AAAA"
                        #expect(
                            try await client.get("/api/v1/tickets/\(UUID())", token: String(tampered)).status
                                == .unauthorized)
                    }
                    try await system.administration.purge(queue: "sopz.dispatcher")
                }
            } catch {
                try? await http.shutdown()
                throw error
            }
            try await http.shutdown()
        }

        /// The authorization code flow as a browser would run it: the provider's form (it asks only
        /// for the subject), the redirect with the code, the code exchanged for tokens.
        static func signIn(_ subject: String, http: HTTPClient) async throws -> String {
            let query =
                "client_id=\(TestSystem.audience)&redirect_uri=\(redirect)&response_type=code&scope=openid+profile"
            var authorize = HTTPClientRequest(url: issuer + "/oauth2/authorize?" + query)
            authorize.method = .POST
            authorize.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            authorize.body = .bytes(ByteBuffer(string: "sub=\(subject)"))
            let redirected = try await http.execute(authorize, timeout: .seconds(10))
            #expect(redirected.status == .found)
            let location = try #require(redirected.headers.first(name: "location"))
            let code = try #require(URLComponents(string: location)?.queryItems?.first { $0.name == "code" }?.value)

            var exchange = HTTPClientRequest(url: issuer + "/oauth2/token")
            exchange.method = .POST
            exchange.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            exchange.body = .bytes(
                ByteBuffer(
                    string: "grant_type=authorization_code&code=\(code)&redirect_uri=\(redirect)"
                        + "&client_id=\(TestSystem.audience)&client_secret=any"))
            let response = try await http.execute(exchange, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 20)
            let json = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
            return try #require(json?["id_token"] as? String)
        }

        static func part(_ index: Int, of token: String) throws -> [String: Any] {
            let data = try #require(Data(base64URLEncoded: String(token.split(separator: ".")[index])))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
    }
}
