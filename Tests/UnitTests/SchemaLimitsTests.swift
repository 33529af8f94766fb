import Foundation
import SopzDomain
import Testing

@testable import Ingress

/// The OpenAPI document states the limits the code enforces — lengths, blank text, the
/// `Idempotency-Key` alphabet — checked by evaluating the document's own rules against the code.
@Suite struct SchemaLimitsTests {
    static func schema(_ path: String...) -> [String: Any] {
        var node: Any? = try? JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8))
        for key in path { node = (node as? [String: Any])?[key] }
        return node as? [String: Any] ?? [:]
    }

    static var newTicket: [String: Any] { schema("components", "schemas", "NewTicket", "properties") }
    static var refund: [String: Any] { schema("components", "schemas", "Refund", "properties") }

    /// Whether `text` satisfies the document's string schema (length in code points, pattern).
    static func satisfies(_ text: String, _ schema: [String: Any]) throws -> Bool {
        let length = text.unicodeScalars.count
        if let minimum = schema["minLength"] as? Int, length < minimum { return false }
        if let maximum = schema["maxLength"] as? Int, length > maximum { return false }
        if let pattern = schema["pattern"] as? String {
            let regex = try NSRegularExpression(pattern: pattern)
            let range = NSRange(text.startIndex..., in: text)
            if regex.firstMatch(in: text, range: range) == nil { return false }
        }
        return true
    }

    @Test func lengthsAreTheCodes() {
        let properties = Self.newTicket
        #expect((properties["title"] as? [String: Any])?["maxLength"] as? Int == NewTicket.maxTitleLength)
        #expect((properties["description"] as? [String: Any])?["maxLength"] as? Int == NewTicket.maxDescriptionLength)
        #expect((properties["category"] as? [String: Any])?["maxLength"] as? Int == NewTicket.maxCategoryLength)
        #expect((Self.refund["orderId"] as? [String: Any])?["maxLength"] as? Int == NewTicket.maxOrderIDLength)
        for field in ["title", "description"] {
            #expect((properties[field] as? [String: Any])?["pattern"] as? String == TextRules.notBlankPattern)
        }
    }

    /// Every blank character of either regex dialect, and text around them.
    static let samples: [String] = {
        let scalars: [UInt32] = [
            0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1F, 0x20, 0x85, 0xA0, 0x1680, 0x180E, 0x2000, 0x200A, 0x200B,
            0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF,
        ]
        let blanks = scalars.compactMap(Unicode.Scalar.init).map { String(Character($0)) }
        return blanks + ["", " \t\n", "x", " x ", "e\u{301}", "Привет", "\u{1F600}", String(repeating: "é", count: 5)]
            + blanks.map { $0 + "a" }
    }()

    @Test(arguments: ["title", "description"])
    func blankTextIsRefusedWhereTheDocumentSays(_ field: String) throws {
        let schema = try #require(Self.newTicket[field] as? [String: Any])
        for sample in Self.samples {
            let ticket = NewTicket(
                title: field == "title" ? sample : "t", description: field == "description" ? sample : "d")
            let accepted = !ticket.violations().contains { $0.field == field }
            #expect(accepted == (try Self.satisfies(sample, schema)), "\(sample.unicodeScalars.map(\.value))")
        }
    }

    @Test func titleLengthCountsCodePoints() throws {
        let schema = try #require(Self.newTicket["title"] as? [String: Any])
        for sample in [String(repeating: "e\u{301}", count: 100), String(repeating: "e\u{301}", count: 101)] {
            let accepted = NewTicket(title: sample, description: "d").violations().isEmpty
            #expect(accepted == (try Self.satisfies(sample, schema)))
        }
        #expect(NewTicket(title: String(repeating: "e\u{301}", count: 101), description: "d").violations().count == 1)
    }

    @Test func currencyIsThreeCapitalLetters() throws {
        let schema = try #require(Self.refund["currency"] as? [String: Any])
        for sample in ["EUR", "eur", "EU", "EURO", "EUR\n", "ÉUR", "E\u{301}UR", "US1"] {
            let refund = RefundRequest(orderId: "o", amount: 1, currency: sample)
            let accepted = NewTicket(title: "t", description: "d", refund: refund).violations().isEmpty
            #expect(accepted == (try Self.satisfies(sample, schema)), "\(sample)")
        }
    }

    @Test func idempotencyKeysAreVisibleASCII() throws {
        let schema = try #require(
            Self.schema("components", "parameters", "IdempotencyKey")["schema"] as? [String: Any])
        var samples = (0..<128).map { String(Character(Unicode.Scalar(UInt8($0)))) }
        samples += ["", "key-1", "ключ", String(repeating: "k", count: 255), String(repeating: "k", count: 256), "a b"]
        for sample in samples {
            let accepted = (try? CommandGateway.validIdempotencyKey(sample)) != nil
            #expect(accepted == (try Self.satisfies(sample, schema)), "\(sample.unicodeScalars.map(\.value))")
        }
    }
}
