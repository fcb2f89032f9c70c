"""Makes the calls of calls.js with segment-analytics-python against the capture server.

    node calls.js N > calls.json && python drive-python.py PORT calls.json

`created_at` values are passed as timezone-aware datetimes (the SDK writes them with
isoformat: `+00:00`); `anonymousId` is passed even when None (the SDK sends `null`).
"""
import datetime
import json
import sys

import segment.analytics as analytics

port, path = sys.argv[1], sys.argv[2]
analytics.write_key = "capture-key"
analytics.host = f"http://127.0.0.1:{port}"
analytics.upload_size = 20
analytics.sync_mode = False


# Amounts are floats in Python programs: json.dumps writes them as `25.0`, `1e-07`, `1e+21`.
AMOUNTS = {"price", "total", "subtotal", "revenue", "value", "framerate", "discount", "total billed"}


def floats(props):
    if isinstance(props, list):
        return [floats(p) for p in props]
    if not isinstance(props, dict):
        return props
    return {k: float(v) if k in AMOUNTS and isinstance(v, (int, float)) else floats(v) for k, v in props.items()}


def dates(traits):
    out = dict(traits)
    if isinstance(out.get("created_at"), str):
        out["created_at"] = datetime.datetime.fromisoformat(out["created_at"].replace("Z", "+00:00"))
    return out


for c in json.load(open(path, encoding="utf-8")):
    who = {"user_id": c.get("userId"), "anonymous_id": c.get("anonymousId")}
    if c["type"] == "track":
        analytics.track(event=c["event"], properties=floats(c.get("properties")), **who)
    elif c["type"] == "identify":
        analytics.identify(traits=dates(c["traits"]), **who)
    elif c["type"] == "group":
        analytics.group(group_id=c["groupId"], traits=floats(dates(c["traits"])), **who)
    elif c["type"] == "page":
        analytics.page(category=c.get("category"), name=c.get("name"), properties=c.get("properties"), **who)
analytics.flush()
analytics.shutdown()
