"""An ordinary AMQP 0-9-1 consumer nobody here wrote (PyPI's pika), as an external team would run one.

    python amqp_consumer.py AMQPS_URL CA_FILE QUEUE SUBJECT COUNT TIMEOUT_SECONDS OUT_FILE

Connects over TLS (verifying the server against CA_FILE), reads QUEUE (which the caller declared
and bound to sopz.events), acks every message, and keeps those whose `cloudEvents:subject` is
SUBJECT until COUNT arrived; writes one JSON object per kept message to OUT_FILE: its routing
key, content type, message id, application properties and body (parsed as JSON). Exits 0 when
COUNT arrived, 1 when TIMEOUT_SECONDS passed first.
"""

import json
import ssl
import sys
import time

import pika


def main() -> int:
    url, ca_file, queue, subject, count, timeout, out_file = sys.argv[1:]
    count, deadline = int(count), time.monotonic() + float(timeout)
    parameters = pika.URLParameters(url)
    parameters.ssl_options = pika.SSLOptions(ssl.create_default_context(cafile=ca_file), "localhost")
    connection = pika.BlockingConnection(parameters)
    channel = connection.channel()
    received = []
    for method, properties, body in channel.consume(queue, inactivity_timeout=0.2):
        if method is not None and (properties.headers or {}).get("cloudEvents:subject") == subject:
            received.append(
                {
                    "routingKey": method.routing_key,
                    "contentType": properties.content_type,
                    "messageId": properties.message_id,
                    "headers": properties.headers or {},
                    "body": json.loads(body),
                }
            )
        if method is not None:
            channel.basic_ack(method.delivery_tag)
        if len(received) >= count or time.monotonic() > deadline:
            break
    channel.cancel()
    connection.close()
    with open(out_file, "w", encoding="utf-8") as out:
        for message in received:
            out.write(json.dumps(message) + "\n")
    return 0 if len(received) >= count else 1


if __name__ == "__main__":
    sys.exit(main())
