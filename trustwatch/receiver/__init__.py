"""The webhook receiver: platforms push events here, and each is stored before it is answered.

`trustwatch receive` runs it as its own process (uvicorn). Facebook Pages Webhooks and
X's Account Activity API each prove the endpoint with a challenge and sign every
delivery with the app's secret; a delivery is verified, split into events, written to
`inbound_events` in one transaction, and only then acknowledged and announced on Redis
(ids only). The `ingest_events` DAG turns those events into items.
"""
