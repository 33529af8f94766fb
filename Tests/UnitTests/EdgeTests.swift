import Foundation
import HTTPTypes
import SopzAMQP
import SopzDomain
@testable import SopzContract
@testable import SopzPostgres
@testable import SopzRuntime
import Testing

@testable import Dispatcher
@testable import Ingress
@testable import Notifier

@Suite struct PreferWaitTests {
    @Test(
        arguments: [
            (["wait=5"], 5), (["respond-async, wait=3"], 3), (["wait=60"], 10), (["wait = 2"], 2), (["wait=x"], nil),
            ([String](), nil), (["handling=strict"], nil), (["wait=-1"], nil),
        ] as [([String], Int?)])
    func parsesRFC7240(values: [String], seconds: Int?) {
        #expect(PreferWait.seconds(in: values) == seconds)
    }
}

@Suite struct BackoffTests {
    @Test func growsAndIsCapped() {
        var backoff = Backoff(initial: 0.1, maximum: 1, multiplier: 2)
        let delays = (0..<6).map { _ in backoff.next(jitter: 1) }
        #expect(delays == [0.1, 0.2, 0.4, 0.8, 1, 1])
        backoff.reset()
        #expect(backoff.next(jitter: 1) == 0.1)
    }

    @Test func jitterStaysNearTheBase() {
        var backoff = Backoff(initial: 1, maximum: 10)
        let delay = backoff.next()
        #expect(delay >= 0.8 && delay <= 1.2)
    }
}

@Suite struct CloudEventMappingTests {
    @Test func anOutboxRowBecomesABinaryModeCloudEvent() {
        let eventID = UUID()
        let row = OutboxRow(
            id: 1, eventID: eventID, routingKey: "ticket.created", type: "sopz.ticket.created.v1", subject: "t-1",
            data: #"{"id":"t-1"}"#, occurredAt: Date(timeIntervalSince1970: 1_800_000_000.5), ticketVersion: 3)
        let message = CloudEventMapping.message(for: row)
        #expect(message.exchange == "sopz.events")
        #expect(message.routingKey == "ticket.created")
        #expect(message.contentType == "application/json")
        #expect(!message.mandatory)
        #expect(message.body == Array(#"{"id":"t-1"}"#.utf8))
        #expect(message.messageID == eventID.uuidString.lowercased())
        #expect(
            message.headers == [
                "cloudEvents:specversion": "1.0", "cloudEvents:id": eventID.uuidString.lowercased(),
                "cloudEvents:source": "/sopz", "cloudEvents:type": "sopz.ticket.created.v1",
                "cloudEvents:subject": "t-1", "cloudEvents:time": "2027-01-15T08:00:00.500Z",
                "cloudEvents:ticketversion": "3",
            ])
    }

    /// A row written before versions were recorded leaves without the attribute, not with a wrong one.
    @Test func aRowWithoutAVersionHasNoVersionAttribute() {
        let row = OutboxRow(
            id: 1, eventID: UUID(), routingKey: "ticket.created", type: "sopz.ticket.created.v1", subject: "t-1",
            data: "{}", occurredAt: Date(), ticketVersion: nil)
        #expect(CloudEventMapping.message(for: row).headers["cloudEvents:ticketversion"] == nil)
    }
}

@Suite struct FailureKindTests {
    struct Unknown: Error {}

    @Test func dataProblemsCountAsAttempts() {
        let encoding = EncodingError.invalidValue(1, .init(codingPath: [], debugDescription: "x"))
        #expect(FailureKind(encoding) == .attempt)
    }

    @Test func everythingElseIsAnOutage() {
        #expect(FailureKind(Unknown()) == .outage)
        #expect(FailureKind(CancellationError()) == .outage)
    }
}

@Suite struct ProblemTests {
    @Test func isAnRFC9457Document() throws {
        var problem = Problem.invalid("bad", violations: [FieldViolation(field: "title", message: "empty")])
        problem.headers[.retryAfter] = "1"
        let json = try #require(
            try JSONSerialization.jsonObject(with: JSONCoding.encoder().encode(problem)) as? [String: Any])
        #expect(json["type"] as? String == "https://sopz.dev/problems/invalid-input")
        #expect(json["status"] as? Int == 422)
        #expect(json["title"] as? String == "The input is not valid")
        #expect(json["detail"] as? String == "bad")
        #expect((json["violations"] as? [[String: String]])?.first?["field"] == "title")
    }

    @Test(arguments: [
        (TicketRejection.Code.invalidInput, 422), (.forbidden, 403), (.notFound, 404), (.conflict, 409),
        (.invalidTransition, 409),
    ])
    func rejectionsMapToStatuses(code: TicketRejection.Code, status: Int) {
        #expect(Problem.rejected(TicketRejection(code, "x")).status.code == status)
    }
}

@Suite struct DevIssuerTests {
    @Test func refusesToStartOutsideDevMode() async {
        await #expect(throws: DevIssuerError.self) {
            _ = try await DevIssuer(devMode: false, issuer: "https://x", audience: "a", keyFile: "/tmp/never")
        }
    }

    @Test func keepsItsKeyAcrossRestarts() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sopz-\(UUID()).pem").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let first = try await DevIssuer(devMode: true, issuer: "https://x", audience: "a", keyFile: file)
        let second = try await DevIssuer(devMode: true, issuer: "https://x", audience: "a", keyFile: file)
        #expect(first.keyID == second.keyID)
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test func parsesForms() {
        #expect(
            DevIssuer.parseForm("grant_type=password&username=a%20b&password=x+y")
                == ["grant_type": "password", "username": "a b", "password": "x y"])
    }

    @Test func demoUsersCoverEveryRole() {
        #expect(Set(DemoUser.all.flatMap(\.roles)) == Set(Role.allCases))
        #expect(Set(DemoUser.all.map(\.id)).count == DemoUser.all.count)
    }
}
