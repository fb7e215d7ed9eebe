"""Replay of historical claims and policy what-if runs (`claims-adjudicator replay`).

The flow: a *source* (a JSON-lines file, or a decisions-topic range or a file of events joined
with the input events and the claims' chains (`join`, `chains`) and spooled to such a file)
gives lines; `work.replay_chunk` decides and compares them in worker
processes (`parallel`), in input order; a *sink* (file or topic) takes the new records and the
`report` collects what a reader must see: claims that did not reproduce, what-if transitions,
claims that could not be replayed and lines that were not readable.

`generate` builds seeded synthetic corpora in the same file format (`workers/corpus/`).
"""
