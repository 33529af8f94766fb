import Foundation
import SopzDomain

/// The people the development issuer signs tokens for. Demo accounts only: they exist when
/// `SOPZ_DEV_MODE=1` and nowhere else. Every password is `demo`.
struct DemoUser: Sendable, Equatable {
    let username: String
    let name: String
    let roles: Set<Role>

    /// Stable ids that look like Keycloak's (UUIDs), derived from the user name.
    var id: String {
        DerivedID.uuid(from: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), label: "demo-\(username)")
            .uuidString.lowercased()
    }

    static let all: [DemoUser] = [
        DemoUser(username: "ada", name: "Ada Client", roles: [.client]),
        DemoUser(username: "ben", name: "Ben Client", roles: [.client]),
        DemoUser(username: "ann", name: "Ann Administrator", roles: [.administrator]),
        DemoUser(username: "bill", name: "Bill Administrator", roles: [.administrator]),
        DemoUser(username: "cleo", name: "Cleo Administrator", roles: [.administrator]),
        DemoUser(username: "max", name: "Max Manager", roles: [.manager]),
    ]

    static let password = "demo"

    /// The demo user with these credentials, if they are right.
    static func signIn(username: String?, password: String?) -> DemoUser? {
        guard password == Self.password else { return nil }
        return all.first { $0.username == username }
    }
}
