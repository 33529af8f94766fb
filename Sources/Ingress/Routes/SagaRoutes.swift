import Hummingbird
import SopzContract
import SopzDomain
import SopzPorts

/// `GET /api/v1/sagas`: managers see the sagas tickets run — those running, and those that failed
/// and were undone — from the write model, where they are kept (operational, like webhooks).
struct SagaRoutes: Sendable {
    let sagas: any SagaReading

    func register(on api: RouterGroup<SopzRequestContext>) {
        api.on(AccessMatrix.listSagas, use: list)
    }

    /// `?status=running,failed` (any of `SagaSummary.statuses`; every one without it), the latest
    /// changed first, paged by cursor.
    @Sendable func list(_ request: Request, context: SopzRequestContext, user: User) async throws -> Response {
        let page = try Pagination(request, cursorKeys: 2)
        let statuses = (request.uri.queryParameters["status"].map(String.init) ?? "").split(separator: ",").map(
            String.init)
        let unknown = statuses.filter { !SagaSummary.statuses.contains($0) }
        guard unknown.isEmpty else {
            throw Problem.badRequest(
                "status takes \(SagaSummary.statuses.joined(separator: ", "))",
                violations: [.init(field: "status", message: "unknown: \(unknown.joined(separator: ", "))")])
        }
        let found = try await Problem.unavailableUnless(reading: "sagas") {
            try await sagas.sagas(statuses: statuses, limit: page.limit, after: page.cursor)
        }
        return try jsonResponse(found)
    }
}
