import Foundation
import SopzDomain

/// Every domain event as the world sees it, in one place: its name, the routing key it leaves on
/// `sopz.events` with, its CloudEvents type, and its data (docs/messaging.md).
public enum EventCatalogue {
    /// The CloudEvents `source` of every Sopz event.
    public static let source = "/sopz"

    /// Every event name, for the documents and their tests.
    public static let names = [
        "created", "assigned", "unassigned", "status_changed", "resolved", "cancelled", "message_posted",
    ]

    /// `created`, `assigned`, … — the `<event>` of routing key `ticket.<event>`.
    public static func name(of change: TicketChange) -> String {
        switch change {
        case .created: "created"
        case .assigned: "assigned"
        case .unassigned: "unassigned"
        case .statusChanged: "status_changed"
        case .resolved: "resolved"
        case .cancelled: "cancelled"
        case .messagePosted: "message_posted"
        }
    }

    /// `ticket.<event>`.
    public static func routingKey(of change: TicketChange) -> String { "ticket." + name(of: change) }

    /// `sopz.ticket.<event>.v1`.
    public static func cloudEventType(of change: TicketChange) -> String { "sopz.ticket.\(name(of: change)).v1" }

    /// The event's data as external consumers receive it (the CloudEvents `data`).
    public static func data(of change: TicketChange) -> any Encodable & Sendable {
        switch change {
        case .created(let ticket): ticket
        case .assigned(let assignment): assignment
        case .unassigned(let unassignment): unassignment
        case .statusChanged(let move), .resolved(let move), .cancelled(let move): move
        case .messagePosted(let message): message
        }
    }

    /// The change an event store row holds: its name and its data as `data(of:)` wrote them.
    public static func change(named name: String, data: Data) throws -> TicketChange {
        let decoder = JSONCoding.decoder()
        switch name {
        case "created": return .created(try decoder.decode(Ticket.self, from: data))
        case "assigned": return .assigned(try decoder.decode(Assignment.self, from: data))
        case "unassigned": return .unassigned(try decoder.decode(Unassignment.self, from: data))
        case "status_changed": return .statusChanged(try decoder.decode(StatusTransition.self, from: data))
        case "resolved": return .resolved(try decoder.decode(StatusTransition.self, from: data))
        case "cancelled": return .cancelled(try decoder.decode(StatusTransition.self, from: data))
        case "message_posted": return .messagePosted(try decoder.decode(Message.self, from: data))
        default: throw UnknownEvent(name: name)
        }
    }

    public struct UnknownEvent: Error, Equatable {
        public let name: String
    }
}
