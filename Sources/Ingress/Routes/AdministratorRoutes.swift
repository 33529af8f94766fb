import Hummingbird
import SopzDomain
import SopzPorts

/// `/api/v1/administrators…`: the pool of staff that tickets are assigned to.
struct AdministratorRoutes: Sendable {
    let readModel: any ReadModelReading

    func register(on api: RouterGroup<SopzRequestContext>) {
        api.on(AccessMatrix.listAdministrators, use: list)
    }

    /// GET /api/v1/administrators — managers see every known administrator with their
    /// availability and current load, by name, from the read model.
    @Sendable func list(_ request: Request, context: SopzRequestContext, user: User) async throws -> Response {
        let page = try Pagination(request, cursorKeys: 2)
        let administrators = try await Problem.unavailableUnless(reading: "administrators") {
            try await readModel.administrators(limit: page.limit, after: page.cursor)
        }
        return try jsonResponse(administrators)
    }
}
