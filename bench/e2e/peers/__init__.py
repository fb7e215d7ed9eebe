"""The stream processors under test, each run as its own process (its CPU is then its own):
`raw` (plain aiokafka, the ceiling), `quix` (Quix Streams), `worker` (ours)."""
