import Testing
import HummingbirdTesting
@testable import Ingress
@testable import Dispatcher
@testable import Notifier
@Test func placeholder2() { #expect(true) }
