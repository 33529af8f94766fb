import Foundation
import Hummingbird
import SopzDomain

/// Per-request state: Hummingbird's core context plus the authenticated user.
struct SopzRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// Set by `AuthenticationMiddleware`; nil on public routes.
    var user: User?
    /// When the bearer token expires (set with `user`).
    var tokenExpires: Date?
    /// Bodies beyond this many bytes are refused with 413 before they are read in full.
    var maxUploadSize: Int

    init(source: Source) {
        coreContext = .init(source: source)
        user = nil
        tokenExpires = nil
        maxUploadSize = 65_536
    }

    /// The authenticated user; every route behind the middleware can rely on it.
    func requireUser() throws -> User {
        guard let user else { throw Problem.unauthorized("a bearer token is required") }
        return user
    }
}
