"""End-to-end benchmark: our stream worker against the peers a payer could run instead.

One command (`python -m bench.e2e`) runs the same generated claims through a raw aiokafka
two-hop pipeline (the Python ceiling for this topology), a Quix Streams application and
`claims-adjudicator worker`, each in exactly-once and at-least-once, on one broker, one after
the other, and reports backlog throughput, CPU per claim (peer and broker) and latency at
steady offered loads; with `--follow-ups`, also a backlog where earlier pends are followed up by
records received (the claim lifecycle). Every peer runs the worker's own step per record
(`engine.py` over workers/stream/step/), so the differences are the stream machinery,
nothing else.
"""
