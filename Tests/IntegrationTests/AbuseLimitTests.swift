import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SopzTestSupport
import Testing

@testable import Ingress

extension Integration {
    /// The per-user command rate limit, CORS for configured origins only, and the security headers.
    @Suite struct AbuseLimitTests {
        let body = #"{"title":"Again","description":"And again"}"#

        @Test func commandsBeyondTheBurstAre429WithRetryAfterPerUser() async throws {
            let limits = ["SOPZ_COMMAND_RATE_PER_MINUTE": "6", "SOPZ_COMMAND_BURST": "3"]
            try await TestSystem.run(ingress: limits) { system in
                let (ben, ada) = (try await system.token("ben"), try await system.token("ada"))
                try await system.http { client in
                    var commands: [String] = []
                    for remaining in [2, 1, 0] {
                        let accepted = try await client.post("/api/v1/tickets", token: ben, json: body)
                        #expect(accepted.status == .accepted)
                        commands.append(try #require(accepted.json["commandId"] as? String))
                        #expect(accepted.headers[.rateLimitPolicy] == "\"commands\";q=3;w=30")
                        #expect(accepted.headers[.rateLimit]?.hasPrefix("\"commands\";r=\(remaining);t=") == true)
                    }
                    let refused = try await client.post("/api/v1/tickets", token: ben, json: body)
                    #expect(refused.status == .tooManyRequests)
                    #expect(refused.headers[.contentType] == "application/problem+json")
                    let retryAfter = try #require(refused.headers[.retryAfter].flatMap { Int($0) })
                    #expect((1...10).contains(retryAfter))
                    #expect(refused.headers[.rateLimit]?.hasPrefix("\"commands\";r=0;") == true)
                    // Reads are not commands, and another user has a bucket of their own.
                    #expect(try await client.get("/api/v1/tickets/\(UUID())", token: ben).status == .notFound)
                    #expect(try await client.post("/api/v1/tickets", token: ada, json: body).status == .accepted)
                    try await eventually("ben's commands are applied") {
                        var done = 0
                        for id in commands {
                            let outcome = try await client.get("/api/v1/commands/\(id)", token: ben)
                            if outcome.json["status"] as? String == "done" { done += 1 }
                        }
                        return done == commands.count
                    }
                }
            }
        }

        @Test func corsAnswersConfiguredOriginsOnly() async throws {
            let allowed = "https://desk.example.com"
            try await TestSystem.run(dispatcher: false, ingress: ["SOPZ_CORS_ORIGINS": allowed]) { system in
                try await system.http { client in
                    func preflight(_ origin: String) async throws -> TestResponse {
                        try await client.execute(
                            uri: "/api/v1/tickets", method: .options,
                            headers: [
                                .origin: origin, .accessControlRequestMethod: "POST",
                                .accessControlRequestHeaders: "authorization, content-type",
                            ], body: nil)
                    }
                    let good = try await preflight(allowed)
                    #expect(good.status == .noContent)
                    #expect(good.headers[.accessControlAllowOrigin] == allowed)
                    #expect(good.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
                    #expect(good.headers[.accessControlAllowMethods]?.contains("POST") == true)

                    let bad = try await preflight("https://evil.example")
                    #expect(bad.status == .forbidden)
                    #expect(bad.headers[.accessControlAllowOrigin] == nil)

                    let ada = try await system.token("ada")
                    var headers: HTTPFields = [.origin: allowed, .authorization: "Bearer \(ada)"]
                    let read = try await client.execute(
                        uri: "/api/v1/tickets/\(UUID())", method: .get, headers: headers, body: nil)
                    #expect(read.status == .notFound)
                    #expect(read.headers[.accessControlAllowOrigin] == allowed)
                    #expect(read.headers[.accessControlExposeHeaders]?.contains("Location") == true)
                    headers[.origin] = "https://evil.example"
                    let foreign = try await client.execute(
                        uri: "/api/v1/tickets/\(UUID())", method: .get, headers: headers, body: nil)
                    #expect(foreign.headers[.accessControlAllowOrigin] == nil)
                    #expect(foreign.headers[.vary] == "Origin")
                }
            }
        }

        @Test func everyAnswerCarriesTheSecurityHeaders() async throws {
            try await TestSystem.run(dispatcher: false) { system in
                try await system.http { client in
                    for response in [
                        try await client.get("/healthz", token: nil),
                        try await client.get("/api/v1/tickets/\(UUID())", token: nil),
                        try await client.get("/no/such/page", token: nil),
                    ] {
                        #expect(response.headers[.strictTransportSecurity]?.hasPrefix("max-age=") == true)
                        #expect(response.headers[.xContentTypeOptions] == "nosniff")
                        #expect(response.headers[.contentSecurityPolicy] == SecurityHeadersMiddleware.apiPolicy)
                        #expect(response.headers[.referrerPolicy] == "no-referrer")
                    }
                }
            }
        }
    }
}
