import Hummingbird
import Logging

/// Makes every failure an RFC 9457 answer: `Problem`s as they are (logging what lay beneath a
/// 503, so an operator sees why a read failed), Hummingbird's own errors
/// converted (a path no route has is a 404, a known path asked with another method a 405 with
/// `Allow`), and anything unexpected logged and answered with a 500 problem that reveals
/// nothing internal.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = SopzRequestContext
    let logger: Logger
    let routes: RecordedRoutes

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            if let cause = problem.cause {
                logger.warning(
                    "could not read for a request", metadata: ["path": "\(request.uri.path)", "error": "\(cause)"])
            }
            return try problem.response(from: request, context: context)
        } catch let error as HTTPError where error.status == .notFound {
            // The router found no handler for this method and path: is it the method that is wrong?
            guard let allowed = routes.methods.methods(for: request.uri.path) else {
                return try Problem.notFound("the resource").response(from: request, context: context)
            }
            return try Problem.methodNotAllowed(request.method, allowed: allowed).response(
                from: request, context: context)
        } catch let error as HTTPError {
            let problem = Problem(
                error.status, code: "http-\(error.status.code)",
                title: error.status.reasonPhrase, detail: error.body)
            return try problem.response(from: request, context: context)
        } catch {
            logger.error(
                "unexpected error answering a request",
                metadata: ["path": "\(request.uri.path)", "error": "\(String(reflecting: error))"])
            let problem = Problem(.internalServerError, code: "internal", title: "Internal error")
            return try problem.response(from: request, context: context)
        }
    }
}

/// Headers every response carries: HTTPS only (HSTS), no MIME sniffing, no caching of API data,
/// and a strict content security policy: the API serves data, never anything a browser may
/// run, embed or frame (the web interface sets its own, equally narrow policy).
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = SopzRequestContext
    static let apiPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.strictTransportSecurity] = "max-age=31536000; includeSubDomains"
        response.headers[.xContentTypeOptions] = "nosniff"
        if response.headers[.contentSecurityPolicy] == nil {
            response.headers[.contentSecurityPolicy] = Self.apiPolicy
        }
        response.headers[.referrerPolicy] = "no-referrer"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}
