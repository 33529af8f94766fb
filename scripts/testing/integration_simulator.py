"""Billing and the ledger as Sopz's refund saga meets them: an external-system simulator for the
tests and the demo (never part of a production image).

    python integration_simulator.py AMQPS_URL CA_FILE OUT_FILE [READY_FILE]

Declares its own queue, bound to `sopz.integration` for `billing.#` and `ledger.#`, answers every
request on `sopz.integration` with routing key `saga.reply` — as any external system would — and
writes one JSON object per request it received to OUT_FILE. How it answers is chosen by the
order id of the refund, so a test or a person picks the behaviour when opening the ticket:

    fail-billing…   billing refuses the refund
    fail-ledger…    the ledger refuses to record it (billing's refund is then reversed)
    silent-ledger…  the ledger never answers (the saga's timeout fires)
    twice…          every reply is sent twice (the duplicate must change nothing)
    slow…           billing answers after two seconds (time to kill a process mid-saga)
    anything else   both succeed

Reversals (`billing.refund.reverse`) always succeed.
"""

import json
import ssl
import sys

import pika

QUEUE = "sopz.simulator"


def answer(routing_key: str, request: dict) -> list:
    """The replies to one request: zero, one or two."""
    order = ((request.get("refund") or {}).get("orderId")) or ""
    reply = {"sagaId": request["sagaId"], "requestId": request["requestId"], "ticketId": request["ticketId"]}
    short = request["requestId"][:8]
    if routing_key == "billing.refund.request" and order.startswith("fail-billing"):
        return [dict(reply, outcome="failed", reason="card account closed")]
    if routing_key == "ledger.refund.record" and order.startswith("fail-ledger"):
        return [dict(reply, outcome="failed", reason="ledger period is closed")]
    if routing_key == "ledger.refund.record" and order.startswith("silent-ledger"):
        return []
    prefix = {"billing.refund.request": "RF", "ledger.refund.record": "LG", "billing.refund.reverse": "RV"}
    succeeded = dict(reply, outcome="succeeded", reference=f"{prefix.get(routing_key, 'OK')}-{short}")
    return [succeeded, succeeded] if order.startswith("twice") else [succeeded]


def main() -> None:
    url, ca_file, out_file = sys.argv[1:4]
    ready_file = sys.argv[4] if len(sys.argv) > 4 else None
    parameters = pika.URLParameters(url)
    parameters.ssl_options = pika.SSLOptions(ssl.create_default_context(cafile=ca_file), "localhost")
    connection = pika.BlockingConnection(parameters)
    channel = connection.channel()
    channel.exchange_declare("sopz.integration", exchange_type="topic", durable=True)
    channel.queue_declare(QUEUE, durable=True, arguments={"x-queue-type": "quorum"})
    for key in ("billing.#", "ledger.#"):
        channel.queue_bind(QUEUE, "sopz.integration", routing_key=key)
    channel.queue_purge(QUEUE)  # what an earlier run left: replies to sagas long over
    channel.confirm_delivery()
    if ready_file:
        with open(ready_file, "w", encoding="utf-8"):
            pass
    for method, properties, body in channel.consume(QUEUE):
        request = json.loads(body)
        with open(out_file, "a", encoding="utf-8") as out:
            record = {"routingKey": method.routing_key, "messageId": properties.message_id, "body": request}
            out.write(json.dumps(record) + "\n")
        order = ((request.get("refund") or {}).get("orderId")) or ""
        if method.routing_key == "billing.refund.request" and order.startswith("slow"):
            connection.sleep(2)  # keeps the connection's heartbeats going
        for reply in answer(method.routing_key, request):
            channel.basic_publish(
                "sopz.integration",
                "saga.reply",
                json.dumps(reply).encode(),
                pika.BasicProperties(content_type="application/json", delivery_mode=2),
                mandatory=True,
            )
        channel.basic_ack(method.delivery_tag)


if __name__ == "__main__":
    main()
