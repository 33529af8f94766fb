import Foundation
import SopzContract
import SopzDomain
import SopzPorts
import Synchronization

/// The administrator directory in memory, ordered and paged as PostgreSQL's is (by name, then id).
public final class InMemoryAdministrators: AdministratorDirectory {
    private let administrators = Mutex<[String: Administrator]>([:])

    public init() {}

    public func register(_ user: User) async throws {
        administrators.withLock { administrators in
            let now = Date()
            let known = administrators[user.id]
            administrators[user.id] = Administrator(
                id: user.id, name: user.name, available: known?.available ?? true, load: known?.load ?? 0,
                firstSeenAt: known?.firstSeenAt ?? now, lastSeenAt: now)
        }
    }

    public func list(limit: Int, after cursor: ListCursor?) async throws -> Page<Administrator> {
        let sorted = administrators.withLock { Array($0.values) }.sorted { ($0.name, $0.id) < ($1.name, $1.id) }
        let after = cursor.map { ($0.keys.first ?? "", $0.keys.last ?? "") }
        let remaining = sorted.filter { after == nil || ($0.name, $0.id) > after! }
        let items = Array(remaining.prefix(limit))
        let next = remaining.count > limit ? items.last.map { ListCursor(keys: [$0.name, $0.id]).text } : nil
        return Page(items: items, nextCursor: next)
    }
}

/// A readiness probe that says what it is told.
public struct FixedReadiness: ReadinessProbe {
    public let name: String
    public let ready: Bool

    public init(_ name: String, ready: Bool = true) {
        self.name = name
        self.ready = ready
    }

    public func isReady() async -> Bool { ready }
}
