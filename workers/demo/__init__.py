"""The local demo (`claims-adjudicator demo`): a worker driven from outside, as production does:
a subprocess configured by environment, fed and read through the broker. The integration tests
drive their workers the same way."""
