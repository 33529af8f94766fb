import Hummingbird
import NIOCore
import SopzPorts

/// Outside `/api/v1`: liveness, readiness, Prometheus metrics and the OpenAPI document.
struct OperationsRoutes: Sendable {
    /// `broker` and `database` (commands can be accepted), `readDatabase` (queries work).
    let readiness: [any ReadinessProbe]
    let metrics: HTTPMetrics

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
                body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.bytes)))
        }
    }

    /// 200 while the ingress can serve one of its parts — commands (every `commands` probe up)
    /// or queries (every `reads` probe up) — so a load balancer keeps sending readers to it while
    /// RabbitMQ or the write database is down; else 503. The body says which server is up.
    @Sendable func ready(_ request: Request, context: SopzRequestContext) async throws -> Response {
        var body: [String: String] = [:]
        var up: [ServedPart: [Bool]] = [:]
        for probe in readiness {
            let ready = await probe.isReady()
            body[probe.name] = ready ? "up" : "down"
            up[probe.part, default: []].append(ready)
        }
        let serving = up.values.contains { $0.allSatisfy { $0 } }
        return try jsonResponse(body, status: serving ? .ok : .serviceUnavailable)
    }
}
