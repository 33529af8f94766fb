import Hummingbird
import NIOCore
import SopzPorts

/// Outside `/api/v1`: liveness, readiness, Prometheus metrics and the OpenAPI document.
struct OperationsRoutes: Sendable {
    /// `broker` (commands can be accepted) and `database` (reads work).
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

    /// 200 when every probe answers, else 503; the body says which is up.
    @Sendable func ready(_ request: Request, context: SopzRequestContext) async throws -> Response {
        var body: [String: String] = [:]
        for probe in readiness { body[probe.name] = await probe.isReady() ? "up" : "down" }
        return try jsonResponse(body, status: body.values.allSatisfy { $0 == "up" } ? .ok : .serviceUnavailable)
    }
}
