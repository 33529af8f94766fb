import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdHTTP2
import NIOCore
import NIOSSL
import ServiceLifecycle
import SopzInfrastructure
import Testing

@testable import Ingress

extension Integration {
    /// The ingress on a real socket: HTTPS only, TLS 1.2 or newer, HTTP/2 where the client offers it.
    @Suite struct LiveHTTPSTests {
        static let port = 18_443

        func withLiveIngress(_ system: TestSystem, _ body: @escaping @Sendable () async throws -> Void) async throws {
            let logger = TestEnvironment.logger("live")
            let listening = Gate()
            let tls = try serverTLSConfiguration(
                certificateFile: TestEnvironment.certificateFile, keyFile: TestEnvironment.keyFile)
            let app = Application(
                router: buildRouter(system.dependencies), server: try .http2Upgrade(tlsConfiguration: tls),
                configuration: .init(address: .hostname("127.0.0.1", port: Self.port)),
                onServerRunning: { _ in listening.open() }, logger: logger)
            try await withServices([app], logger: logger) {
                try await eventually("the ingress listens") { listening.isOpen }
                try await body()
            }
        }

        func client(maximumTLSVersion: TLSVersion? = nil, settings: SharedSettings) -> HTTPClient {
            var tls = TLSConfiguration.makeClientConfiguration()
            if let caFile = settings.caFile { tls.trustRoots = .file(caFile) }
            if let maximumTLSVersion {
                tls.minimumTLSVersion = .tlsv1
                tls.maximumTLSVersion = maximumTLSVersion
            }
            return HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        }

        @Test func servesHTTP2OverTLSAndAcceptsACommand() async throws {
            try await TestSystem.run { system in
                let token = try await system.token("ada")
                try await withLiveIngress(system) {
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

        @Test func refusesTLSOlderThan1_2() async throws {
            try await TestSystem.run(dispatcher: false) { system in
                try await withLiveIngress(system) {
                    let http = client(maximumTLSVersion: .tlsv11, settings: system.settings)
                    await #expect(throws: (any Error).self) {
                        _ = try await http.execute(
                            HTTPClientRequest(url: "https://localhost:\(Self.port)/healthz"), timeout: .seconds(10))
                    }
                    try await http.shutdown()
                }
            }
        }
    }
}
