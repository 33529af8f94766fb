import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdHTTP2
import NIOCore
import NIOHTTP1
import NIOSSL
import ServiceLifecycle
import SopzRuntime
import Testing

@testable import Ingress

extension Integration {
    /// The ingress on a real socket: HTTPS, HTTP/2 where the client offers it. (TLS 1.2 or newer
    /// and the cipher suites on every port: `TLSCipherTests`.)
    @Suite struct LiveHTTPSTests {
        static let port = 18_443

        func client(settings: SharedSettings) -> HTTPClient {
            var tls = TLSConfiguration.makeClientConfiguration()
            if let caFile = settings.caFile { tls.trustRoots = .file(caFile) }
            return HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        }

        @Test func servesHTTP2OverTLSAndAcceptsACommand() async throws {
            try await TestSystem.run { system in
                let token = try await system.token("ada")
                try await system.withLiveIngress(port: Self.port) {
                    let http = client(settings: system.settings)
                    do {
                        let health = try await http.execute(
                            HTTPClientRequest(url: "https://localhost:\(Self.port)/healthz"), timeout: .seconds(10))
                        #expect(health.status == .ok)
                        #expect(health.version == .http2)
                        #expect(health.headers["strict-transport-security"].first?.contains("max-age") == true)

                        var post = HTTPClientRequest(url: "https://localhost:\(Self.port)/api/v1/tickets")
                        post.method = .POST
                        post.headers.add(name: "Authorization", value: "Bearer \(token)")
                        post.headers.add(name: "Content-Type", value: "application/json")
                        post.headers.add(name: "Prefer", value: "wait=10")
                        post.body = .bytes(ByteBuffer(string: #"{"title":"Live","description":"over TLS"}"#))
                        let created = try await http.execute(post, timeout: .seconds(15))
                        #expect(created.status == .created)

                        let metrics = try await http.execute(
                            HTTPClientRequest(url: "https://localhost:\(Self.port)/metrics"), timeout: .seconds(10))
                        let text = String(buffer: try await metrics.body.collect(upTo: 1 << 20))
                        #expect(text.contains("sopz_http_request_duration_seconds_bucket"))
                        #expect(text.contains(#"route="/api/v1/tickets""#))
                        #expect(text.contains(#"status="201""#))
                    } catch {
                        try? await http.shutdown()
                        throw error
                    }
                    try await http.shutdown()
                }
            }
        }
    }
}
