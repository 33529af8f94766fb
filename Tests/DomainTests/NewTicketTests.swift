import Foundation
import SopzContract
import Testing

@testable import SopzDomain

@Suite struct NewTicketTests {
    @Test(arguments: [
        (NewTicket(title: "ok", description: "ok"), [String]()),
        (NewTicket(title: "", description: "ok"), ["title"]),
        (NewTicket(title: String(repeating: "x", count: 201), description: "ok"), ["title"]),
        (
            NewTicket(title: "ok", description: String(repeating: "x", count: NewTicket.maxDescriptionLength + 1)),
            ["description"]
        ),
        (NewTicket(title: "ok", description: "ok", category: ""), ["category"]),
        (NewTicket(title: "ok", description: "ok", category: String(repeating: "c", count: 65)), ["category"]),
        (
            NewTicket(
                title: "ok", description: "ok", refund: RefundRequest(orderId: "o-1", amount: 12.5, currency: "EUR")),
            []
        ),
        (
            NewTicket(title: "ok", description: "ok", refund: RefundRequest(orderId: "", amount: 0, currency: "eur")),
            ["refund.orderId", "refund.amount", "refund.currency"]
        ),
        (
            NewTicket(
                title: "ok", description: "ok",
                refund: RefundRequest(orderId: "o", amount: Decimal(string: "1.234")!, currency: "USD")),
            ["refund.amount"]
        ),
    ])
    func validation(input: NewTicket, brokenFields: [String]) {
        #expect(input.violations().map(\.field) == brokenFields)
    }
}

@Suite struct TicketStatusTests {
    @Test func finalStatusesGoNowhere() {
        #expect(TicketStatus.closed.isFinal)
        #expect(TicketStatus.cancelled.isFinal)
        #expect(!TicketStatus.resolved.isFinal)
    }

    @Test func clientsCancelOnlyBeforeResolution() {
        let cancellable = TicketStatus.allCases.filter(\.isCancellable)
        #expect(Set(cancellable) == [.new, .assigned, .inProgress, .waitingForClient])
    }

    @Test func everyTransitionTargetsAnotherStatus() {
        for status in TicketStatus.allCases {
            #expect(!status.canMove(to: status))
        }
    }

    @Test func rawValuesAreTheAPIs() {
        #expect(TicketStatus.inProgress.rawValue == "in_progress")
        #expect(TicketStatus.waitingForClient.rawValue == "waiting_for_client")
    }
}

@Suite struct CommandIDMintTests {
    let mint = CommandIDMint(secret: Array(repeating: 7, count: 32))

    @Test func anIDProvesItsIssuer() {
        let id = mint.mint(for: "alice")
        #expect(mint.wasMinted(id, for: "alice"))
        #expect(!mint.wasMinted(id, for: "bob"))
        #expect(!mint.wasMinted(CommandID(UUID()), for: "alice"))
    }

    @Test func anotherKeyDoesNotRecogniseIt() {
        let other = CommandIDMint(secret: Array(repeating: 8, count: 32))
        #expect(!other.wasMinted(mint.mint(for: "alice"), for: "alice"))
    }

    @Test func anIdempotencyKeyAlwaysGivesTheSameID() {
        let first = mint.mint(for: "alice", idempotencyKey: "k-1")
        #expect(first == mint.mint(for: "alice", idempotencyKey: "k-1"))
        #expect(first != mint.mint(for: "alice", idempotencyKey: "k-2"))
        #expect(first != mint.mint(for: "bob", idempotencyKey: "k-1"))
        #expect(mint.wasMinted(first, for: "alice"))
    }

    @Test func freshIDsDiffer() {
        #expect(mint.mint(for: "alice") != mint.mint(for: "alice"))
    }

    @Test func idsAreVersion8UUIDs() {
        let text = mint.mint(for: "alice").description
        #expect(Array(text)[14] == "8")
    }
}

@Suite struct CommandEnvelopeCodingTests {
    @Test func roundTripsThroughJSON() throws {
        let envelope = CommandEnvelope(
            commandID: CommandID(UUID()), issuedAt: Date(timeIntervalSince1970: 1_800_000_000.125),
            issuer: User(id: "u", name: "U", roles: [.client, .manager]), ticketID: TicketID(UUID()),
            command: .create(NewTicket(title: "t", description: "d", category: "c")))
        let data = try JSONCoding.encoder().encode(envelope)
        let decoded = try JSONCoding.decoder().decode(CommandEnvelope.self, from: data)
        #expect(decoded == envelope)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"type\":\"ticket.create\""))
        #expect(text.contains("\"issuedAt\":\"2027-01-15T08:00:00.125Z\""))
    }

    @Test func anUnknownTypeDoesNotDecode() {
        let json = """
            {"commandId":"\(UUID())","issuedAt":"2027-01-15T08:00:00Z","issuer":{"id":"u","name":"U","roles":[]},
             "ticketId":"\(UUID())","type":"ticket.explode","payload":{}}
            """
        #expect(throws: DecodingError.self) {
            try JSONCoding.decoder().decode(CommandEnvelope.self, from: Data(json.utf8))
        }
    }
}

@Suite struct ListCursorTests {
    @Test func aCursorSurvivesTheRoundTripAndStrangersAreRefused() throws {
        let cursor = ListCursor(keys: ["Ann Administrator", "id/+?"])
        #expect(!cursor.text.contains("="))
        #expect(ListCursor(text: cursor.text, keyCount: 2) == cursor)
        #expect(ListCursor(text: cursor.text, keyCount: 1) == nil)
        #expect(ListCursor(text: "%%%", keyCount: 2) == nil)
        #expect(ListCursor(text: Data("not json".utf8).base64URLEncodedString, keyCount: 2) == nil)
        #expect(ListCursor(text: String(repeating: "A", count: 2_000), keyCount: 2) == nil)
    }

    @Test func base64URLUsesTheURLAlphabetWithoutPadding() throws {
        let bytes = Data([0xFB, 0xFF, 0xBF, 0x01])
        #expect(bytes.base64URLEncodedString == "-_-_AQ")
        #expect(Data(base64URLEncoded: "-_-_AQ") == bytes)
        #expect(Data(base64URLEncoded: "-_-_AQ==") == bytes)
        #expect(Data(base64URLEncoded: "*") == nil)
    }
}

@Suite struct CommandFingerprintTests {
    static func create(
        _ title: String = "Printer jams", category: String? = "hardware", amount: Decimal? = nil
    ) -> TicketCommand {
        .create(
            NewTicket(
                title: title, description: "Every second page", category: category,
                refund: amount.map { RefundRequest(orderId: "o-1", amount: $0, currency: "EUR") }))
    }

    @Test func equalCommandsHaveEqualFingerprints() {
        #expect(Self.create().fingerprint == Self.create().fingerprint)
        #expect(Self.create(amount: 12.5).fingerprint == Self.create(amount: 12.50).fingerprint)
        #expect(Self.create().fingerprint.count == 64)
    }

    @Test func anyDifferenceChangesTheFingerprint() {
        let first = Self.create().fingerprint
        #expect(Self.create("Printer jams!").fingerprint != first)
        #expect(Self.create(category: nil).fingerprint != first)
        #expect(Self.create(amount: 12.5).fingerprint != first)
        #expect(Self.create(amount: 12.5).fingerprint != Self.create(amount: 12.51).fingerprint)
    }
}
