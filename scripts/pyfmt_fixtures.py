#!/usr/bin/env python3
"""Reference `repr(x)` and `format(x, "g")` texts from Python, for src/emit/pyfmt.rs's tests.

mdl-fetch writes floats the way the seed notebook's Python did. Python's `repr` prints
the shortest digits that read back as the same float and, where two shortest texts are
equally near (an exact tie, common for float32 metrics widened to float64), the even one.
This script draws floats of the kinds a sweep holds (float32 metrics, description lengths,
tolerances, random bit patterns, powers of ten, exact ties) and writes one line per float:

    <16 hex digits of the float64's bits> <repr(x)> <format(x, "g")>

    python3 scripts/pyfmt_fixtures.py > fixtures/pyfmt/floats.txt

The output is committed, so the Rust test needs no Python. Deterministic (seeded).
"""

import math
import random
import struct


def bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def floats(rng):
    yield from [0.0, -0.0, 1.0, -1.0, 0.1, 1e-4, 9.999e-5, 1e-5, 1e15, 9.99e15, 1e16,
                1.5e16, 123456789012345680.0, 1e22, 1e-300, 2.2250738585072014e-308,
                5e-324, 1.7976931348623157e308, -1.7976931348623157e308,
                2.220446049250313e-16, 0.0001650755002629012, 2957.234619140625,
                843.21173095703125, 1023.0, 100.0, 999999.5, 123456.5, 0.5, 2.5,
                math.nan, math.inf, -math.inf]
    for _ in range(1500):  # float32 L0 and error values, as W&B logs them
        yield f32(rng.uniform(0.0, 2000.0))
        yield f32(rng.lognormvariate(-8.0, 2.0))
    for _ in range(500):  # description lengths and tolerances
        yield rng.uniform(0.0, 1e5)
        yield rng.random() * 10.0 ** rng.randint(-12, 20)
    for _ in range(500):  # any bit pattern that is a finite float
        x = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
        if math.isfinite(x):
            yield x
    for e in range(-20, 21):
        yield 10.0 ** e
        yield -(10.0 ** e) * 1.5


def main():
    rng = random.Random(2026)
    for x in floats(rng):
        print(f"{bits(x):016x} {x!r} {format(x, 'g')}")


if __name__ == "__main__":
    main()
