import Foundation
import Hummingbird
import SopzDomain
import SopzPorts

/// `GET /api/v1/stats`: the help desk's figures for staff, from the read model.
struct StatisticsRoutes: Sendable {
    let readModel: any ReadModelReading

    func register(on api: RouterGroup<SopzRequestContext>) {
        api.on(AccessMatrix.statistics, use: show)
    }

    /// Counts by status, the backlog, every administrator's load, resolution times and the
    /// tickets opened and resolved per day over the last `days` UTC days (default 30).
    @Sendable func show(_ request: Request, context: SopzRequestContext, user: User) async throws -> Response {
        let period = StatisticsPeriod(days: try Self.days(request.uri.queryParameters), now: Date())
        let statistics = try await Problem.unavailableUnless(reading: "statistics") {
            try await readModel.statistics(period)
        }
        return try jsonResponse(statistics, headers: [.cacheControl: "no-store"])
    }

    /// `days`: 1–366, else a 400 naming it.
    static func days(_ parameters: Parameters) throws -> Int {
        guard let text = parameters["days"] else { return StatisticsPeriod.defaultDays }
        guard let days = Int(String(text)), (1...StatisticsPeriod.maximumDays).contains(days) else {
            throw Problem.badRequest(
                "days must be a whole number from 1 to \(StatisticsPeriod.maximumDays)",
                violations: [.init(field: "days", message: "must be 1–\(StatisticsPeriod.maximumDays)")])
        }
        return days
    }
}
