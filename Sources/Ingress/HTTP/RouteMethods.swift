import HTTPTypes
import Synchronization

/// Which methods each path of the router answers, so a known path asked with another method
/// gets `405 Method Not Allowed` and an `Allow` header (RFC 9110 §15.5.6) instead of a 404.
struct RouteMethods: Sendable, Equatable {
    private struct Route: Sendable, Equatable {
        let segments: [String]
        var methods: Set<HTTPRequest.Method>
    }

    private var routes: [Route] = []

    /// Paths as Hummingbird registers (`/api/v1/tickets/:id`) or describes them
    /// (`/api/v1/tickets/{id}`). HEAD is allowed wherever GET is: the router answers it from the
    /// GET handler.
    init(_ registered: [(method: HTTPRequest.Method, path: String)]) {
        for (method, path) in registered {
            let segments = Self.segments(of: path)
            if let index = routes.firstIndex(where: { $0.segments == segments }) {
                routes[index].methods.insert(method)
            } else {
                routes.append(Route(segments: segments, methods: [method]))
            }
        }
        for index in routes.indices where routes[index].methods.contains(.get) {
            routes[index].methods.insert(.head)
        }
    }

    /// The methods `path` answers, sorted; nil when no route has that path.
    func methods(for path: String) -> [HTTPRequest.Method]? {
        let requested = Self.segments(of: path)
        let found = routes.filter { route in
            route.segments.count == requested.count
                && zip(route.segments, requested).allSatisfy { pattern, segment in
                    Self.isCapture(pattern) || pattern == segment
                }
        }
        guard !found.isEmpty else { return nil }
        return found.reduce(into: Set()) { $0.formUnion($1.methods) }.sorted { $0.rawValue < $1.rawValue }
    }

    private static func isCapture(_ segment: String) -> Bool {
        segment.hasPrefix(":") || (segment.hasPrefix("{") && segment.hasSuffix("}"))
    }

    private static func segments(of path: String) -> [String] {
        path.split(separator: "/").map(String.init)
    }
}

/// The router's `RouteMethods`, recorded once every route is registered (`buildRouter`); the
/// middleware that answers 405 is added before the routes, so it reads them from here. Read
/// only for requests no route matched.
final class RecordedRoutes: Sendable {
    private let recorded = Mutex(RouteMethods([]))

    func record(_ routes: RouteMethods) { recorded.withLock { $0 = routes } }

    var methods: RouteMethods { recorded.withLock { $0 } }
}
