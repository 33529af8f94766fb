import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SopzContract
import SopzDomain
import SopzPorts

/// `GET /api/v1/exports/tickets.csv`: every ticket the list's filters select, as CSV, for managers.
///
/// Streamed page by page from the read model (the list's own query and keyset cursor), so a
/// hundred thousand tickets take the memory of one page, and tickets opened meanwhile neither
/// shift nor repeat a row. The first page is read before the answer starts, so a read model that
/// cannot be reached is a 503; one lost later ends the download early (a client sees a transfer
/// cut short, never a complete-looking file that is not).
struct ExportRoutes: Sendable {
    let readModel: any ReadModelReading
    /// Tickets read per query.
    var pageSize = 500

    func register(on api: RouterGroup<SopzRequestContext>) {
        api.on(AccessMatrix.exportTickets, use: tickets)
    }

    @Sendable func tickets(_ request: Request, context: SopzRequestContext, user: User) async throws -> Response {
        var query = try TicketListParameters.filters(request.uri.queryParameters, for: user)
        query.limit = pageSize
        let first = try await Problem.unavailableUnless(reading: "tickets") { try await readModel.tickets(query) }
        let headers: HTTPFields = [
            .contentType: "text/csv; charset=utf-8; header=present",
            .contentDisposition: #"attachment; filename="tickets.csv""#, .cacheControl: "no-store",
        ]
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { [readModel, query] writer in
                var (query, page) = (query, first)
                var chunk = TicketCSV.header
                while true {
                    for ticket in page.items { chunk += TicketCSV.record(of: ticket) }
                    try await writer.write(ByteBuffer(string: chunk))
                    guard let next = page.nextCursor.flatMap({ ListCursor(text: $0, keyCount: 2) }) else { break }
                    query.cursor = next
                    page = try await readModel.tickets(query)
                    chunk = ""
                }
                try await writer.finish(nil)
            })
    }
}
