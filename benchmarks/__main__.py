"""``python -m benchmarks`` (``make bench``): run each ``benchmarks/bench_*.py`` ``main()``.

Each benchmark configures its own environment (a temporary database, local servers) and prints
its figures. Speed targets live here, not in timed tests.
"""

import importlib
import pkgutil
import sys
from pathlib import Path


def main():
    folder = Path(__file__).resolve().parent
    names = sorted(
        info.name for info in pkgutil.iter_modules([str(folder)]) if info.name.startswith("bench_")
    )
    only = set(sys.argv[1:])
    failed = False
    for name in names:
        if only and name not in only:
            continue
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        failed |= module.main() is False
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
