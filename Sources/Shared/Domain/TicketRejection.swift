/// Why a command was refused: a business outcome (a value), not an infrastructure error.
/// The HTTP edge turns it into an RFC 9457 problem; the status lives there, not here.
public struct TicketRejection: Hashable, Sendable, Codable, Error {
    public enum Code: String, Hashable, Sendable, Codable {
        case invalidInput = "invalid-input"
        case forbidden
        case notFound = "not-found"
        case conflict
        case invalidTransition = "invalid-transition"
    }

    public let code: Code
    public let detail: String
    public let violations: [FieldViolation]

    public init(_ code: Code, _ detail: String, violations: [FieldViolation] = []) {
        self.code = code
        self.detail = detail
        self.violations = violations
    }
}
