import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SopzRuntime
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
                try await IngressProcess.with(
                    apiPort: Self.apiPort, issuerPort: Self.issuerPort, settings: system.settings
                ) { ingress in
                    let page = try await ingress.client.execute(
                        .init(url: ingress.realm + "/login"), timeout: .seconds(5))
                    #expect(page.status == .ok)
                    #expect(ingress.keyFileExists)

                    let (ada, ben) = (try await ingress.token("ada"), try await ingress.token("ben"))
                    let created = try await ingress.call(
                        "/api/v1/tickets", token: ada, body: #"{"title":"From the process","description":"Hello"}"#)
                    #expect(created.status == 201)
                    let id = try #require(created.json["id"] as? String)
                    // Reads come from the read model: ask for the version the command reported,
                    // as a client that just acted does, so the projector's lag cannot race the read.
                    let version = try #require(created.json["version"] as? Int)
                    #expect(
                        try await ingress.call("/api/v1/tickets/\(id)?minVersion=\(version)", token: ada).status == 200)
                    #expect(
                        try await ingress.call("/api/v1/tickets/\(id)?minVersion=\(version)", token: ben).status == 404)
                    #expect(ingress.process.terminate() == 0)
                }
            }
        }
    }
}
