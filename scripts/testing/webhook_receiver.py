"""A webhook receiver nobody here wrote the verification of (PyPI's standardwebhooks).

    python webhook_receiver.py PORT CERT_FILE KEY_FILE SECRET ANSWERS OUT_FILE

Serves HTTPS on 127.0.0.1:PORT with CERT_FILE/KEY_FILE. Every POST is verified with the
Standard Webhooks reference implementation and SECRET (`whsec_…`), then answered with the next
status of ANSWERS (comma-separated, e.g. `503,200`; the last one repeats). Each request is
written to OUT_FILE as one JSON object — whether it verified, the webhook-id, the signatures, the
content type, the parsed body and the status answered — flushed at once. Runs until killed.
"""

import http.server
import json
import ssl
import sys
import threading

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def main() -> None:
    port, cert_file, key_file, secret, answers, out_file = sys.argv[1:]
    statuses = [int(answer) for answer in answers.split(",")]
    webhook = Webhook(secret)
    lock = threading.Lock()
    served = [0]

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {name.lower(): value for name, value in self.headers.items()}
            try:
                webhook.verify(body, headers)
                verified = True
            except WebhookVerificationError:
                verified = False
            with lock:
                status = statuses[min(served[0], len(statuses) - 1)] if verified else 400
                served[0] += 1
                record = {
                    "verified": verified,
                    "id": headers.get("webhook-id"),
                    "signatures": headers.get("webhook-signature", "").split(" "),
                    "contentType": headers.get("content-type"),
                    "body": json.loads(body),
                    "status": status,
                }
                with open(out_file, "a", encoding="utf-8") as out:
                    out.write(json.dumps(record) + "\n")
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), Receiver)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with open(out_file + ".ready", "w", encoding="utf-8"):
        pass
    server.serve_forever()


if __name__ == "__main__":
    main()
