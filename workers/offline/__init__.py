"""Offline adjudication: JSON-lines requests in, decision records out (no broker)."""
