import Foundation
import SopzAMQP
import SopzContract
import Testing

@testable import Notifier
@testable import SopzDomain
@testable import SopzPostgres

/// `docs/asyncapi.json` describes what leaves on `sopz.events` exactly as the code sends it:
/// every event the catalogue names is in it under its routing key and CloudEvents type, nothing
/// else is, and a sample of each event — encoded as the dispatcher stores it, with the headers
/// the notifier puts on it — satisfies the document's schemas.
@Suite struct AsyncAPIDocumentTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../docs/asyncapi.json")

    static func document() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
    }

    /// One change of every kind the domain emits.
    static let samples: [TicketChange] = {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let id = TicketID(UUID())
        let ticket = Ticket(
            id: id, ownerID: "client-1", ownerName: "Ada", title: "Printer", description: "Jams", category: "refund",
            refund: RefundRequest(orderId: "A-1", amount: 12.5, currency: "EUR"), status: .new, assigneeID: nil,
            createdAt: now, updatedAt: now, version: 1)
        return [
            .created(ticket),
            .assigned(
                Assignment(
                    ticketId: id, administratorId: "ann", previousAdministratorId: "bill", decidedBy: .manager,
                    reason: .manual, comment: "holiday", status: .inProgress)),
            .assigned(
                Assignment(
                    ticketId: id, administratorId: "ann", previousAdministratorId: nil, decidedBy: .system,
                    reason: .workload, comment: nil, status: .assigned)),
            .unassigned(
                Unassignment(
                    ticketId: id, previousAdministratorId: "ann", decidedBy: .manager, reason: .manual, comment: nil)),
            .statusChanged(StatusTransition(ticketId: id, from: .assigned, to: .inProgress, comment: "on it")),
            .resolved(StatusTransition(ticketId: id, from: .inProgress, to: .resolved, comment: nil)),
            .resolved(
                StatusTransition(
                    ticketId: id, from: .inProgress, to: .resolved, comment: "Refunded",
                    refund: RefundResolution(
                        RefundRequest(orderId: "A-1", amount: 12.5, currency: "EUR"),
                        references: ["billing.refund": "RF-1", "ledger.record": "LG-1"]))),
            .cancelled(StatusTransition(ticketId: id, from: .new, to: .cancelled, comment: "never mind")),
            .messagePosted(
                Message(
                    messageId: UUID(), ticketId: id, authorId: "client-1", authorName: "Ada", authorRole: .client,
                    body: "<b>hi</b>", postedAt: now)),
        ]
    }()

    @Test func everyEventOfTheCatalogueIsDocumentedAndNothingElse() throws {
        #expect(Set(Self.samples.map(EventCatalogue.name)) == Set(EventCatalogue.names))
        let messages = try #require(
            (try Self.document()["components"] as? [String: Any])?["messages"] as? [String: Any])
        let documented = Set(messages.values.compactMap { ($0 as? [String: Any])?["name"] as? String })
        #expect(documented.filter { $0.hasPrefix("ticket.") } == Set(EventCatalogue.names.map { "ticket." + $0 }))
        // Besides the events: the saga traffic on sopz.integration, every request and undo the
        // sagas declare and the replies.
        let sagaKeys = SagaDefinition.refund.steps.flatMap { [$0.request] + ($0.compensation.map { [$0] } ?? []) }
        #expect(documented.filter { !$0.hasPrefix("ticket.") } == Set(sagaKeys + [Topology.sagaReplyKey]))
        let channels = try #require(try Self.document()["channels"] as? [String: Any])
        let addresses = Set(channels.values.compactMap { ($0 as? [String: Any])?["address"] as? String })
        #expect(addresses == documented)
        for change in Self.samples {
            let message = try #require(
                messages.values.compactMap { $0 as? [String: Any] }.first {
                    $0["name"] as? String == EventCatalogue.routingKey(of: change)
                })
            #expect(message["title"] as? String == EventCatalogue.cloudEventType(of: change))
        }
    }

    @Test(arguments: samples) func eachSampleSatisfiesItsSchemas(_ change: TicketChange) throws {
        let document = try Self.document()
        let messages = try #require((document["components"] as? [String: Any])?["messages"] as? [String: Any])
        let message = try #require(
            messages.values.compactMap { $0 as? [String: Any] }.first {
                $0["name"] as? String == EventCatalogue.routingKey(of: change)
            })
        let data = try JSONCoding.encoder().encode(EncodableBox(EventCatalogue.data(of: change)))
        let payload = try JSONSerialization.jsonObject(with: data)
        let schema = JSONSchemaCheck(document: document)
        #expect(schema.problems(payload, against: try #require(message["payload"] as? [String: Any])) == [])
        let row = OutboxRow(
            id: 1, eventID: UUID(), routingKey: EventCatalogue.routingKey(of: change),
            type: EventCatalogue.cloudEventType(of: change), subject: UUID().uuidString.lowercased(),
            data: String(decoding: data, as: UTF8.self), occurredAt: Date(), ticketVersion: 2)
        let headers = CloudEventMapping.message(for: row).headers
        #expect(schema.problems(headers, against: try #require(message["headers"] as? [String: Any])) == [])
    }

    /// A saga's request as it leaves, and a reply as another system sends it, fit their schemas.
    @Test func sagaTrafficSatisfiesItsSchemas() throws {
        let document = try Self.document()
        let schema = JSONSchemaCheck(document: document)
        let request = IntegrationRequest(
            id: UUID(), routingKey: "billing.refund.reverse", sagaID: UUID(), saga: "refund",
            ticketID: TicketID(UUID()),
            refund: RefundRequest(orderId: "A-1", amount: 12.5, currency: "EUR"),
            references: ["billing.refund": "RF-1"],
            at: Date())
        let payload = try JSONSerialization.jsonObject(with: try JSONCoding.encoder().encode(request))
        #expect(schema.problems(payload, against: ["$ref": "#/components/schemas/IntegrationRequest"]) == [])
        let reply = SagaReply(sagaID: UUID(), requestID: request.id, outcome: .succeeded(reference: "RV-1"))
        var answer = try #require(
            try JSONSerialization.jsonObject(with: try JSONCoding.encoder().encode(reply)) as? [String: Any])
        answer["ticketId"] = request.ticketID.description
        #expect(schema.problems(answer, against: ["$ref": "#/components/schemas/SagaReply"]) == [])
        let decoded = try JSONCoding.decoder().decode(
            SagaReplyMessage.self, from: try JSONSerialization.data(withJSONObject: answer))
        #expect(decoded.reply == reply && decoded.ticketID == request.ticketID)
    }

    /// The checker finds what it should (else passing would mean nothing).
    @Test func theCheckerRefusesWhatIsOffTheSchema() throws {
        let schema = JSONSchemaCheck(document: try Self.document())
        let ticketSchema: [String: Any] = ["$ref": "#/components/schemas/Ticket"]
        #expect(!schema.problems(["id": "not-a-uuid"], against: ticketSchema).isEmpty)
        let message: [String: Any] = ["$ref": "#/components/schemas/Message"]
        #expect(!schema.problems(["messageId": UUID().uuidString, "extra": 1], against: message).isEmpty)
        #expect(!schema.problems(["authorRole": "robot"], against: message).isEmpty)
    }
}

