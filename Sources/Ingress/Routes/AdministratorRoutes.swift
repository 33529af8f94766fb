import Hummingbird
import SopzDomain
import SopzPorts
import SopzPostgres

/// `/api/v1/administrators…`: the pool of staff that tickets are assigned to.
struct AdministratorRoutes: Sendable {
    let directory: any AdministratorDirectory

    func register(on api: RouterGroup<SopzRequestContext>) {
        api.on(AccessMatrix.listAdministrators, use: list)
    }

    /// GET /api/v1/administrators — managers see every known administrator with their
    /// availability and current load, by name.
    @Sendable func list(_ request: Request, context: SopzRequestContext, user: User) async throws -> Response {
        let page = try Pagination(request, cursorKeys: 2)
        let administrators = try await Problem.unavailableUnless(reading: "administrators") {
            try await directory.list(limit: page.limit, after: page.cursor)
        }
        return try jsonResponse(administrators)
    }
}
