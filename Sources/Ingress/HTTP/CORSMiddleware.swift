import HTTPTypes
import Hummingbird

/// Cross-origin access for the configured origins only (`SOPZ_CORS_ORIGINS`). Requests from
/// any other origin get no CORS headers (so browsers keep their answers from the page), and
/// their preflights are refused with 403.
struct CORSMiddleware: RouterMiddleware {
    typealias Context = SopzRequestContext
    /// Exact origins (`https://desk.example.com`), compared as the browser sends them.
    let allowedOrigins: Set<String>

    static let allowedMethods = "GET, POST, PUT, DELETE"
    static let allowedHeaders = "Authorization, Content-Type, Idempotency-Key, Prefer"
    static let exposedHeaders =
        "Location, Retry-After, RateLimit, RateLimit-Policy, Preference-Applied, WWW-Authenticate"

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let origin = request.headers[.origin] else { return try await next(request, context) }
        let allowed = allowedOrigins.contains(origin)
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            guard allowed else { throw Problem.forbidden("cross-origin requests from \(origin) are not allowed") }
            var response = Response(status: .noContent)
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.accessControlAllowMethods] = Self.allowedMethods
            response.headers[.accessControlAllowHeaders] = Self.allowedHeaders
            response.headers[.accessControlMaxAge] = "600"
            response.headers[.vary] = "Origin"
            return response
        }
        // Answers and problems alike, so the page can also read why it was refused.
        var fields: HTTPFields = [.vary: "Origin"]
        if allowed {
            fields[.accessControlAllowOrigin] = origin
            fields[.accessControlExposeHeaders] = Self.exposedHeaders
        }
        do {
            var response = try await next(request, context)
            response.headers.append(contentsOf: fields)
            return response
        } catch var problem as Problem {
            problem.headers.append(contentsOf: fields)
            throw problem
        }
    }
}
