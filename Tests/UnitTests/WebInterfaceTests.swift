import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import Ingress

/// How the ingress serves the web interface — the page, its policy and its cache lifetimes —
/// and rules its files must keep, checked on the files themselves.
@Suite struct WebInterfaceTests {
    static let web = WebInterface(
        configuration: .init(issuer: "https://id.example.com/realms/sopz", clientID: "sopz-web"))

    static func text(_ name: String) throws -> String {
        String(decoding: try #require(WebInterface.files.first { $0.name == name }).bytes, as: UTF8.self)
    }

    static var scripts: [String] { WebInterface.files.map(\.name).filter { $0.hasSuffix(".js") } }

    @Test func thePageIsRevalidatedAndNeverFramedAndNamesTheIssuerAndTheVersionedAssets() async throws {
        let ingress = try await InMemoryIngress.make()
        let web = ingress.dependencies.web
        try await ingress.test { client in
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[.cacheControl] == "no-cache")
            let policy = try #require(page.headers[.contentSecurityPolicy])
            for directive in [
                "default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'",
                "connect-src 'self' https://localhost:8444;",
            ] {
                #expect(policy.contains(directive), "\(directive)")
            }
            #expect(!policy.contains("unsafe"))
            let html = String(buffer: page.body)
            #expect(html.contains(#"<script type="module" src="/assets/\#(web.version)/app.js"></script>"#))
            #expect(html.contains(#"content="https://localhost:8444/realms/sopz""#))
            #expect(!html.contains("{{"))

            let tag = try #require(page.headers[.eTag])
            let again = try await client.execute(uri: "/", method: .get, headers: [.ifNoneMatch: tag])
            #expect(again.status == .notModified)
            #expect(again.body.readableBytes == 0)
            #expect(try await client.execute(uri: "/", method: .head).status == .ok)
        }
    }

    @Test func assetsAreCachedForAYearUnderTheirVersionAndNothingElseIsServed() async throws {
        let ingress = try await InMemoryIngress.make()
        let version = ingress.dependencies.web.version
        try await ingress.test { client in
            let script = try await client.execute(uri: "/assets/\(version)/app.js", method: .get)
            #expect(script.status == .ok)
            #expect(script.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(script.headers[.cacheControl] == "public, max-age=31536000, immutable")
            #expect(String(buffer: script.body) == (try Self.text("app.js")))
            let style = try await client.execute(uri: "/assets/\(version)/app.css", method: .get)
            #expect(style.headers[.contentType] == "text/css; charset=utf-8")
            for missing in [
                "/assets/0000000000000000/app.js", "/assets/\(version)/index.html", "/assets/\(version)/nope.js",
                "/assets/\(version)/..%2Fopenapi.json",
            ] {
                let response = try await client.execute(uri: missing, method: .get)
                #expect(response.status == .notFound, "\(missing)")
                #expect(response.headers[.contentType] == "application/problem+json", "\(missing)")
            }
        }
    }

    /// The version is a hash of the assets: it changes when any of them does.
    @Test func theVersionFollowsTheAssetsContent() {
        let configuration = WebInterface.Configuration(issuer: "https://x", clientID: "c")
        let files = WebInterface.files
        let changed = files.map { $0.name == "app.css" ? ($0.name, $0.bytes + Array("\n".utf8)) : $0 }
        #expect(WebInterface(configuration: configuration, files: files).version == Self.web.version)
        #expect(WebInterface(configuration: configuration, files: changed).version != Self.web.version)
        #expect(Self.web.version.count == 16)
    }

    @Test func configurationValuesAreEscapedInThePage() {
        let hostile = WebInterface(configuration: .init(issuer: #"https://x/"><script>"#, clientID: "a&b"))
        let html = String(buffer: hostile.page)
        #expect(!html.contains("<script>\""))
        #expect(html.contains("&quot;&gt;&lt;script&gt;"))
        #expect(html.contains("a&amp;b"))
    }

    /// What the policy forbids is not in the files either: no inline script or style, no style
    /// attributes; and no script turns text into markup.
    @Test func theFilesKeepToThePolicyAndNeverParseMarkup() throws {
        let page = try Self.text("index.html")
        #expect(!page.contains("style="))
        #expect(!page.contains("<style"))
        let scriptTags = page.components(separatedBy: "<script").dropFirst()
        #expect(scriptTags.allSatisfy { $0.hasPrefix(#" type="module" src=""#) })
        for name in Self.scripts {
            let source = try Self.text(name)
            for forbidden in [
                "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", ".style.",
            ] {
                #expect(!source.contains(forbidden), "\(name) uses \(forbidden)")
            }
        }
    }

    /// Every module a module imports is one of the assets (a missing one breaks the page).
    @Test func everyImportIsAnAsset() throws {
        let names = Set(WebInterface.files.map(\.name))
        for name in Self.scripts {
            for line in try Self.text(name).split(separator: "\n") where line.hasPrefix("import ") {
                let target = try #require(line.split(separator: "'").dropFirst().first, "\(name): \(line)")
                #expect(target.hasPrefix("./"), "\(name): \(line)")
                #expect(names.contains(String(target.dropFirst(2))), "\(name) imports \(target)")
            }
        }
    }

    /// Every word the interface says exists in both languages.
    @Test func bothLanguagesHaveTheSameWords() throws {
        let source = try Self.text("i18n.js")
        let english = try #require(source.range(of: "  en: {"))
        let russian = try #require(source.range(of: "  ru: {"))
        let end = try #require(source.range(of: "\n};"))
        func keys(_ text: Substring) -> [String] {
            // The words themselves may hold commas and colons: only what is outside the quotes.
            let unquoted = String(text).replacingOccurrences(of: "'[^']*'", with: "''", options: .regularExpression)
            return unquoted.split(separator: "\n").flatMap { line in
                line.split(separator: ",").compactMap { part -> String? in
                    let trimmed = part.trimmingCharacters(in: .whitespaces)
                    guard let colon = trimmed.firstIndex(of: ":"), trimmed.first?.isLetter == true else { return nil }
                    return String(trimmed[..<colon])
                }
            }
        }
        let englishKeys = keys(source[english.upperBound..<russian.lowerBound])
        let russianKeys = keys(source[russian.upperBound..<end.lowerBound])
        #expect(englishKeys.count > 60)
        #expect(englishKeys == russianKeys)
    }
}
