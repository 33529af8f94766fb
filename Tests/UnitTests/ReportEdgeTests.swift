import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import SopzContract
import SopzDomain
import SopzPorts
import SopzTestSupport
import Testing

@testable import Ingress

/// Statistics and the CSV export at the HTTP edge, against the in-memory read model (the SQL
/// behind them is tested against PostgreSQL in `ReadModelTests`).
@Suite struct ReportEdgeTests {
    static let ada = DemoUser.all[0]

    static func id(_ username: String) -> String { DemoUser.all.first { $0.username == username }?.id ?? "" }

    static func request(
        _ client: any TestClientProtocol, _ path: String, method: HTTPRequest.Method = .get, as username: String,
        ingress: InMemoryIngress, json: String? = nil
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.authorization: "Bearer \(try await ingress.token(username))"]
        if json != nil {
            headers[.contentType] = "application/json"
            headers[.prefer] = "wait=5"
        }
        return try await client.execute(
            uri: path, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    static func object(_ response: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:]
    }

    // MARK: Statistics

    @Test func statisticsCountStatusesBacklogLoadsResolutionsAndDays() async throws {
        let ingress = try await InMemoryIngress.make()
        try await ingress.test { client in
            func command(
                _ method: HTTPRequest.Method, _ path: String, _ user: String, _ json: String
            ) async throws
                -> [String: Any]
            {
                let response = try await Self.request(
                    client, path, method: method, as: user, ingress: ingress, json: json)
                #expect([.ok, .created].contains(response.status), "\(path): \(response.status)")
                return Self.object(response)
            }
            _ = try await command(.put, "/api/v1/administrators/me/availability", "bill", #"{"available":false}"#)
            _ = try await command(.put, "/api/v1/administrators/me/availability", "ann", #"{"available":true}"#)
            var ids: [String] = []
            for title in ["One", "Two", "Three"] {
                let created = try await command(
                    .post, "/api/v1/tickets", "ada", #"{"title":"\#(title)","description":"d"}"#)
                #expect(created["assigneeId"] as? String == Self.id("ann"))
                ids.append(try #require(created["id"] as? String))
            }
            _ = try await command(.post, "/api/v1/tickets/\(ids[0])/status", "ann", #"{"status":"resolved"}"#)
            _ = try await command(.put, "/api/v1/administrators/me/availability", "ann", #"{"available":false}"#)
            _ = try await command(.post, "/api/v1/tickets", "ada", #"{"title":"Four","description":"d"}"#)

            let response = try await Self.request(client, "/api/v1/stats?days=7", as: "max", ingress: ingress)
            #expect(response.status == .ok)
            #expect(response.headers[.cacheControl] == "no-store")
            let stats = Self.object(response)
            let byStatus = try #require(stats["byStatus"] as? [String: Int])
            #expect(byStatus.count == TicketStatus.allCases.count)
            #expect(byStatus["assigned"] == 2 && byStatus["resolved"] == 1 && byStatus["new"] == 1)
            #expect(byStatus["closed"] == 0)
            let backlog = try #require(stats["backlog"] as? [String: Any])
            #expect(backlog["size"] as? Int == 1)
            #expect(backlog["oldestCreatedAt"] is String)
            #expect((backlog["oldestWaitSeconds"] as? Double).map { $0 >= 0 } == true)
            let loads = try #require(stats["administrators"] as? [[String: Any]])
            #expect(loads.map { $0["name"] as? String } == ["Ann Administrator", "Bill Administrator"])
            #expect(loads.map { $0["load"] as? Int } == [2, 0])
            #expect(loads.map { $0["available"] as? Bool } == [false, false])
            let resolution = try #require(stats["resolution"] as? [String: Any])
            #expect(resolution["resolved"] as? Int == 1)
            #expect((resolution["p50Seconds"] as? Double).map { $0 >= 0 && $0 < 60 } == true)
            let days = try #require(stats["perDay"] as? [[String: Any]])
            #expect(days.count == 7)
            #expect(days.last?["day"] as? String == StatisticsPeriod.name(of: Date()))
            #expect(days.last?["created"] as? Int == 4)
            #expect(days.last?["resolved"] as? Int == 1)
            #expect(days.dropLast().allSatisfy { $0["created"] as? Int == 0 })
            #expect((stats["period"] as? [String: Any])?["days"] as? Int == 7)
        }
    }

    /// RFC 3339 allows offsets up to ±23:59, beyond the ±18:00 a Foundation time zone holds
    /// (schemathesis sent `+18:05` and got a 400).
    @Test func timestampsWithAnyRFC3339OffsetAreRead() throws {
        #expect(JSONCoding.date(from: "0422-08-06T16:34:01+18:05") == JSONCoding.date(from: "0422-08-05T22:29:01Z"))
        #expect(JSONCoding.date(from: "2027-03-01T00:00:00-23:30") == JSONCoding.date(from: "2027-03-01T23:30:00Z"))
        #expect(JSONCoding.date(from: "2027-03-01T00:00:00+24:00") == nil)
        #expect(JSONCoding.date(from: "2027-03-01T00:00:00++1:00") == nil)
        #expect(JSONCoding.date(from: "2027-03-01") == nil)
    }

    @Test func aPeriodIsWholeUTCDaysEndingToday() throws {
        let now = try #require(JSONCoding.date(from: "2027-03-01T23:30:00+03:00"))  // 20:30 UTC
        let period = StatisticsPeriod(days: 3, now: now)
        #expect(JSONCoding.timestamp(period.from) == "2027-02-27T00:00:00.000Z")
        #expect(period.dayNames == ["2027-02-27", "2027-02-28", "2027-03-01"])
        #expect(StatisticsPeriod(days: 1, now: now).dayNames == ["2027-03-01"])
    }

    @Test func percentilesInterpolateAsPostgreSQLsPercentileCont() {
        let ten = Statistics.Resolution(durations: (1...10).map(Double.init).reversed())
        #expect(ten.resolved == 10)
        #expect(ten.p50Seconds == 5.5)
        #expect(ten.p90Seconds.map { abs($0 - 9.1) < 1e-9 } == true)
        #expect(Statistics.Resolution(durations: [42]).p90Seconds == 42)
        #expect(Statistics.Resolution(durations: []) == .init(resolved: 0, p50Seconds: nil, p90Seconds: nil))
    }

    @Test func statisticsWithNothingYetAreZerosAndNulls() async throws {
        let ingress = try await InMemoryIngress.make()
        try await ingress.test { client in
            let response = try await Self.request(client, "/api/v1/stats", as: "ann", ingress: ingress)
            #expect(response.status == .ok)
            let text = String(buffer: response.body)
            #expect(text.contains(#""oldestCreatedAt":null"#))
            #expect(text.contains(#""p50Seconds":null"#))
            #expect((Self.object(response)["perDay"] as? [Any])?.count == StatisticsPeriod.defaultDays)
        }
    }

    @Test(arguments: ["days=0", "days=367", "days=week", "days="])
    func aBadPeriodIsABadRequestNamingIt(_ query: String) async throws {
        let ingress = try await InMemoryIngress.make()
        try await ingress.test { client in
            let response = try await Self.request(client, "/api/v1/stats?\(query)", as: "max", ingress: ingress)
            #expect(response.status == .badRequest)
            #expect(response.headers[.contentType] == "application/problem+json")
            let violations = Self.object(response)["violations"] as? [[String: Any]]
            #expect(violations?.first?["field"] as? String == "days")
        }
    }

    @Test func clientsSeeNoStatisticsAndNoExport() async throws {
        let ingress = try await InMemoryIngress.make()
        try await ingress.test { client in
            for path in ["/api/v1/stats", "/api/v1/exports/tickets.csv"] {
                let response = try await Self.request(client, path, as: "ada", ingress: ingress)
                #expect(response.status == .forbidden, "\(path)")
            }
            let administrator = try await Self.request(
                client, "/api/v1/exports/tickets.csv", as: "ann", ingress: ingress)
            #expect(administrator.status == .forbidden)
        }
    }

    // MARK: Export

    /// More tickets than a page, so the export reads several pages and joins them seamlessly.
    @Test func theExportIsEveryTicketAsRFC4180CSVAcrossPages() async throws {
        let ingress = try await InMemoryIngress.make()
        let owner = User(id: Self.ada.id, name: Self.ada.name, roles: Self.ada.roles)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        var tickets = (0..<1_201).map { Samples.ticket(owner: owner, at: start.addingTimeInterval(Double($0))) }
        tickets[7].title = #"=HYPERLINK("https://evil.example","click")"#
        tickets[7].description = "Line one,\r\nline \"two\""
        tickets[8].status = .assigned
        tickets[8].assigneeID = Self.id("ann")
        tickets[9].refund = RefundRequest(orderId: "A-1", amount: Decimal(string: "12.50")!, currency: "EUR")
        for ticket in tickets { ingress.model.insert(ticket) }
        try await ingress.test { [tickets] client in
            let response = try await Self.request(client, "/api/v1/exports/tickets.csv", as: "max", ingress: ingress)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/csv; charset=utf-8; header=present")
            #expect(response.headers[.contentDisposition] == #"attachment; filename="tickets.csv""#)
            let text = String(buffer: response.body)
            #expect(text.hasSuffix("\r\n"))
            let records = try CSV.parse(text)
            #expect(records.first == TicketCSV.columns)
            let rows = records.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(TicketCSV.columns, $0)) }
            #expect(rows.map { $0["id"] } == tickets.reversed().map { $0.id.description })
            let evil = try #require(rows.first { $0["id"] == tickets[7].id.description })
            #expect(evil["title"] == "'" + tickets[7].title)
            #expect(evil["description"] == tickets[7].description)
            let assigned = try #require(rows.first { $0["id"] == tickets[8].id.description })
            #expect(assigned["status"] == "assigned" && assigned["assigneeId"] == Self.id("ann"))
            let refund = try #require(rows.first { $0["id"] == tickets[9].id.description })
            #expect(
                [refund["refundOrderId"], refund["refundAmount"], refund["refundCurrency"]] == ["A-1", "12.5", "EUR"])
            #expect(rows.first?["createdAt"] == "2027-01-15T08:20:00.000Z")

            let filtered = try await Self.request(
                client, "/api/v1/exports/tickets.csv?status=assigned", as: "max", ingress: ingress)
            #expect(try CSV.parse(String(buffer: filtered.body)).count == 2)
            let bad = try await Self.request(
                client, "/api/v1/exports/tickets.csv?status=done", as: "max", ingress: ingress)
            #expect(bad.status == .badRequest)
        }
    }

    @Test func fieldsAreQuotedOnlyWhenTheyMustBeAndFormulasAreDefused() {
        #expect(TicketCSV.escaped("plain text") == "plain text")
        #expect(TicketCSV.escaped("a,b") == #""a,b""#)
        #expect(TicketCSV.escaped(#"say "hi""#) == #""say ""hi""""#)
        #expect(TicketCSV.escaped("two\nlines") == "\"two\nlines\"")
        #expect(TicketCSV.escaped("crlf\r\nend") == "\"crlf\r\nend\"")
        for formula in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            #expect(TicketCSV.typed(formula) == "'" + formula)
        }
        #expect(TicketCSV.typed("1-2") == "1-2")
        #expect(TicketCSV.typed("") == "")
        #expect(TicketCSV.record(["a", "b,c", ""]) == "a,\"b,c\",\r\n")
    }
}

/// A small RFC 4180 reader for the tests: quoted fields, doubled quotes, CRLF record ends.
enum CSV {
    struct Malformed: Error {}

    static func parse(_ text: String) throws -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var characters = text.makeIterator()
        var pending: Character? = nil
        while let character = pending ?? characters.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    let next = characters.next()
                    if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                } else {
                    field.append(character)
                }
            } else if character == "\"" && field.isEmpty {
                quoted = true
            } else if character == "," {
                record.append(field)
                field = ""
            } else if character == "\r\n" {
                record.append(field)
                records.append(record)
                (record, field) = ([], "")
            } else if character == "\"" || character == "\n" || character == "\r" {
                throw Malformed()
            } else {
                field.append(character)
            }
        }
        guard !quoted, field.isEmpty, record.isEmpty else { throw Malformed() }
        return records
    }
}
