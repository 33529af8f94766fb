import Foundation

/// What a client submits to open a ticket, validated before it is enqueued and again when
/// applied (the dispatcher trusts nothing that crossed the broker).
public struct NewTicket: Hashable, Sendable, Codable {
    public let title: String
    public let description: String
    public let category: String?
    public let refund: RefundRequest?

    public init(title: String, description: String, category: String? = nil, refund: RefundRequest? = nil) {
        self.title = title
        self.description = description
        self.category = category
        self.refund = refund
    }

    private enum CodingKeys: String, CodingKey, CaseIterable { case title, description, category, refund }

    /// The JSON fields a new ticket has (a request with any other is refused).
    public static let fieldNames = Set(CodingKeys.allCases.map(\.stringValue))

    public static let maxTitleLength = 200
    public static let maxDescriptionLength = 10_000
    public static let maxCategoryLength = 64
    public static let maxOrderIDLength = 64

    /// Every rule the input breaks, as (field, message) pairs; empty when valid. Lengths are
    /// code points and blank means `TextRules.isBlank`, as the OpenAPI document states them.
    public func violations() -> [FieldViolation] {
        var found: [FieldViolation] = []
        if TextRules.isBlank(title) {
            found.append(.init(field: "title", message: "must not be empty"))
        } else if TextRules.length(title) > Self.maxTitleLength {
            found.append(.init(field: "title", message: "must be at most \(Self.maxTitleLength) characters"))
        }
        if TextRules.isBlank(description) {
            found.append(.init(field: "description", message: "must not be empty"))
        } else if TextRules.length(description) > Self.maxDescriptionLength {
            found.append(
                .init(field: "description", message: "must be at most \(Self.maxDescriptionLength) characters"))
        }
        if let category, !(1...Self.maxCategoryLength).contains(TextRules.length(category)) {
            found.append(.init(field: "category", message: "must be 1 to \(Self.maxCategoryLength) characters"))
        }
        if let refund {
            if !(1...Self.maxOrderIDLength).contains(TextRules.length(refund.orderId)) {
                found.append(
                    .init(field: "refund.orderId", message: "must be 1 to \(Self.maxOrderIDLength) characters"))
            }
            if refund.amount <= 0 || refund.amount > 1_000_000 || !refund.amount.hasAtMostTwoDecimals {
                found.append(
                    .init(
                        field: "refund.amount", message: "must be positive, at most 1000000, with at most two decimals")
                )
            }
            let currency = refund.currency.unicodeScalars
            if currency.count != 3 || !currency.allSatisfy({ ("A"..."Z").contains($0) }) {
                found.append(.init(field: "refund.currency", message: "must be an ISO 4217 code such as EUR"))
            }
        }
        return found
    }
}

/// One broken input rule, reported to the caller as part of a problem document.
public struct FieldViolation: Hashable, Sendable, Codable {
    public let field: String
    public let message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

extension Decimal {
    /// True when the value has no more than two digits after the decimal point.
    var hasAtMostTwoDecimals: Bool {
        var cents = self * 100
        var whole = Decimal()
        NSDecimalRound(&whole, &cents, 0, .plain)
        return whole == cents
    }
}
