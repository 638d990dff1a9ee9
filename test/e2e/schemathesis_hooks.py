"""Schemathesis hooks for the admin API: tools/scripts/schemathesis.mjs loads them."""

import re
import uuid

import schemathesis

# What the API accepts as an Idempotency-Key (the document's pattern and lengths).
VALID_KEY = re.compile(r"^[\x20-\x7e]{1,255}$")


@schemathesis.hook
def map_headers(context, headers):
    """A new request gets a new Idempotency-Key, as a client's does.

    Generated keys repeat (Hypothesis returns to simple values), and the same key with the same body gets the first
    answer again, by design (test/e2e/idempotency.e2e-spec.ts): its resource, which a later step may have deleted,
    would then look like a created resource that is not found. Invalid keys are left as generated: they must be refused.
    """
    key = (headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and VALID_KEY.match(key):
        headers["Idempotency-Key"] = str(uuid.uuid4())
    return headers
