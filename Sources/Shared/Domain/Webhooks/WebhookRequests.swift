import Foundation

/// `webhook.register`: `{url, events, description?}`. The subscription's id derives from the
/// command's (`id(registeredBy:)`), so the ingress can answer with it — and with its secret —
/// before the dispatcher has applied the command.
public struct NewWebhook: Hashable, Sendable, Codable {
    public let url: String
    public let events: [String]
    public let description: String?

    public init(url: String, events: [String], description: String? = nil) {
        self.url = url
        self.events = events
        self.description = description
    }

    private enum CodingKeys: String, CodingKey, CaseIterable { case url, events, description }

    /// The JSON fields it has (a request with any other is refused).
    public static let fieldNames = Set(CodingKeys.allCases.map(\.stringValue))

    public static let maxURLLength = 2_000
    public static let maxDescriptionLength = 200
    /// More than there are event names, so only a repeat or an unknown name can exceed it.
    public static let maxEvents = 32

    /// The id of the subscription that command `commandID` registers.
    public static func id(registeredBy commandID: CommandID) -> WebhookID {
        WebhookID(DerivedID.uuid(from: commandID.rawValue, label: "webhook"))
    }

    /// The event names, sorted, each once.
    public var eventNames: [String] { Array(Set(events)).sorted() }

    /// What is wrong with it, as the ingress and the dispatcher both check. Whether the URL may be
    /// connected to (its scheme outside dev mode, its addresses) is the edge's to judge: here only
    /// its form. Whether each event exists is the contract's (`EventCatalogue`).
    public func violations() -> [FieldViolation] {
        var found = WebhookURL.violations(of: url)
        if events.isEmpty || events.count > Self.maxEvents {
            found.append(.init(field: "events", message: "must name 1 to \(Self.maxEvents) events"))
        } else if Set(events).count != events.count {
            found.append(.init(field: "events", message: "must name each event once"))
        }
        if let description, TextRules.length(description) > Self.maxDescriptionLength {
            found.append(
                .init(field: "description", message: "must be at most \(Self.maxDescriptionLength) characters"))
        }
        return found
    }
}

/// `webhook.rotate_secret`: `{keepPreviousSeconds?}` — a new signing secret, with the previous one
/// still signing deliveries for that long (a day unless said; 0 ends it at once).
public struct SecretRotation: Hashable, Sendable, Codable {
    public let keepPreviousSeconds: Int?

    public init(keepPreviousSeconds: Int? = nil) { self.keepPreviousSeconds = keepPreviousSeconds }

    private enum CodingKeys: String, CodingKey, CaseIterable { case keepPreviousSeconds }

    public static let fieldNames = Set(CodingKeys.allCases.map(\.stringValue))

    public static let defaultKeepPrevious = 86_400
    /// A week: long enough for any receiver's release cycle, short enough that a leaked secret dies.
    public static let maxKeepPrevious = 604_800

    public var keepPrevious: TimeInterval { TimeInterval(keepPreviousSeconds ?? Self.defaultKeepPrevious) }

    public func violations() -> [FieldViolation] {
        guard let keepPreviousSeconds, !(0...Self.maxKeepPrevious).contains(keepPreviousSeconds) else { return [] }
        return [.init(field: "keepPreviousSeconds", message: "must be 0 to \(Self.maxKeepPrevious)")]
    }
}

/// `webhook.disable`: `{reason?}` — nothing is delivered until it is enabled again.
public struct WebhookDisabling: Hashable, Sendable, Codable {
    public let reason: String?

    public init(reason: String? = nil) { self.reason = reason }

    private enum CodingKeys: String, CodingKey, CaseIterable { case reason }

    public static let fieldNames = Set(CodingKeys.allCases.map(\.stringValue))

    public func violations() -> [FieldViolation] { TextLimits.optional(reason, field: "reason") }
}

/// The form every webhook URL must have wherever it is checked: an absolute `http` or `https`
/// URL with a host, no user name or password, no fragment.
public enum WebhookURL {
    public static func violations(of text: String) -> [FieldViolation] {
        func violation(_ message: String) -> [FieldViolation] { [.init(field: "url", message: message)] }
        guard TextRules.length(text) <= NewWebhook.maxURLLength else {
            return violation("must be at most \(NewWebhook.maxURLLength) characters")
        }
        guard let parts = URLComponents(string: text), let scheme = parts.scheme?.lowercased(),
            ["http", "https"].contains(scheme), let host = parts.host, !host.isEmpty
        else {
            return violation("must be an absolute https URL with a host")
        }
        guard parts.user == nil, parts.password == nil else { return violation("must not carry a user or password") }
        guard parts.fragment == nil else { return violation("must not have a fragment") }
        return []
    }
}
