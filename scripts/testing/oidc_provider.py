"""A standard OpenID Connect provider nobody here wrote (PyPI's oidc-provider-mock), over HTTPS.

Its ID tokens are RS256 JWTs whose header carries no `kid` and whose `aud` is an array: the
identity tests sign in through it to prove Sopz accepts such a provider.

    python oidc_provider.py PORT CERT KEY USER_CLAIMS_JSON...

Serves https://localhost:PORT (the issuer) with the given certificate, one user per JSON object
(each with a "sub"), until it is terminated.
"""

import json
import signal
import sys

import werkzeug.serving
from oidc_provider_mock import app
from oidc_provider_mock._storage import User


def main() -> None:
    port, cert, key, *claims = sys.argv[1:]
    users = []
    for text in claims:
        user = json.loads(text)
        users.append(User(sub=user.pop("sub"), claims=user))
    server = werkzeug.serving.make_server(
        "127.0.0.1", int(port), app(user_claims=users), threaded=True, ssl_context=(cert, key)
    )
    # A child inherits its parent thread's signal mask, and the test runner's threads block
    # SIGTERM: unblock it, or the test could never stop this server.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.serve_forever()


if __name__ == "__main__":
    main()
