import Foundation
import NIOCore
import SopzDomain
import SopzRuntime
import Testing

@testable import Notifier

/// The retry schedule, and what the sender refuses before it connects anywhere.
@Suite struct WebhookDeliveryRulesTests {
    @Test func theScheduleRetriesForAboutThreeDaysWithinItsJitter() throws {
        #expect(DeliverySchedule.attempts == 15)
        let middle = (1..<DeliverySchedule.attempts).compactMap { DeliverySchedule.wait(afterAttempt: $0, random: 0.5) }
        #expect(middle == DeliverySchedule.waits)
        #expect(middle == middle.sorted())
        let days = middle.reduce(0, +) / 86_400
        #expect(days > 3 && days < 3.5)
        func first(_ random: Double) throws -> Double {
            try #require(DeliverySchedule.wait(afterAttempt: 1, random: random))
        }
        #expect(abs(try first(0) - 4) < 1e-9)
        #expect(abs(try first(1) - 6) < 1e-9)
        #expect(abs(try first(7) - 6) < 1e-9)  // clamped
        #expect(DeliverySchedule.wait(afterAttempt: 15, random: 0.5) == nil)
        #expect(DeliverySchedule.wait(afterAttempt: 0, random: 0.5) == nil)
    }

    @Test(arguments: [
        (200, DeliverySchedule.Verdict.delivered), (204, .delivered), (299, .delivered), (410, .gone), (301, .failed),
        (404, .failed), (429, .failed), (500, .failed),
    ])
    func answersAreJudged(status: Int, verdict: DeliverySchedule.Verdict) {
        #expect(DeliverySchedule.verdict(status: status) == verdict)
    }

    @Test func noAnswerIsAFailure() {
        #expect(DeliverySchedule.verdict(status: nil) == .failed)
    }

    /// A sender whose DNS answers `addresses` for every name.
    static func sender(
        answering addresses: [String], policy: WebhookTargetPolicy = WebhookTargetPolicy()
    ) throws
        -> WebhookSender
    {
        var sender = try WebhookSender(policy: policy, caFile: nil)
        sender.resolve = { _, port in try addresses.map { try SocketAddress(ipAddress: $0, port: port) } }
        return sender
    }

    @Test(arguments: [
        (["127.0.0.1"], "receiver.example is refused: 127.0.0.1 is loopback"),
        (["93.184.216.34", "10.1.2.3"], "receiver.example is refused: 10.1.2.3 is a private network"),
        (["169.254.169.254"], "receiver.example is refused: 169.254.169.254 is link-local (cloud metadata)"),
        (["::ffff:127.0.0.1"], "receiver.example is refused: 127.0.0.1 is loopback (inside IPv6)"),
        (["fd00::1"], "receiver.example is refused: fd00::1 is unique local (private)"),
        ([], "receiver.example resolves to no address"),
    ])
    func aNameResolvingInsideIsRefusedBeforeAnyConnection(addresses: [String], refusal: String) async throws {
        let sender = try Self.sender(answering: addresses)
        let outcome = await sender.post(to: "https://receiver.example/hook", headers: [], body: [])
        #expect(outcome == WebhookSender.Outcome(status: nil, error: refusal))
    }

    @Test func plainHTTPAndLiteralInternalAddressesAreRefusedOutsideDevMode() async throws {
        let sender = try Self.sender(answering: ["93.184.216.34"])
        #expect(
            await sender.post(to: "http://receiver.example/hook", headers: [], body: []).error == "must be an https URL"
        )
        #expect(
            await sender.post(to: "https://[::1]:8443/hook", headers: [], body: []).error == "::1 is loopback")
    }

    @Test func theAllowListOpensAResolvedRange() async throws {
        // Allowed, so it connects — to a port nothing listens on: refused by the host, not the policy.
        let sender = try Self.sender(
            answering: ["127.0.0.1"], policy: WebhookTargetPolicy(allowedNetworks: [AddressRange("127.0.0.0/8")!]))
        let outcome = await sender.post(to: "https://receiver.example:1/hook", headers: [], body: [])
        #expect(outcome.status == nil)
        #expect(outcome.error?.contains("loopback") == false)
    }
}
