"""The worker picks a record's partition as every Kafka client does: murmur2 of the key."""

from __future__ import annotations

import random

from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as aiokafka_murmur2

from workers.stream.runtime.partitioner import murmur2, partition_for

# Kafka's own test vectors (clients' UtilsTest.testMurmur2), as the Java client's signed ints.
JAVA = {
    b"21": -973932308,
    b"foobar": -790332482,
    b"a-little-bit-long-string": -985981536,
    b"a-little-bit-longer-string": -1486304829,
    b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
    b"abc": 479470107,
}


def test_murmur2_is_the_java_clients() -> None:
    def signed(value: int) -> int:
        return value - (1 << 32) if value >= 1 << 31 else value

    assert {data: signed(murmur2(data)) for data in JAVA} == JAVA


def test_every_key_lands_where_aiokafkas_partitioner_puts_it() -> None:
    rng = random.Random(20)
    default = DefaultPartitioner()
    for _ in range(20_000):
        key = rng.randbytes(rng.randint(0, 70))  # every tail length, empty keys included
        partitions = list(range(rng.randint(1, 12)))
        assert murmur2(key) == aiokafka_murmur2(key)
        assert partition_for(key, partitions) == default(key, partitions, partitions)


def test_a_record_without_a_key_goes_to_one_of_the_partitions() -> None:
    assert {partition_for(None, [3, 5]) for _ in range(50)} <= {3, 5}
