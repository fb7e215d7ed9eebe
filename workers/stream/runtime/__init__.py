"""The Kafka side of the worker: the loop, a task per partition, the changelog, names, versions."""
