import Foundation
import PostgresNIO
import SopzContract
import SopzDomain

/// The sagas tickets run, as the write model keeps them: one row each, the saga as its JSON
/// document beside the columns the clock and managers search by.
enum SagaRows {
    static func saga(from document: String) throws -> TicketSaga {
        try JSONCoding.decoder().decode(TicketSaga.self, from: Data(document.utf8))
    }

    /// The latest saga of each of `tickets` (their rows are locked by the batch, which is what
    /// keeps two batches from moving one saga at once).
    static func latest(of tickets: [TicketID]) -> PostgresQuery {
        """
        SELECT DISTINCT ON (ticket_id) document::text FROM sagas
        WHERE ticket_id = ANY(\(tickets.map(\.rawValue))) ORDER BY ticket_id, started_at DESC, id
        """
    }

    /// Stores `sagas`; returns a row per saga.
    static func upsert(_ sagas: [TicketSaga]) throws -> PostgresQuery {
        let rows = String(decoding: try JSONCoding.encoder().encode(sagas.map(Row.init)), as: UTF8.self)
        return """
            INSERT INTO sagas (id, ticket_id, status, deadline, started_at, updated_at, document)
            SELECT id, "ticketId", status, deadline, "startedAt", "updatedAt", document
            FROM jsonb_to_recordset(\(rows)::jsonb) AS s(
                id uuid, "ticketId" uuid, status text, deadline timestamptz, "startedAt" timestamptz,
                "updatedAt" timestamptz, document jsonb)
            ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, deadline = EXCLUDED.deadline,
                updated_at = EXCLUDED.updated_at, document = EXCLUDED.document
            RETURNING 1
            """
    }

    /// Puts the requests sagas send in the outbox, bound for `sopz.integration`; returns a row each.
    static func outbox(_ requests: [IntegrationRequest]) throws -> PostgresQuery {
        let rows = String(decoding: try JSONCoding.encoder().encode(requests.map(OutboxRequest.init)), as: UTF8.self)
        return """
            INSERT INTO outbox (event_id, routing_key, type, subject, data, occurred_at, exchange)
            SELECT id, "routingKey", type, subject, data, "occurredAt", \(Topology.integrationExchange)
            FROM jsonb_to_recordset(\(rows)::jsonb) AS r(
                id uuid, "routingKey" text, type text, subject text, data jsonb, "occurredAt" timestamptz)
            RETURNING 1
            """
    }

    private struct Row: Encodable {
        let id: UUID
        let ticketId: TicketID
        let status: String
        let deadline: Date?
        let startedAt: Date
        let updatedAt: Date
        let document: TicketSaga

        init(_ saga: TicketSaga) {
            id = saga.id
            ticketId = saga.ticketID
            status = saga.status
            deadline = saga.state.deadline
            startedAt = saga.startedAt
            updatedAt = saga.updatedAt
            document = saga
        }
    }

    private struct OutboxRequest: Encodable {
        let id: UUID
        let routingKey: String
        let type: String
        let subject: String
        let data: IntegrationRequest
        let occurredAt: Date

        init(_ request: IntegrationRequest) {
            id = request.id
            routingKey = request.routingKey
            type = request.cloudEventType
            subject = request.ticketID.description
            data = request
            occurredAt = request.at
        }
    }
}
