import Foundation
import SopzAMQP
import SopzContract
import SopzPostgres

/// Turns an outbox row into a CloudEvents 1.0 message in the AMQP binary binding
/// (docs/messaging.md): attributes as `cloudEvents:`-prefixed application properties, the event
/// data as the body with `content-type: application/json`. A saga's request goes the same way to
/// `sopz.integration`.
enum CloudEventMapping {
    static let source = EventCatalogue.source

    static func message(for row: OutboxRow) -> OutgoingMessage {
        let id = row.eventID.uuidString.lowercased()
        var headers = [
            "cloudEvents:specversion": "1.0",
            "cloudEvents:id": id,
            "cloudEvents:source": source,
            "cloudEvents:type": row.type,
            "cloudEvents:subject": row.subject,
            "cloudEvents:time": JSONCoding.timestamp(row.occurredAt),
        ]
        // An extension attribute: consumers order one ticket's events by it (1, 2, 3, … without a gap).
        if let version = row.ticketVersion { headers["cloudEvents:ticketversion"] = String(version) }
        return OutgoingMessage(
            exchange: row.exchange, routingKey: row.routingKey, body: Array(row.data.utf8), messageID: id,
            type: row.type, contentType: "application/json", timestamp: row.occurredAt,
            headers: headers,
            mandatory: false)
    }
}
