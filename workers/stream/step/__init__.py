"""One event in, its outcome out: what each hop of the worker does, with no Kafka in it.

The stream runtime (workers/stream/runtime/) reads a message, hands it here with the member's
state, sends the outputs, writes the new state and commits the offset, all in one transaction.
Nothing here awaits, sends or reads a clock it was not given, so every path (dead letter,
duplicate, out of scope, history import, internal error, every lifecycle trigger and rejection,
an event parked for its member's eligibility) is a unit test with plain values.

- `outcome`: what a hop reads and returns (the message, the tables, the outputs, the outcome,
  where an event came from);
- `intake`: hop 1, what arrives from outside validated and forwarded re-keyed by member, or a
  dead letter;
- `member`: hop 2, a member's event decided with the member's state, or parked until the
  member's eligibility arrives (`release`);
- `pended`: what re-decides a pended claim: a follow-up (records, a review), a prior
  authorization that changed, a documentation deadline passed (`reconcile`);
- `publish`: what a decision becomes: the stamped record and its headers, the member's state,
  FHIR and notices, a small internal-error pend when the record cannot fit its topic.
"""
