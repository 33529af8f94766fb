import Foundation
import SopzContract
import Testing

@testable import SopzDomain

/// Webhook subscriptions as a manager changes them, decided without I/O.
@Suite struct WebhookTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let manager = User(id: "manager-1", name: "Max", roles: [.manager])
    static let administrator = User(id: "admin-1", name: "Ann", roles: [.administrator])
    static let new = NewWebhook(url: "https://hooks.example.com/sopz", events: ["resolved", "created"])

    static func envelope(_ command: WebhookCommand, by issuer: User = manager) -> CommandEnvelope {
        CommandEnvelope(
            commandID: CommandID(UUID()), issuedAt: now, issuer: issuer, ticketID: nil, command: .webhook(command))
    }

    /// Decides `envelopes` in order as a batch does; the webhooks after each accepted one, or
    /// the rejection.
    static func run(
        _ envelopes: [CommandEnvelope], at now: Date = now
    ) -> [Result<WebhookSubscription, TicketRejection>] {
        var context = DecisionContext(now: now, tickets: [:])
        return envelopes.map { envelope in
            switch TicketRules.decide(envelope, in: context) {
            case .accept(let accepted):
                context.apply(accepted)
                return accepted.webhooks.first.map { .success($0) } ?? .failure(.init(.conflict, "no webhook"))
            case .reject(let rejection): return .failure(rejection)
            case .retryLater(let reason): return .failure(.init(.conflict, reason))
            }
        }
    }

    @Test func aManagerRegistersASubscriptionWhoseIDDerivesFromTheCommand() throws {
        let register = Self.envelope(.register(Self.new))
        let webhook = try Self.run([register])[0].get()
        #expect(webhook.id == NewWebhook.id(registeredBy: register.commandID))
        #expect(webhook.events == ["created", "resolved"])
        #expect(webhook.status == .active)
        #expect(webhook.secretGeneration == 1)
        #expect(webhook.createdBy == "manager-1")
        #expect(webhook.secretMadeBy == register.commandID)
        #expect(webhook.signingSecretsMadeBy(at: Self.now) == [register.commandID])
        #expect(webhook.wants("resolved") && !webhook.wants("assigned"))
    }

    @Test func onlyManagersManageWebhooks() {
        let refused = Self.run([Self.envelope(.register(Self.new), by: Self.administrator)])[0]
        #expect(throws: TicketRejection(.forbidden, "only managers manage webhooks")) { try refused.get() }
    }

    @Test func aSecondRegistrationOfTheSameIDAndCommandsOnMissingOnesAreRefused() throws {
        let register = Self.envelope(.register(Self.new))
        let results = Self.run([register, register, Self.envelope(.enable(WebhookID(UUID())))])
        #expect(try results[0].get().version == 1)
        #expect((try? results[1].get()) == nil)
        #expect(throws: TicketRejection.self) { try results[2].get() }
    }

    @Test func rotationTakesTheRotatingCommandsSecretAndKeepsThePreviousForAWhile() throws {
        let register = Self.envelope(.register(Self.new))
        let id = NewWebhook.id(registeredBy: register.commandID)
        let first = Self.envelope(.rotateSecret(id, SecretRotation(keepPreviousSeconds: 3_600)))
        let second = Self.envelope(.rotateSecret(id, SecretRotation()))
        let third = Self.envelope(.rotateSecret(id, SecretRotation(keepPreviousSeconds: 0)))
        let results = Self.run([register, first, second, third])
        let rotated = try results[1].get()
        #expect(rotated.secretGeneration == 2)
        #expect(rotated.version == 2)
        #expect(
            rotated.signingSecretsMadeBy(at: Self.now.addingTimeInterval(3_599)) == [
                first.commandID, register.commandID,
            ])
        #expect(rotated.signingSecretsMadeBy(at: Self.now.addingTimeInterval(3_600)) == [first.commandID])
        // Rotations one after another: the latest signs, the one before it alongside.
        #expect(try results[2].get().signingSecretsMadeBy(at: Self.now) == [second.commandID, first.commandID])
        let again = try results[3].get()
        #expect(again.secretGeneration == 4)
        #expect(again.previousSecretValidUntil == nil)
        #expect(again.signingSecretsMadeBy(at: Self.now) == [third.commandID])
    }

    @Test func disableEnableAndDeleteAndNothingAfterDelete() throws {
        let register = Self.envelope(.register(Self.new))
        let id = NewWebhook.id(registeredBy: register.commandID)
        let results = Self.run([
            register, Self.envelope(.disable(id, WebhookDisabling(reason: "maintenance"))), Self.envelope(.enable(id)),
            Self.envelope(.disable(id, WebhookDisabling())), Self.envelope(.delete(id)), Self.envelope(.enable(id)),
        ])
        let disabled = try results[1].get()
        #expect(disabled.status == .disabled && disabled.disabledReason == "maintenance")
        #expect(!disabled.wants("resolved"))
        let enabled = try results[2].get()
        #expect(enabled.status == .active && enabled.disabledReason == nil)
        #expect(try results[3].get().disabledReason == "disabled by a manager")
        #expect(try results[4].get().status == .deleted)
        #expect(try results[4].get().version == 5)
        #expect(throws: TicketRejection(.notFound, "there is no such webhook")) { try results[5].get() }
    }

    @Test func theFormOfARegistrationIsCheckedWhereverItIsJudged() {
        func fields(_ new: NewWebhook) -> [String] { new.violations().map(\.field) }
        #expect(fields(Self.new).isEmpty)
        #expect(fields(NewWebhook(url: "http://receiver.test:8080/in?x=1", events: ["resolved"])).isEmpty)
        for url in [
            "", "hooks.example.com/in", "ftp://hooks.example.com", "https://", "https://user:pw@hooks.example.com",
            "https://hooks.example.com/#top", "https://" + String(repeating: "a", count: 2_000) + ".com",
        ] {
            #expect(fields(NewWebhook(url: url, events: ["resolved"])) == ["url"], "\(url)")
        }
        #expect(fields(NewWebhook(url: Self.new.url, events: [])) == ["events"])
        #expect(fields(NewWebhook(url: Self.new.url, events: ["resolved", "resolved"])) == ["events"])
        #expect(
            fields(NewWebhook(url: Self.new.url, events: ["resolved"], description: String(repeating: "d", count: 201)))
                == ["description"])
        #expect(SecretRotation(keepPreviousSeconds: 604_801).violations().map(\.field) == ["keepPreviousSeconds"])
        #expect(SecretRotation(keepPreviousSeconds: -1).violations().count == 1)
        let invalid = Self.run([Self.envelope(.register(NewWebhook(url: "nope", events: ["resolved"])))])[0]
        #expect(throws: TicketRejection.self) { try invalid.get() }
    }

    @Test func webhookCommandsTravelAndComeBackTheSame() throws {
        let id = WebhookID(UUID())
        for command: WebhookCommand in [
            .register(Self.new), .rotateSecret(id, SecretRotation(keepPreviousSeconds: 60)),
            .disable(id, WebhookDisabling(reason: "why")), .enable(id), .delete(id), .replay(id, delivery: 42),
            .receiverGone(id),
        ] {
            let envelope = Self.envelope(command)
            let decoded = try JSONCoding.decoder().decode(
                CommandEnvelope.self, from: try JSONCoding.encoder().encode(envelope))
            #expect(decoded == envelope)
            #expect(TicketCommand.types.contains(envelope.command.type))
        }
    }

    @Test func aReceiverThatIsGoneDisablesItsSubscriptionWhoeverSendsIt() throws {
        let register = Self.envelope(.register(Self.new))
        let id = NewWebhook.id(registeredBy: register.commandID)
        let notifier = User(id: "sopz-notifier", name: "Sopz notifier", roles: [])
        var context = DecisionContext(now: Self.now, tickets: [:])
        guard case .accept(let registered) = TicketRules.decide(register, in: context) else {
            Issue.record("registration refused")
            return
        }
        context.apply(registered)
        guard case .accept(let gone) = TicketRules.decide(Self.envelope(.receiverGone(id), by: notifier), in: context)
        else {
            Issue.record("receiverGone refused")
            return
        }
        let disabled = try #require(gone.webhooks.first)
        #expect(disabled.status == .disabled)
        #expect(disabled.disabledReason == "the receiver answered 410 Gone")
        #expect(disabled.version == 2)
        context.apply(gone)
        // Told again (a second 410 in flight): nothing changes.
        guard case .accept(let again) = TicketRules.decide(Self.envelope(.receiverGone(id), by: notifier), in: context)
        else {
            Issue.record("a repeated receiverGone was refused")
            return
        }
        #expect(again.webhooks.isEmpty && again.events.isEmpty)
    }

    @Test func aManagerReplaysADeliveryOfAnActiveSubscriptionOnly() throws {
        let register = Self.envelope(.register(Self.new))
        let id = NewWebhook.id(registeredBy: register.commandID)
        var context = DecisionContext(now: Self.now, tickets: [:])
        guard case .accept(let registered) = TicketRules.decide(register, in: context) else {
            Issue.record("registration refused")
            return
        }
        context.apply(registered)
        guard case .accept(let replayed) = TicketRules.decide(Self.envelope(.replay(id, delivery: 7)), in: context)
        else {
            Issue.record("replay refused")
            return
        }
        #expect(replayed.replays == [WebhookReplay(webhookID: id, deliveryID: 7)])
        #expect(replayed.webhooks.isEmpty)
        guard
            case .reject(let forbidden) = TicketRules.decide(
                Self.envelope(.replay(id, delivery: 7), by: Self.administrator), in: context)
        else {
            Issue.record("an administrator replayed")
            return
        }
        #expect(forbidden.code == .forbidden)
        guard
            case .accept(let disabled) = TicketRules.decide(
                Self.envelope(.disable(id, WebhookDisabling())), in: context)
        else {
            Issue.record("disable refused")
            return
        }
        context.apply(disabled)
        guard case .reject(let conflict) = TicketRules.decide(Self.envelope(.replay(id, delivery: 7)), in: context)
        else {
            Issue.record("a disabled subscription replayed")
            return
        }
        #expect(conflict.code == .conflict)
    }
}
