import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL
import SopzRuntime
import SopzTestSupport
import Testing

extension Integration {
    /// The newcomer's path, against the real `sopz-ingress` executable in dev mode: its
    /// development issuer serves discovery, keys, the sign-in page and tokens over HTTPS, the
    /// ingress discovers those keys over HTTPS, a demo client opens a ticket, and the other
    /// demo client cannot see it.
    @Suite struct DevModeProcessTests {
        static let apiPort = 18_543
        static let issuerPort = 18_544

        @Test func signInOpenATicketAndOnlyTheOwnerSeesIt() async throws {
            try await TestSystem.run { system in
                let keyFile = NSTemporaryDirectory() + "sopz-dev-issuer-\(UUID()).pem"
                defer { try? FileManager.default.removeItem(atPath: keyFile) }
                let ingress = try ChildProcess.start(
                    "sopz-ingress",
                    extra: [
                        "SOPZ_DEV_MODE": "1", "SOPZ_HTTP_ADDRESS": "127.0.0.1:\(Self.apiPort)",
                        "SOPZ_DEV_ISSUER_ADDRESS": "127.0.0.1:\(Self.issuerPort)",
                        "SOPZ_OIDC_ISSUER": "https://localhost:\(Self.issuerPort)/realms/sopz",
                        "SOPZ_DEV_ISSUER_KEY_FILE": keyFile,
                    ])
                defer { ingress.kill() }
                var tls = TLSConfiguration.makeClientConfiguration()
                tls.trustRoots = .file(try #require(system.settings.caFile))
                let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
                do {
                    let api = "https://localhost:\(Self.apiPort)"
                    let realm = "https://localhost:\(Self.issuerPort)/realms/sopz"

                    try await eventually("the ingress process is ready") {
                        (try? await client.execute(HTTPClientRequest(url: api + "/readyz"), timeout: .seconds(2)))?
                            .status == .ok
                    }
                    let page = try await client.execute(HTTPClientRequest(url: realm + "/login"), timeout: .seconds(5))
                    #expect(page.status == .ok)
                    #expect(FileManager.default.fileExists(atPath: keyFile))

                    func token(_ username: String) async throws -> String {
                        var request = HTTPClientRequest(url: realm + "/protocol/openid-connect/token")
                        request.method = .POST
                        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                        request.body = .bytes(
                            ByteBuffer(string: "grant_type=password&username=\(username)&password=demo"))
                        let response = try await client.execute(request, timeout: .seconds(5))
                        let body = try await response.body.collect(upTo: 65_536)
                        let json = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
                        return try #require(json?["access_token"] as? String)
                    }
                    func call(
                        _ path: String, token: String, body: String? = nil
                    ) async throws -> (status: UInt, json: [String: Any]) {
                        var request = HTTPClientRequest(url: api + path)
                        request.headers.add(name: "Authorization", value: "Bearer \(token)")
                        if let body {
                            request.method = .POST
                            request.headers.add(name: "Content-Type", value: "application/json")
                            request.headers.add(name: "Prefer", value: "wait=10")
                            request.body = .bytes(ByteBuffer(string: body))
                        }
                        let response = try await client.execute(request, timeout: .seconds(15))
                        let data = Data(buffer: try await response.body.collect(upTo: 65_536))
                        return (
                            response.status.code,
                            (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
                        )
                    }

                    let (ada, ben) = (try await token("ada"), try await token("ben"))
                    let created = try await call(
                        "/api/v1/tickets", token: ada, body: #"{"title":"From the process","description":"Hello"}"#)
                    #expect(created.status == 201)
                    let id = try #require(created.json["id"] as? String)
                    // Reads come from the read model: ask for the version the command reported,
                    // as a client that just acted does, so the projector's lag cannot race the read.
                    let version = try #require(created.json["version"] as? Int)
                    #expect(try await call("/api/v1/tickets/\(id)?minVersion=\(version)", token: ada).status == 200)
                    #expect(try await call("/api/v1/tickets/\(id)?minVersion=\(version)", token: ben).status == 404)
                    #expect(ingress.terminate() == 0)
                } catch {
                    try? await client.shutdown()
                    throw error
                }
                try await client.shutdown()
            }
        }
    }
}
