/// The payloads of the commands on an existing ticket, validated at the ingress and again by the
/// dispatcher (`violations()`; lengths in code points, blank as `TextRules` says).

/// `ticket.cancel`: `{reason?}`.
public struct Cancellation: Hashable, Sendable, Codable {
    public let reason: String?

    public init(reason: String? = nil) { self.reason = reason }

    private enum CodingKeys: String, CodingKey, CaseIterable { case reason }

    /// The JSON fields it has (a request with any other is refused).
    public static let fieldNames = Set(CodingKeys.allCases.map(\.stringValue))

    public func violations() -> [FieldViolation] { TextLimits.optional(reason, field: "reason") }
}

/// `ticket.change_status`: `{status, comment?}`.
public struct StatusChange: Hashable, Sendable, Codable {
    public let status: TicketStatus
    public let comment: String?

    public init(status: TicketStatus, comment: String? = nil) {
        self.status = status
        self.comment = comment
    }

    private enum CodingKeys: String, CodingKey, CaseIterable { case status, comment }

    /// The JSON fields it has (a request with any other is refused).
    public static let fieldNames = Set(CodingKeys.allCases.map(\.stringValue))

    public func violations() -> [FieldViolation] { TextLimits.optional(comment, field: "comment") }
}

/// `ticket.confirm`: `{comment?}`.
public struct Confirmation: Hashable, Sendable, Codable {
    public let comment: String?

    public init(comment: String? = nil) { self.comment = comment }

    private enum CodingKeys: String, CodingKey, CaseIterable { case comment }

    /// The JSON fields it has (a request with any other is refused).
    public static let fieldNames = Set(CodingKeys.allCases.map(\.stringValue))

    public func violations() -> [FieldViolation] { TextLimits.optional(comment, field: "comment") }
}

/// `ticket.reopen`: `{reason?}`.
public struct Reopening: Hashable, Sendable, Codable {
    public let reason: String?

    public init(reason: String? = nil) { self.reason = reason }

    private enum CodingKeys: String, CodingKey, CaseIterable { case reason }

    /// The JSON fields it has (a request with any other is refused).
    public static let fieldNames = Set(CodingKeys.allCases.map(\.stringValue))

    public func violations() -> [FieldViolation] { TextLimits.optional(reason, field: "reason") }
}

/// `ticket.assign`: `{administratorId, reason?, overCapacity?}`; `administratorId: null` hands
/// the ticket back to the pool. `overCapacity: true` lets a manager give it to someone already
/// at the capacity cap.
public struct AssigneeChange: Hashable, Sendable, Codable {
    public let administratorId: String?
    public let reason: String?
    public let overCapacity: Bool?

    public init(administratorId: String?, reason: String? = nil, overCapacity: Bool? = nil) {
        self.administratorId = administratorId
        self.reason = reason
        self.overCapacity = overCapacity
    }

    private enum CodingKeys: String, CodingKey, CaseIterable { case administratorId, reason, overCapacity }

    /// The JSON fields an assignment has.
    public static let fieldNames = Set(CodingKeys.allCases.map(\.stringValue))

    /// `administratorId` must be there, if only as `null`: leaving it out never unassigns.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard container.contains(.administratorId) else {
            throw DecodingError.keyNotFound(
                CodingKeys.administratorId,
                .init(codingPath: decoder.codingPath, debugDescription: "administratorId is required (null: the pool)"))
        }
        administratorId = try container.decodeIfPresent(String.self, forKey: .administratorId)
        reason = try container.decodeIfPresent(String.self, forKey: .reason)
        overCapacity = try container.decodeIfPresent(Bool.self, forKey: .overCapacity)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(administratorId, forKey: .administratorId)  // null, not absent: "to the pool"
        try container.encodeIfPresent(reason, forKey: .reason)
        try container.encodeIfPresent(overCapacity, forKey: .overCapacity)
    }

    public func violations() -> [FieldViolation] {
        var found = TextLimits.optional(reason, field: "reason")
        if let administratorId, !(1...TextLimits.maxIdentifierLength).contains(TextRules.length(administratorId)) {
            found.append(
                .init(field: "administratorId", message: "must be 1 to \(TextLimits.maxIdentifierLength) characters"))
        }
        return found
    }
}

/// `ticket.post_message`: `{body}`, stored as sent and never interpreted as markup.
public struct NewMessage: Hashable, Sendable, Codable {
    public let body: String

    public init(body: String) { self.body = body }

    public static let maxBodyLength = 10_000

    private enum CodingKeys: String, CodingKey, CaseIterable { case body }

    /// The JSON fields it has (a request with any other is refused).
    public static let fieldNames = Set(CodingKeys.allCases.map(\.stringValue))

    public func violations() -> [FieldViolation] {
        if TextRules.isBlank(body) { return [.init(field: "body", message: "must not be empty")] }
        if TextRules.length(body) > Self.maxBodyLength {
            return [.init(field: "body", message: "must be at most \(Self.maxBodyLength) characters")]
        }
        return []
    }
}

/// `administrator.set_availability`: `{available}`.
public struct Availability: Hashable, Sendable, Codable {
    public let available: Bool

    private enum CodingKeys: String, CodingKey, CaseIterable { case available }

    /// The JSON fields it has (a request with any other is refused).
    public static let fieldNames = Set(CodingKeys.allCases.map(\.stringValue))

    public init(available: Bool) { self.available = available }
}

/// Limits shared by the free-text fields of commands.
public enum TextLimits {
    /// A reason or a comment.
    public static let maxNoteLength = 2_000
    /// An identity provider's user id.
    public static let maxIdentifierLength = 255

    static func optional(_ text: String?, field: String) -> [FieldViolation] {
        guard let text, TextRules.length(text) > maxNoteLength else { return [] }
        return [.init(field: field, message: "must be at most \(maxNoteLength) characters")]
    }
}

extension TicketCommand {
    /// What is wrong with the command's payload (empty when valid), as the ingress and the
    /// dispatcher both check it.
    public func violations() -> [FieldViolation] {
        switch self {
        case .create(let payload): payload.violations()
        case .cancel(let payload): payload.violations()
        case .changeStatus(let payload): payload.violations()
        case .confirm(let payload): payload.violations()
        case .reopen(let payload): payload.violations()
        case .assign(let payload): payload.violations()
        case .postMessage(let payload): payload.violations()
        case .setAvailability, .registerAdministrator: []
        case .webhook(.register(let payload)): payload.violations()
        case .webhook(.rotateSecret(_, let payload)): payload.violations()
        case .webhook(.disable(_, let payload)): payload.violations()
        case .webhook(.enable), .webhook(.delete), .webhook(.replay), .webhook(.receiverGone): []
        case .saga(.reply(let reply)): reply.violations()
        case .saga(.tick): []
        }
    }
}
