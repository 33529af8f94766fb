import Hummingbird

/// Requires a valid bearer token and puts the user into the request context (administrators
/// are recorded on their first request).
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = SopzRequestContext
    let verifier: TokenVerifier
    let signIn: AdministratorSignIn

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let authorization = request.headers[.authorization] else {
            throw Problem.unauthorized("a bearer token is required")
        }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw Problem.unauthorized("use the Bearer authorization scheme")
        }
        var context = context
        let user = try await verifier.user(fromBearer: String(parts[1]).trimmingCharacters(in: .whitespaces))
        signIn.signedIn(user)
        context.user = user
        return try await next(request, context)
    }
}
