import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOFoundationCompat
import SopzDomain
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

    /// Hummingbird's `tickets/:id` as OpenAPI writes it: `tickets/{id}`.
    static func openAPIPath(_ path: String) -> String {
        path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
    }

    func registeredOperations() throws -> Set<String> {
        let core = try OfflineIngress.core()
        defer { core.shutDownHTTPClient() }
        return Set(
            buildRouter(core.dependencies).routes.map { route in
                "\(route.method.rawValue) /\(Self.openAPIPath(route.path.description))"
            })
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedRouteExists() throws {
        #expect(try registeredOperations() == documentedOperations())
    }

    /// Every `/api/v1` route goes through the access matrix, and the document states its roles.
    @Test func theAccessMatrixCoversEveryAPIRouteAndTheDocumentAgrees() throws {
        let declared = Set(
            AccessMatrix.all.map { "\($0.method.rawValue) /api/v1/\(Self.openAPIPath($0.path))" })
        #expect(declared.count == AccessMatrix.all.count, "an endpoint is declared twice")
        #expect(try registeredOperations().filter { $0.contains(" /api/v1/") } == declared)

        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: [String: Any]]])
        for endpoint in AccessMatrix.all {
            let path = "/api/v1/" + Self.openAPIPath(endpoint.path)
            let operation = try #require(paths[path]?[endpoint.method.rawValue.lowercased()], "\(endpoint)")
            #expect(operation["x-roles"] as? [String] == endpoint.roles.sorted().map(\.rawValue), "\(endpoint)")
        }
    }
}

@Suite struct OpenAPIResourceTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/Ingress/Resources/openapi.json")

    @Test func theFileIsServedAsItIs() async throws {
        let ingress = try await InMemoryIngress.make()
        let expected = try Data(contentsOf: Self.file)
        try await ingress.test { client in
            let response = try await client.execute(uri: "/openapi.json", method: .get, body: nil)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            #expect(Data(buffer: response.body) == expected)
        }
    }

    /// The strict reader's field lists are the types' coding keys, and the document lists the same.
    @Test func theBodyFieldsAreTheTypesAndTheDocuments() throws {
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        func properties(_ name: String) -> Set<String> {
            Set(((schemas[name] as? [String: Any])?["properties"] as? [String: Any])?.keys.map { $0 } ?? [])
        }
        #expect(TicketRoutes.createFields[""] == properties("NewTicket"))
        #expect(TicketRoutes.createFields["refund"] == properties("Refund"))
        #expect(NewTicket.fieldNames == ["title", "description", "category", "refund"])
    }
}
