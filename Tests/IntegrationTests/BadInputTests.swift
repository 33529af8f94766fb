import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SopzAMQP
import SopzContract
import Testing

@testable import Ingress

extension Integration {
    /// Bad input gets a 4xx problem document and changes nothing: no command reaches RabbitMQ.
    @Suite struct BadInputTests {
        struct Case: Sendable, CustomTestStringConvertible {
            let name: String
            let body: String
            var contentType = "application/json"
            var token: String? = "ada"
            var authorization: String? = nil
            var headers: HTTPFields = [:]
            let status: HTTPResponse.Status
            var testDescription: String { name }
        }

        static let valid = #"{"title":"t","description":"d"}"#

        static let cases: [Case] = [
            Case(name: "malformed JSON", body: #"{"title": "t", "#, status: .badRequest),
            Case(name: "not an object", body: #"["title"]"#, status: .badRequest),
            Case(name: "wrong type", body: #"{"title": 7, "description": "d"}"#, status: .badRequest),
            Case(name: "missing field", body: #"{"title": "t"}"#, status: .badRequest),
            Case(name: "null field", body: #"{"title": null, "description": "d"}"#, status: .badRequest),
            Case(name: "unknown field", body: #"{"title":"t","description":"d","admin":true}"#, status: .badRequest),
            Case(
                name: "unknown nested field",
                body: #"{"title":"t","description":"d","refund":{"orderId":"o","amount":1,"currency":"EUR","x":1}}"#,
                status: .badRequest),
            Case(
                name: "amount as string",
                body: #"{"title":"t","description":"d","refund":{"orderId":"o","amount":"1","currency":"EUR"}}"#,
                status: .badRequest),
            Case(name: "empty title", body: #"{"title":" ","description":"d"}"#, status: .unprocessableContent),
            Case(
                name: "title too long", body: #"{"title":"\#(String(repeating: "x", count: 201))","description":"d"}"#,
                status: .unprocessableContent),
            Case(
                name: "oversized body",
                body: #"{"title":"t","description":"\#(String(repeating: "x", count: 70_000))"}"#,
                status: .contentTooLarge),
            Case(name: "wrong content type", body: valid, contentType: "text/plain", status: .unsupportedMediaType),
            Case(name: "missing token", body: valid, token: nil, status: .unauthorized),
            Case(
                name: "not a bearer token", body: valid, token: nil, authorization: "Basic YTpi", status: .unauthorized),
            Case(
                name: "garbage token", body: valid, token: nil, authorization: "Bearer abc.def.ghi",
                status: .unauthorized),
            Case(
                name: "unsigned token", body: valid, token: nil,
                authorization: "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4In0.", status: .unauthorized),
            Case(name: "an administrator cannot open tickets", body: valid, token: "ann", status: .forbidden),
            Case(name: "bad idempotency key", body: valid, headers: [.idempotencyKey: ""], status: .badRequest),
        ]

        @Test(arguments: cases)
        func isRefusedWithAProblemAndNothingIsEnqueued(_ testCase: Case) async throws {
            try await TestSystem.run(dispatcher: false) { system in
                try await system.administration.purge(queue: Topology.dispatcherQueue)
                var headers = testCase.headers
                headers[.contentType] = testCase.contentType
                if let username = testCase.token {
                    headers[.authorization] = "Bearer \(try await system.token(username))"
                }
                if let authorization = testCase.authorization { headers[.authorization] = authorization }
                let requestHeaders = headers
                try await system.http { client in
                    let response = try await client.execute(
                        uri: "/api/v1/tickets", method: .post, headers: requestHeaders,
                        body: ByteBuffer(string: testCase.body)
                    )
                    #expect(response.status == testCase.status)
                    #expect(response.headers[.contentType] == "application/problem+json")
                    #expect((response.json["type"] as? String)?.hasPrefix("https://sopz.dev/problems/") == true)
                    #expect(response.json["status"] as? Int == testCase.status.code)
                }
                #expect(try await system.administration.messageCount(queue: Topology.dispatcherQueue) == 0)
            }
        }

        @Test func unknownRoutesAndMethodsAreProblemsToo() async throws {
            try await TestSystem.run(dispatcher: false) { system in
                try await system.http { client in
                    let missing = try await client.get("/nowhere", token: nil)
                    #expect(missing.status == .notFound)
                    #expect(missing.headers[.contentType] == "application/problem+json")
                    let noToken = try await client.get("/api/v1/tickets/\(UUID())", token: nil)
                    #expect(noToken.status == .unauthorized)
                    #expect(noToken.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                }
            }
        }
    }
}
