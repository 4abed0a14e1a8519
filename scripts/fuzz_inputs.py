"""Fuzz sensedb's public entry points for longer than the test suite does and count what each
gave: answers, typed errors (sensedb.Error) and anything else (a bug; the first few printed).

    python scripts/fuzz_inputs.py --index DIR [--seconds 60] [--seed 0]

The strategies are the test suite's (tests/fuzz_support.py). ``--index``: an index to query
(opened without WordNet additions, so it is never written); without it the queries and the
CLI are skipped and only the readers are fuzzed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=None, help="index directory to query")
    parser.add_argument("--seconds", type=float, default=60.0, help="time per entry point")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from click.testing import CliRunner
    from fuzz_support import (
        Files,
        cli_args,
        file_bytes,
        outcome,
        query_calls,
        reader_calls,
        target,
        text,
    )
    from hypothesis import HealthCheck, Phase, given, seed, settings
    from hypothesis import strategies as st
    from hypothesis.errors import Flaky

    import sensedb
    from sensedb.cli import cli

    files = Files()
    counts: dict[str, Counter] = {}
    bugs: list[str] = []

    def record(entry: str, result: str) -> None:
        kind = result.split(":")[0]
        counts.setdefault(entry, Counter())[kind] += 1
        if kind == "other" and len(bugs) < 20:
            bugs.append(f"{entry}: {result}")

    def run(entry: str, strategy, call) -> None:
        deadline = time.monotonic() + args.seconds

        @seed(args.seed)
        @settings(max_examples=10**9, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(strategy)
        def fuzz(drawn):
            if time.monotonic() > deadline:
                raise TimeoutError
            record(entry, call(drawn))

        try:
            fuzz()
        except (TimeoutError, Flaky):  # the time is up (hypothesis may call a replay of the
            pass                       # last example that hit the deadline flaky)

    for name, make in reader_calls(files).items():
        run(name, st.tuples(file_bytes, file_bytes), lambda d, make=make: outcome(make(*d)))
    if args.index:
        index = sensedb.open(args.index, wordnet_evidence=False)
        for name, make in query_calls(index).items():
            run(name, st.tuples(text, target, text, target,
                                st.one_of(st.none(), st.integers(-2, 50))),
                lambda d, make=make: outcome(make(*d)))
        real = sensedb.open
        sensedb.open = lambda path=None, **o: real(path, **{**o, "encoder": index.encoder,
                                                            "wordnet": index.inventory,
                                                            "wordnet_evidence": False})
        runner = CliRunner()

        def cli_call(argv):
            result = runner.invoke(cli, [*argv, "--index", args.index])
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                return f"other: {type(result.exception).__name__}: {result.exception}"
            if result.exit_code not in (0, 1, 2):
                return f"other: exit {result.exit_code}"
            return "answer" if result.exit_code == 0 else "typed"

        run("cli", cli_args(lambda data: files(data, ".tsv")), cli_call)
    print(f"{'entry point':<18} {'tried':>7} {'answers':>8} {'typed':>7} {'other':>6}")
    for entry, c in counts.items():
        print(f"{entry:<18} {sum(c.values()):>7} {c['answer']:>8} {c['typed']:>7} "
              f"{c['other']:>6}")
    for bug in bugs:
        print(bug)
    sys.exit(1 if bugs else 0)


if __name__ == "__main__":
    main()
