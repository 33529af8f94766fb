import Hummingbird
import Logging
import NIOCore
import PostgresNIO
import SopzAMQP
import SopzRuntime

/// Outside `/api/v1`: liveness, readiness, Prometheus metrics and the OpenAPI document.
struct OperationsRoutes: Sendable {
    let publisher: AMQPPublisher
    let database: PostgresClient
    let metrics: HTTPMetrics
    let logger: Logger

    func register(on router: Router<SopzRequestContext>) {
        router.get("healthz") { _, _ in try jsonResponse(["status": "ok"]) }
        router.get("readyz", use: ready)
        router.get("metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: metrics.exposition())))
        }
        router.get("openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "max-age=300"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
    }

    /// 200 when both RabbitMQ (commands can be accepted) and PostgreSQL (reads work) answer.
    @Sendable func ready(_ request: Request, context: SopzRequestContext) async throws -> Response {
        let broker = publisher.isConnected
        let databaseReachable =
            (try? await withDeadline(.seconds(2)) { [database, logger] in
                try await database.query("SELECT 1", logger: logger)
                return true
            }) ?? false
        let body = ["broker": broker ? "up" : "down", "database": databaseReachable ? "up" : "down"]
        return try jsonResponse(body, status: broker && databaseReachable ? .ok : .serviceUnavailable)
    }
}
