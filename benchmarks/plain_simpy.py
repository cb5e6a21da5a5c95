"""The M/M/c queue written the way most SimPy models are: a process per customer and a
``simpy.Resource`` for the booths. borderflow's benchmark measures itself against this."""

from __future__ import annotations

import random

import simpy


def plain_mmc(
    customers: int, arrival_rate: float, service_mean: float, servers: int, seed: int = 1
) -> list[float]:
    """Simulate ``customers`` arrivals; return their waits in queue (same time unit as rates)."""
    rng = random.Random(seed)
    env = simpy.Environment()
    booths = simpy.Resource(env, capacity=servers)
    waits: list[float] = []

    def customer(env: simpy.Environment):
        arrived = env.now
        with booths.request() as request:
            yield request
            waits.append(env.now - arrived)
            yield env.timeout(rng.expovariate(1.0 / service_mean))

    def source(env: simpy.Environment):
        for _ in range(customers):
            yield env.timeout(rng.expovariate(arrival_rate))
            env.process(customer(env))

    env.process(source(env))
    env.run()
    return waits


if __name__ == "__main__":  # the whole-process comparison: python plain_simpy.py CUSTOMERS
    import sys

    waits = plain_mmc(int(sys.argv[1]) if len(sys.argv) > 1 else 400_000, 9.0, 1.0, 10)
    print(f"{len(waits)} customers, mean wait {sum(waits) / len(waits):.4f} min")
