"""rewards: the walkthrough's "additional business on commit", in Python.

Subscribed through an MNSTopic trigger to the ledger's block topic
(marbles-blocks), it grants the new owner of every VALID Marbles set_owner
transaction points, and prints one JSON line per grant,
{"kind":"reward","owner","points","marble","txId","block"}, so each owner's
total is one logstore query away (see the README).

The rule lives here rather than in chaincode because it changes often and
does not need consensus. Points per transfer come from the
POINTS_PER_TRANSFER environment variable (default 10).

Event: FC's MNS event with NotifyContentFormat JSON (the block summary in
Message), or the block summary itself with STREAM. Result: {"block", "grants"}.
"""

import json
import os

DEFAULT_POINTS = 10


class InvalidConfiguration(Exception):
    """The function's EnvironmentVariables are wrong: fix template.yml."""


class InvalidEvent(Exception):
    """The event is not a block summary."""


def parse_points(value):
    """POINTS_PER_TRANSFER: a whole number of points, at least 1."""
    try:
        points = int(value.strip())
    except ValueError:
        points = 0
    if points <= 0:
        raise InvalidConfiguration(
            "POINTS_PER_TRANSFER must be a whole number of points above 0, got `%s`; "
            "fix the function's EnvironmentVariables in template.yml" % value
        )
    return points


def block_from_event(event):
    """The block summary from FC's MNS event: the JSON envelope's Message,
    or (with NotifyContentFormat STREAM) the event itself."""
    try:
        value = json.loads(event)
    except ValueError as error:
        raise InvalidEvent(
            "the event is not JSON (%s); subscribe to a `Source: blocks` topic" % error
        )
    if isinstance(value, dict) and isinstance(value.get("Message"), str):
        try:
            value = json.loads(value["Message"])
        except ValueError as error:
            raise InvalidEvent(
                "the MNS message is not a block summary (%s); "
                "subscribe to a `Source: blocks` topic" % error
            )
    if not isinstance(value, dict) or not isinstance(value.get("txs"), list) \
            or not isinstance(value.get("blockNumber"), int):
        raise InvalidEvent(
            "the event is neither an MNS JSON event nor a block summary; "
            "subscribe to a `Source: blocks` topic"
        )
    return value


def grants(block, points):
    """A grant for each VALID Marbles set_owner (args [marble_id,
    new_owner_id, authed_by_company]) in the block, in order. Transactions
    that did not validate changed nothing, so they earn nothing."""
    return [
        {
            "kind": "reward",
            "owner": tx["args"][1],
            "points": points,
            "marble": tx["args"][0],
            "txId": tx.get("txId") or "",
            "block": block["blockNumber"],
        }
        for tx in block["txs"]
        if tx.get("validationCode") == "VALID"
        and tx.get("chaincode") == "marbles"
        and tx.get("function") == "set_owner"
        and len(tx.get("args") or []) >= 2
    ]


def handler(event, context):
    value = os.environ.get("POINTS_PER_TRANSFER")
    points = DEFAULT_POINTS if value is None else parse_points(value)
    block = block_from_event(event)
    granted = grants(block, points)
    for grant in granted:
        print(json.dumps(grant, separators=(",", ":")))
    return json.dumps({"block": block["blockNumber"], "grants": len(granted)})
