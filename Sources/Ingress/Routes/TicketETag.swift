import Foundation
import SopzDomain

/// A ticket's entity tag is its version (`"7"`): every event moves it on, so a command sent with
/// `If-Match` is refused when anything happened to the ticket since the sender read it.
enum TicketETag {
    static func value(of ticket: Ticket) -> String { "\"\(ticket.version)\"" }

    /// The version an `If-Match` names; nil without the header or for `*` (any version). A value
    /// that is not one strong tag of this API's form can never match (RFC 9110 §13.1.1: then the
    /// answer is 412), so it names version 0, which no ticket ever has.
    static func expectedVersion(ifMatch: String?) -> Int? {
        guard let value = ifMatch?.trimmingCharacters(in: .whitespaces), value != "*" else { return nil }
        guard value.count >= 3, value.first == "\"", value.last == "\"",
            let version = Int(value.dropFirst().dropLast()), version > 0
        else { return 0 }
        return version
    }
}
