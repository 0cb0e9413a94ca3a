"""A timer function: FC passes the trigger's event (triggerTime,
triggerName, payload) as JSON bytes."""

import json
import logging

logger = logging.getLogger()


def handler(event, context):
    timer = json.loads(event)
    payload = json.loads(timer["payload"])
    logger.info("tick %s at %s", payload["unit"], timer["triggerTime"])
    return "ok"
