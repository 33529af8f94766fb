import Foundation
import SopzAMQP
import SopzContract
import SopzPostgres

/// Turns an outbox row into a CloudEvents 1.0 message in the AMQP binary binding
/// (docs/messaging.md): attributes as `cloudEvents:`-prefixed application properties, the event
/// data as the body with `content-type: application/json`.
enum CloudEventMapping {
    static let source = EventCatalogue.source

    static func message(for row: OutboxRow) -> OutgoingMessage {
        let id = row.eventID.uuidString.lowercased()
        return OutgoingMessage(
            exchange: Topology.eventsExchange, routingKey: row.routingKey, body: Array(row.data.utf8), messageID: id,
            type: row.type, contentType: "application/json", timestamp: row.occurredAt,
            headers: [
                "cloudEvents:specversion": "1.0",
                "cloudEvents:id": id,
                "cloudEvents:source": source,
                "cloudEvents:type": row.type,
                "cloudEvents:subject": row.subject,
                "cloudEvents:time": JSONCoding.timestamp(row.occurredAt),
            ],
            mandatory: false)
    }
}
