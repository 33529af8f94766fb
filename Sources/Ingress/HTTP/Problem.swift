import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SopzContract
import SopzDomain

/// An RFC 9457 problem document, thrown by handlers and written as `application/problem+json`.
struct Problem: HTTPResponseError, Encodable {
    let status: HTTPResponse.Status
    /// A short identifier; the `type` member is `https://sopz.dev/problems/<code>`.
    let code: String
    let title: String
    let detail: String?
    var violations: [FieldViolation] = []
    var headers: HTTPFields = [:]
    /// What went wrong underneath, for the log only (never sent): a server that could not be read.
    var cause: String?

    init(_ status: HTTPResponse.Status, code: String, title: String, detail: String? = nil) {
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
    }

    private enum CodingKeys: String, CodingKey { case type, title, status, detail, violations }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("https://sopz.dev/problems/\(code)", forKey: .type)
        try container.encode(title, forKey: .title)
        try container.encode(status.code, forKey: .status)
        try container.encodeIfPresent(detail, forKey: .detail)
        if !violations.isEmpty { try container.encode(violations, forKey: .violations) }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = (try? JSONCoding.encoder().encode(self)) ?? Data()
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    // MARK: The problems Sopz answers with

    static func badRequest(_ detail: String, violations: [FieldViolation] = []) -> Problem {
        var problem = Problem(.badRequest, code: "bad-request", title: "The request is malformed", detail: detail)
        problem.violations = violations
        return problem
    }

    static func invalid(_ detail: String, violations: [FieldViolation]) -> Problem {
        var problem = Problem(
            .unprocessableContent, code: "invalid-input", title: "The input is not valid", detail: detail)
        problem.violations = violations
        return problem
    }

    /// RFC draft "The Idempotency-Key HTTP Header Field": a key reused for a different request.
    static func idempotencyKeyReused() -> Problem {
        Problem(
            .unprocessableContent, code: "idempotency-key-reused",
            title: "The Idempotency-Key was used for a different request",
            detail: "send exactly the first request again to learn its outcome, or use a new key for a new request")
    }

    static func unauthorized(_ detail: String) -> Problem {
        var problem = Problem(.unauthorized, code: "unauthorized", title: "Authentication required", detail: detail)
        problem.headers[.wwwAuthenticate] = "Bearer error=\"invalid_token\""
        return problem
    }

    static func forbidden(_ detail: String) -> Problem {
        Problem(.forbidden, code: "forbidden", title: "Not allowed", detail: detail)
    }

    static func notFound(_ what: String) -> Problem {
        Problem(.notFound, code: "not-found", title: "Not found", detail: "\(what) does not exist or is not yours")
    }

    /// RFC 9110 §15.5.6: the path exists, the method does not; `Allow` lists those that do.
    static func methodNotAllowed(_ method: HTTPRequest.Method, allowed: [HTTPRequest.Method]) -> Problem {
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        var problem = Problem(
            .methodNotAllowed, code: "method-not-allowed", title: "Method not allowed",
            detail: "\(method.rawValue) is not supported here; use \(list)")
        problem.headers[.allow] = list
        return problem
    }

    /// RFC 9110 §13.1.1: `If-Match` named a version the ticket is no longer at.
    static func ticketChanged(_ detail: String) -> Problem {
        Problem(.preconditionFailed, code: "ticket-changed", title: "The ticket has changed", detail: detail)
    }

    static func unavailable(_ detail: String, retryAfter: Int = 2) -> Problem {
        var problem = Problem(
            .serviceUnavailable, code: "unavailable", title: "Temporarily unavailable", detail: detail)
        problem.headers[.retryAfter] = "\(retryAfter)"
        return problem
    }

    /// A read asked for a version (`minVersion`) the read model has not reached in time: the
    /// change is done, the projector has not shown it yet.
    static func readModelBehind(_ detail: String) -> Problem {
        var problem = Problem(
            .serviceUnavailable, code: "read-model-behind", title: "Not visible yet", detail: detail)
        problem.headers[.retryAfter] = "1"
        return problem
    }

    static func tooManyRequests(retryAfter: Int, headers: HTTPFields) -> Problem {
        var problem = Problem(
            .tooManyRequests, code: "rate-limited", title: "Too many commands",
            detail: "slow down: try again in \(retryAfter) s")
        problem.headers = headers
        problem.headers[.retryAfter] = "\(retryAfter)"
        return problem
    }

    /// Runs a read of `what`; any failure (database down, read deadline passed) is a 503, never
    /// a hang or a 500.
    static func unavailableUnless<T>(reading what: String, _ read: () async throws -> T) async throws -> T {
        do {
            return try await read()
        } catch {
            var problem = Problem.unavailable("\(what) cannot be read right now")
            problem.cause = String(reflecting: error)
            throw problem
        }
    }

    /// The problem for a business rejection recorded by the dispatcher.
    static func rejected(_ rejection: TicketRejection) -> Problem {
        let status: HTTPResponse.Status =
            switch rejection.code {
            case .invalidInput: .unprocessableContent
            case .forbidden: .forbidden
            case .notFound: .notFound
            case .conflict, .invalidTransition, .ticketFinal, .ticketArchived, .administratorAtCapacity,
                .administratorUnavailable, .refundInProgress:
                .conflict
            case .ticketChanged: .preconditionFailed
            }
        var problem = Problem(
            status, code: rejection.code.rawValue, title: "The command was rejected", detail: rejection.detail)
        problem.violations = rejection.violations
        return problem
    }
}
