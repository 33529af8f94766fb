import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SopzDomain

/// The development issuer's sign-in page: pick a demo user, enter the password, get an access
/// token and the curl lines to use it. No script at all, and a policy that forbids any.
enum LoginPage {
    static let style = """
        body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}\
        .warning{background:#fff3cd;border:1px solid #e0c36c;padding:.5rem 1rem}\
        fieldset{border:1px solid #ccc;margin:1rem 0}label{display:block;margin:.25rem 0}\
        textarea,pre{width:100%;font:13px monospace;white-space:pre-wrap;word-break:break-all}\
        .error{color:#a00}
        """

    /// Only the stylesheet above may apply; forms post back here (and may be redirected on to
    /// `formTargets`, the web interface a code goes back to); nothing may frame the page.
    static func contentSecurityPolicy(formTargets: Set<String> = []) -> String {
        let targets = (["'self'"] + formTargets.sorted()).joined(separator: " ")
        return
            "default-src 'none'; style-src 'sha256-\(styleHash)'; form-action \(targets); frame-ancestors 'none'; base-uri 'none'"
    }
    private static let styleHash = Data(SHA256.hash(data: Data(style.utf8))).base64EncodedString()

    static func form(action: String, hidden: [(name: String, value: String)] = [], error: String? = nil) -> String {
        let choices = DemoUser.all.enumerated().map { index, user in
            let roles = user.roles.map(\.rawValue).sorted().joined(separator: ", ")
            return """
                <label><input type="radio" name="username" value="\(escape(user.username))"\
                \(index == 0 ? " checked" : "")> \(escape(user.name)) <small>(\(escape(user.username)), \
                \(escape(roles)))</small></label>
                """
        }.joined(separator: "\n")
        return page(
            title: "Sopz — development sign-in",
            body: """
                <p class="warning">Demo accounts for local development only: this issuer refuses to start \
                outside dev mode. Every password is <code>demo</code>.</p>
                \(error.map { "<p class=\"error\">\(escape($0))</p>" } ?? "")
                <form method="post" action="\(escape(action))">
                \(hidden.map { "<input type=\"hidden\" name=\"\(escape($0.name))\" value=\"\(escape($0.value))\">" }.joined())
                <fieldset><legend>Sign in as</legend>
                \(choices)
                </fieldset>
                <label>Password <input type="password" name="password" required autocomplete="off"></label>
                <button type="submit">Sign in</button>
                </form>
                """)
    }

    static func signedIn(_ user: DemoUser, token: String, lifetime: TimeInterval, apiURL: String) -> String {
        page(
            title: "Signed in as \(user.name)",
            body: """
                <p>Roles: \(escape(user.roles.map(\.rawValue).sorted().joined(separator: ", "))). \
                The access token below is valid for \(Int(lifetime / 60)) minutes.</p>
                <textarea readonly rows="8">\(escape(token))</textarea>
                <p>Use it from a shell in the Sopz folder:</p>
                <pre>TOKEN='\(escape(token))'
                curl --cacert .state/tls/ca.pem -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
                  -d '{"title":"Printer on fire","description":"Third floor"}' \(escape(apiURL))/api/v1/tickets</pre>
                """)
    }

    static func signedOut() -> String {
        page(title: "Signed out", body: "<p>You are signed out of Sopz.</p>")
    }

    static func refused(_ message: String) -> String {
        page(title: "Sign-in refused", body: "<p class=\"error\">\(escape(message))</p>")
    }

    static func response(
        _ html: String, status: HTTPResponse.Status = .ok, formTargets: Set<String> = []
    ) -> Response {
        let headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8",
            .contentSecurityPolicy: contentSecurityPolicy(formTargets: formTargets),
            .xContentTypeOptions: "nosniff", .cacheControl: "no-store",
            .strictTransportSecurity: "max-age=31536000; includeSubDomains", .referrerPolicy: "no-referrer",
        ]
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    private static func page(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
        <title>\(escape(title))</title><style>\(style)</style></head>
        <body><main><h1>\(escape(title))</h1>
        \(body)
        </main></body></html>
        """
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
