import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import Testing

@testable import Ingress

/// RFC 9110: a known path asked with a method it does not answer is a 405 with `Allow`; an
/// unknown path stays a 404. Decided by the router before any token is read.
@Suite struct MethodNotAllowedTests {
    @Test func routeMethodsMatchPathPatterns() {
        let routes = RouteMethods([
            (.post, "/api/v1/tickets"), (.get, "/api/v1/tickets/:id"), (.post, "/api/v1/tickets/{id}/cancel"),
            (.get, "/healthz"),
        ])
        #expect(routes.methods(for: "/api/v1/tickets") == [.post])
        #expect(routes.methods(for: "/api/v1/tickets/\(UUID())") == [.get, .head])
        #expect(routes.methods(for: "/api/v1/tickets/x/cancel/") == [.post])
        #expect(routes.methods(for: "/healthz") == [.get, .head])
        #expect(routes.methods(for: "/api/v1/tickets/x/y") == nil)
        #expect(routes.methods(for: "/") == nil)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let method: HTTPRequest.Method
        let path: String
        /// nil: 404.
        let allow: String?
        var testDescription: String { "\(method.rawValue) \(path)" }
    }

    static let cases: [Case] = [
        Case(method: .trace, path: "/api/v1/tickets", allow: "GET, HEAD, POST"),
        Case(method: .put, path: "/api/v1/tickets", allow: "GET, HEAD, POST"),
        Case(method: .delete, path: "/api/v1/tickets", allow: "GET, HEAD, POST"),
        Case(method: .patch, path: "/api/v1/tickets/\(UUID())/history", allow: "GET, HEAD"),
        Case(method: .trace, path: "/api/v1/tickets/\(UUID())", allow: "GET, HEAD"),
        Case(method: .post, path: "/api/v1/commands/\(UUID())", allow: "GET, HEAD"),
        Case(method: HTTPRequest.Method("QUERY")!, path: "/api/v1/administrators", allow: "GET, HEAD"),
        Case(method: .options, path: "/healthz", allow: "GET, HEAD"),
        Case(method: .trace, path: "/openapi.json", allow: "GET, HEAD"),
        Case(method: .trace, path: "/nowhere", allow: nil),
        Case(method: .get, path: "/api/v1/nothing/here", allow: nil),
    ]

    @Test(arguments: cases)
    func isAnsweredWithAllowedMethods(_ example: Case) async throws {
        try await OfflineIngress.withRouter { router in
            try await Application(router: router).test(.router) { client in
                let response = try await client.execute(uri: example.path, method: example.method, body: nil)
                #expect(response.headers[.contentType] == "application/problem+json")
                let problem = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                if let allow = example.allow {
                    #expect(response.status == .methodNotAllowed)
                    #expect(response.headers[.allow] == allow)
                    #expect(problem?["type"] as? String == "https://sopz.dev/problems/method-not-allowed")
                } else {
                    #expect(response.status == .notFound)
                    #expect(response.headers[.allow] == nil)
                    #expect(problem?["type"] as? String == "https://sopz.dev/problems/not-found")
                }
            }
        }
    }

    @Test func headIsAnsweredWhereGetIs() async throws {
        try await OfflineIngress.withRouter { router in
            try await Application(router: router).test(.router) { client in
                let response = try await client.execute(uri: "/healthz", method: .head, body: nil)
                #expect(response.status == .ok)
                #expect(response.body.readableBytes == 0)
            }
        }
    }
}
