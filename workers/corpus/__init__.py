"""Seeded synthetic corpora (`claims-adjudicator generate`) for replay and the benchmarks: the
public cases decided once as templates, written out many times with fresh ids."""
