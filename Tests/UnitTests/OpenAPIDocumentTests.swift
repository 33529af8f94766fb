import Foundation
import Logging
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
        let settings = try SharedSettings(environment: [:])
        let core = IngressCore.make(
            shared: settings, issuer: "https://issuer.invalid", audience: "a", clockSkew: 0,
            commandIDSecret: Array(repeating: 1, count: 32), maxBodyBytes: 1024, logger: Logger(label: "test"))
        defer {
            for case let http as HTTPClientService in core.services { try? http.client.syncShutdown() }
        }
        return Set(
            buildRouter(core.dependencies).routes.map { route in
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
