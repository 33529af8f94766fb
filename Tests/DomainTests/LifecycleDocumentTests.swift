import Foundation
import Testing

@testable import SopzDomain

/// The README shows the lifecycle table as the code declares it: rendered here from
/// `Lifecycle.rules`, it must appear in the README exactly (between the two markers).
@Suite struct LifecycleDocumentTests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../README.md")

    /// One row per action and role that takes it anywhere; a column per status.
    static func table() -> String {
        let statuses = TicketStatus.allCases
        var lines = [
            "| action | by | " + statuses.map { "`\($0.rawValue)`" }.joined(separator: " | ") + " |",
            "|---|---|" + String(repeating: "---|", count: statuses.count),
        ]
        for action in Lifecycle.Action.all {
            for actor in Lifecycle.Actor.allCases
            where Lifecycle.rules.contains(where: { $0.action == action && $0.actors.contains(actor) }) {
                let cells = statuses.map { status in
                    switch Lifecycle.cell(status, action, by: actor) {
                    case .moves(let to): "→ `\(to.rawValue)`"
                    case .stays: "✓"
                    case .refused(let refusal): refusal == .final ? "final" : "·"
                    }
                }
                lines.append("| \(action.label) | \(actor.rawValue) | " + cells.joined(separator: " | ") + " |")
            }
        }
        return lines.joined(separator: "\n")
    }

    @Test func theReadmeShowsTheTableTheCodeDeclares() throws {
        let text = try String(contentsOf: Self.readme, encoding: .utf8)
        let start = try #require(text.range(of: "<!-- lifecycle table: generated -->\n"))
        let end = try #require(
            text.range(of: "<!-- end of lifecycle table -->", range: start.upperBound..<text.endIndex))
        let shown = String(text[start.upperBound..<end.lowerBound]).trimmingCharacters(in: .newlines)
        #expect(shown == Self.table(), "put this table in the README:\n\(Self.table())")
    }
}

extension Lifecycle.Action {
    /// How the README names the action: the endpoint that takes it.
    var label: String {
        switch self {
        case .cancel: "`cancel`"
        case .setStatus(let status): "`status` → `\(status.rawValue)`"
        case .confirm: "`confirm`"
        case .reopen: "`reopen`"
        case .assign: "`assignee` (someone)"
        case .unassign: "`assignee` (`null`)"
        case .postMessage: "`messages`"
        }
    }
}
