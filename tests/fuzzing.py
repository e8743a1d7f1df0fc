"""Hypothesis settings for the fuzzing tests (docs/security.md, "7. Fuzzing").

The suite runs the "fuzz-ci" profile: few examples, derandomized so that a CI
run is reproducible and bounded. A longer campaign on a workstation:
``PORTAL_FUZZ_PROFILE=campaign pytest tests/kpis/test_*_fuzz.py``; it draws fresh random
inputs on each run and keeps failing examples in .hypothesis/ to replay them."""

import os
from contextlib import contextmanager

from django.db import transaction
from hypothesis import HealthCheck, Phase, settings

_COMMON = {
    "deadline": None,  # a shared 2-core machine: time is not what is under test
    # Each test sets its data up once through a function-scoped fixture and
    # isolates every example in a savepoint of its own.
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                              HealthCheck.data_too_large],
}
# No shrinking in CI: it can take minutes; the printed blob replays the failure
# locally (@reproduce_failure), where the campaign profile shrinks it.
settings.register_profile("fuzz-ci", derandomize=True, database=None, print_blob=True,
                          phases=[Phase.explicit, Phase.generate], **_COMMON)
settings.register_profile("fuzz-campaign", print_blob=True, **_COMMON)

PROFILE = "fuzz-" + os.environ.get("PORTAL_FUZZ_PROFILE", "ci")
if PROFILE not in ("fuzz-ci", "fuzz-campaign"):
    raise RuntimeError("PORTAL_FUZZ_PROFILE must be ci or campaign, not %r" % PROFILE[5:])
# Examples per test in a campaign, against the CI budget given to each test.
_EXAMPLES = os.environ.get("PORTAL_FUZZ_EXAMPLES", "2000")
if not (_EXAMPLES.isascii() and _EXAMPLES.isdigit() and int(_EXAMPLES) > 0):
    raise RuntimeError("PORTAL_FUZZ_EXAMPLES must be a whole number above 0, not %r" % _EXAMPLES)
CAMPAIGN_EXAMPLES = int(_EXAMPLES)


def fuzz_settings(ci_examples: int) -> settings:
    """Settings for one fuzzing test: ``ci_examples`` in CI, many more in a campaign."""
    examples = ci_examples if PROFILE == "fuzz-ci" else CAMPAIGN_EXAMPLES
    return settings(settings.get_profile(PROFILE), max_examples=examples)


@contextmanager
def rolled_back():
    """Each example starts from the same database."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)
