import Foundation
import Logging
import PostgresNIO
import SopzDomain
import SopzInfrastructure
import Testing

@testable import Ingress

/// The OpenAPI document and the router describe the same API.
@Suite struct OpenAPIDocumentTests {
    func documentedOperations() throws -> Set<String> {
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        return Set(paths.flatMap { path, operations in operations.keys.map { "\($0.uppercased()) \(path)" } })
    }

    func registeredOperations() throws -> Set<String> {
        let logger = Logger(label: "test")
        let settings = try SharedSettings(environment: [:])
        let database = PostgresClient(configuration: settings.database.clientConfiguration(), backgroundLogger: logger)
        let publisher = AMQPPublisher(configuration: settings.amqp, logger: logger)
        let store = TicketStore(client: database, logger: logger)
        let listener = PostgresListener(configuration: settings.database, channel: "x", logger: logger)
        let http = HTTPClientService(caFile: nil)
        defer { try? http.client.syncShutdown() }
        let dependencies = IngressDependencies(
            publisher: publisher, database: database, store: store,
            waiter: CommandWaiter(listener: listener, store: store),
            mint: CommandIDMint(secret: Array(repeating: 1, count: 32)),
            verifier: TokenVerifier(
                keySource: OIDCKeySource(issuer: "https://x", httpClient: http.client, logger: logger), audience: "a",
                clockSkew: 0),
            metrics: HTTPMetrics(), maxBodyBytes: 1024, logger: logger)
        return Set(
            buildRouter(dependencies).routes.map { route in
                let path = route.path.description.split(separator: "/").map { part in
                    part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
                }
                return "\(route.method.rawValue) /\(path.joined(separator: "/"))"
            })
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedRouteExists() throws {
        #expect(try registeredOperations() == documentedOperations())
    }
}
