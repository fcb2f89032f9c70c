"""Sends identify, track, page, screen and group with Segment's own segment-analytics-python
(pinned with hashes by requirements.txt) to the local Segment at HOST, then flushes.

Usage: python python_sdk.py HOST WRITE_KEY [TAG]
"""
import json
import sys

from segment.analytics import Client

host, write_key = sys.argv[1], sys.argv[2]
tag = sys.argv[3] if len(sys.argv) > 3 else "python"
errors = []
client = Client(write_key, host=host, sync_mode=True, on_error=lambda e, batch: errors.append(str(e)))

user_id = f"{tag}-user-1"
client.identify(user_id, {"email": f"{tag}@example.com", "name": "Grace Hopper", "plan": "team"})
client.track(user_id, "Order Completed", {"order_id": f"{tag}-o-1", "total": 19.99, "currency": "USD"})
client.page(user_id, "Docs", "Getting Started", {"url": "https://app.example/docs", "title": "Getting Started"})
client.screen(user_id, "App", "Settings", {"section": "billing"})
client.group(user_id, f"{tag}-company-1", {"name": "Initech", "industry": "Software", "employees": 420})
client.flush()
if errors:
    print(json.dumps({"errors": errors}), file=sys.stderr)
    sys.exit(1)
print(json.dumps({"ok": True}))
