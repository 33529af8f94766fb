import HTTPTypes
import Hummingbird
import SopzDomain

/// Limits the commands (every method but GET and HEAD) each user sends, answering 429 with
/// `Retry-After` beyond the limit. Every command answer carries the IETF RateLimit fields
/// (`RateLimit-Policy`, `RateLimit`) so well-behaved clients can pace themselves.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = SopzRequestContext
    let limiter: RateLimiter

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard request.method != .get, request.method != .head, let user = context.user else {
            return try await next(request, context)
        }
        let decision = limiter.take(for: user.id, now: RateLimiter.now())
        let headers = fields(for: decision)
        guard decision.admitted else {
            throw Problem.tooManyRequests(retryAfter: decision.retryAfter, headers: headers)
        }
        do {
            var response = try await next(request, context)
            response.headers.append(contentsOf: headers)
            return response
        } catch var problem as Problem {
            problem.headers.append(contentsOf: headers)
            throw problem
        }
    }

    private func fields(for decision: RateLimiter.Decision) -> HTTPFields {
        let window = max(1, limiter.burst * 60 / max(1, limiter.perMinute))
        return [
            .rateLimitPolicy: "\"commands\";q=\(limiter.burst);w=\(window)",
            .rateLimit: "\"commands\";r=\(decision.remaining);t=\(decision.secondsToFull)",
        ]
    }
}

extension HTTPField.Name {
    static let rateLimit = Self("RateLimit")!
    static let rateLimitPolicy = Self("RateLimit-Policy")!
}
