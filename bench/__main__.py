"""``make bench`` (``python -m bench``): every benchmark, one after the other.

Each prints its figures and the ratio to a baseline measured in the same run; the
latest figures are kept in docs/benchmarks.md. One benchmark alone:
``python -m bench.bench_tsa`` (or bench_evidence, bench_deposit, bench_notification,
bench_outbox, bench_load, bench_scale).
"""

import importlib
import sys

MODULES = ("bench_tsa", "bench_evidence", "bench_deposit", "bench_notification", "bench_outbox",
           "bench_load")


def main() -> None:
    for name in MODULES:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n### {name}", flush=True)
        sys.argv = [name]  # the benchmarks' own options keep their defaults
        module.main()


if __name__ == "__main__":
    main()
