"""``python -m benchmarks`` (``make bench``): run each ``benchmarks/bench_*.py`` in turn.

Each benchmark configures its own environment (its own database, local servers) before Django
starts, so each runs in a process of its own, and prints its figures. Name benchmarks on the
command line to run only those (``python -m benchmarks bench_newsletter``). Speed targets live
here, not in timed tests.
"""

import pkgutil
import subprocess
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
        failed |= subprocess.run([sys.executable, "-m", f"benchmarks.{name}"]).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