private struct EncodableBox: Encodable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}

/// The part of JSON Schema the AsyncAPI document uses: `$ref` within the document, `type`,
/// `enum`, `const`, `required`, `properties`, `additionalProperties: false`, `pattern`,
/// `maxLength`, `minimum`, `format` uuid and date-time.
struct JSONSchemaCheck {
    let document: [String: Any]

    func problems(_ value: Any, against schema: [String: Any], at path: String = "$") -> [String] {
        if let reference = schema["$ref"] as? String {
            var node: Any? = document
            for key in reference.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(key)] }
            guard let target = node as? [String: Any] else { return ["\(path): no \(reference)"] }
            return problems(value, against: target, at: path)
        }
        var found: [String] = []
        if let type = schema["type"] as? String, !Self.matches(value, type) { found.append("\(path): not \(type)") }
        if let options = schema["enum"] as? [String], !options.contains(value as? String ?? "\u{0}") {
            found.append("\(path): not one of \(options)")
        }
        if let constant = schema["const"] as? String, value as? String != constant {
            found.append("\(path): not \(constant)")
        }
        if let text = value as? String {
            if let maximum = schema["maxLength"] as? Int, text.unicodeScalars.count > maximum {
                found.append("\(path): too long")
            }
            if let pattern = schema["pattern"] as? String, text.range(of: pattern, options: .regularExpression) == nil {
                found.append("\(path): off \(pattern)")
            }
            switch schema["format"] as? String {
            case "uuid": if UUID(uuidString: text) == nil { found.append("\(path): not a uuid") }
            case "date-time":
                if (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)) == nil {
                    found.append("\(path): not a date-time")
                }
            default: break
            }
        }
        if let number = value as? Double, let minimum = schema["minimum"] as? Double, number < minimum {
            found.append("\(path): below \(minimum)")
        }
        if let object = value as? [String: Any] {
            for key in schema["required"] as? [String] ?? [] where object[key] == nil {
                found.append("\(path).\(key): missing")
            }
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for (key, member) in object {
                if let property = properties[key] as? [String: Any] {
                    found += problems(member, against: property, at: "\(path).\(key)")
                } else if schema["additionalProperties"] as? Bool == false {
                    found.append("\(path).\(key): not in the schema")
                }
            }
        }
        return found
    }

    static func matches(_ value: Any, _ type: String) -> Bool {
        switch type {
        case "string": value is String
        case "object": value is [String: Any]
        case "boolean": value is Bool
        case "integer": (value as? NSNumber).map { $0.doubleValue == $0.doubleValue.rounded() } ?? false
        case "number": value is NSNumber
        default: false
        }
    }
}
