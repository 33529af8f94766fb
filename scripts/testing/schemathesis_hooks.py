"""Schemathesis hooks for Sopz's API conformance run (APIConformanceTests).

Two refusals of schema-valid requests are right, and only these are excused:
- Schemathesis generates `Idempotency-Key` values from their schema and so repeats a key with
  a different body; Sopz answers 422 `idempotency-key-reused`, as the IETF draft asks.
- A list cursor is opaque: only a value the API handed out is one, which no schema can say;
  any other is a 400 naming the `cursor` field.
"""

import schemathesis


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if failure.code != "ST202":  # schema-valid request rejected
        return True
    reused_key = response.status_code == 422 and "/problems/idempotency-key-reused" in response.text
    unknown_cursor = response.status_code == 400 and '"field":"cursor"' in response.text
    return not (reused_key or unknown_cursor)
