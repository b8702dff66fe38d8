"""Issue 12.6: a property-based activity fuzzer over real HTTP against a running drp-bot, on
SQLite and PostgreSQL, open and in production mode (real RS256 tokens from a loopback key
server, and forged ones).

Each case is a Teams-shaped activity built from the bot's real commands, verbs and card inputs,
often structurally mutated. Every case must get a status below 500, leave no error or traceback
in any log record, and — when refused (4xx) — leave every table exactly as it was. Cases are
derandomised so CI is repeatable; ``DRP_TEST_FUZZ_EXAMPLES`` (default 500 per engine and mode)
and ``DRP_TEST_FUZZ_SEED`` explore further. Counts are written to test-output/fuzz/.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from tests.teams_bot.activity_strategies import base_activity, mutated
from tests.teams_bot.fuzz_target import FuzzTarget, fuzz_target
from tests.teams_bot.test_logs_carry_no_child_data import everything_logged

EXAMPLES = int(os.environ.get("DRP_TEST_FUZZ_EXAMPLES", "500"))
SEED = int(os.environ.get("DRP_TEST_FUZZ_SEED", "0"))
OUTPUT = Path("test-output/fuzz")
REFUSED = 400


def token_headers(target: FuzzTarget, data: st.DataObject) -> tuple[str, dict[str, str]]:
    """Open mode sends no token; production mode a valid one half the time, else a forged one."""
    if target.issuer is None:
        return "none", {}
    forged = target.forged
    kind = data.draw(st.sampled_from(["valid"] * len(forged) + sorted(forged)), label="token")
    return kind, (target.valid if kind == "valid" else forged[kind])


def fuzz(target: FuzzTarget, capture: logging.Handler, counts: Counter[str]) -> None:
    state = [target.fingerprint()]
    activities = base_activity(target.service_url, target.tenant_id)
    records: list[logging.LogRecord] = capture.records  # type: ignore[attr-defined]

    @seed(SEED)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=SEED == 0,
        database=None,
        suppress_health_check=list(HealthCheck),
        # No shrinking: the bot's state moves on between cases, so a failure is reported as
        # it was found (label and body in the assertion).
        phases=[Phase.explicit, Phase.generate],
    )
    @given(data=st.data())
    def one_case(data: st.DataObject) -> None:
        activity = data.draw(activities)
        case = mutated(activity, data)
        token, headers = token_headers(target, data)
        mark = len(records)
        status = target.post(case.body, headers)
        counts[str(status)] += 1
        assert status < 500, (status, case.label, case.body[:300])
        if token not in {"none", "valid"}:
            counts[f"forged token: {status}"] += 1
            assert status in {400, 401, 413}, (token, status)
        logged = [r for r in records[mark:] if r.exc_info or r.levelno >= logging.ERROR]
        assert not logged, [(r.name, r.getMessage()) for r in logged]
        if status >= REFUSED:
            assert target.fingerprint() == state[0], (status, case.label, "changed state")
        else:
            target.deliver()
            state[0] = target.fingerprint()

    one_case()


@pytest.mark.timeout(900)
@pytest.mark.parametrize("mode", ["open", "production"])
def test_no_activity_gets_a_5xx_a_traceback_or_a_change_when_refused(
    walk_database_url: str, mode: str
) -> None:
    counts: Counter[str] = Counter()
    with (
        everything_logged() as capture,
        fuzz_target(walk_database_url, production=mode == "production") as target,
    ):
        fuzz(target, capture, counts)
    engine = walk_database_url.split(":", 1)[0].split("+", maxsplit=1)[0]
    OUTPUT.mkdir(parents=True, exist_ok=True)
    cases = sum(n for key, n in counts.items() if key.isdigit())
    summary = {"engine": engine, "mode": mode, "cases": cases, **counts}
    (OUTPUT / f"{engine}-{mode}.json").write_text(json.dumps(summary, indent=1))
    assert cases >= EXAMPLES
    assert counts["200"] + counts["201"] > 0, counts  # the fuzzer reached the handlers
