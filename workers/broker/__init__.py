"""Reaching the broker: one connection value for every client, and the start-up access check."""
