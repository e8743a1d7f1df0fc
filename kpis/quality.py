"""When a figure looks implausible: the one home of the data-quality rules
(docs/data-quality.md). Pure functions over numbers; what figures they are
given is ``kpis.quality_selectors``.

A change is measured as the ratio of a figure to the same period a year
earlier, on a log scale so that doubling and halving are equally far from
"no change". It is implausible when it is far outside both the unit's own
past changes and this year's changes of its peers (the units with the same
parent), by the modified z-score (Iglewicz and Hoaglin): |M| > 3.5. An
indicator may instead set its own ratio (``Indicator.max_change_ratio``);
with too little history and too few peers for a z-score, a default ratio
applies."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from statistics import median

from kpis.models import Aggregation, Indicator, ValueType
from kpis.periods import Frequency, TimeAggregation

# Iglewicz and Hoaglin's cut-off for the modified z-score.
MAX_MODIFIED_Z = 3.5
# A z-score needs a sample: fewer changes than this in a reference say nothing.
MIN_SAMPLE = 5
# How many years back the unit's own history is read (so at most 7 changes).
HISTORY_YEARS = 8
# Without a usable reference: more than three times, or less than a third of, last year's figure.
DEFAULT_MAX_CHANGE_RATIO = Decimal(3)
# A floor for the spread (median absolute deviation of log ratios, about 5 %):
# units whose changes are all alike would otherwise flag a change of 1 %.
MIN_SPREAD = 0.05
_Z_FACTOR = 0.6745


@dataclass(frozen=True)
class JumpFinding:
    """Why a change is implausible: its ratio, and the largest |M| it had
    against its references (None when a ratio threshold decided)."""

    ratio: Decimal
    score: float | None
    threshold: Decimal | None


def change_ratio(current: Decimal | None, previous: Decimal | None) -> Decimal | None:
    """current / previous, or None when either is missing or not positive
    (a change from or to zero has no ratio)."""
    if current is None or previous is None or current <= 0 or previous <= 0:
        return None
    return current / previous


def modified_z_score(x: float, sample: Sequence[float]) -> float | None:
    """How far ``x`` lies from the sample's median, in robust standard
    deviations (0.6745 · (x − median) / MAD, the MAD floored at MIN_SPREAD);
    None when the sample is smaller than MIN_SAMPLE."""
    if len(sample) < MIN_SAMPLE:
        return None
    centre = median(sample)
    spread = max(median(abs(value - centre) for value in sample), MIN_SPREAD)
    return _Z_FACTOR * (x - centre) / spread


def _outside(ratio: Decimal, threshold: Decimal) -> bool:
    return ratio > threshold or ratio < 1 / threshold


def jump_check(*, ratio: Decimal | None, own_ratios: Sequence[Decimal], peer_ratios: Sequence[Decimal],
               max_change_ratio: Decimal | None = None) -> JumpFinding | None:
    """Whether a change ``ratio`` is implausible. ``own_ratios``: the unit's
    past year-on-year ratios of the same period; ``peer_ratios``: this year's
    ratios of the units with the same parent. A per-indicator
    ``max_change_ratio`` wins; else the change must be an outlier against
    every reference with a sample (so a province-wide jump is normal); with
    no reference, DEFAULT_MAX_CHANGE_RATIO decides."""
    if ratio is None:
        return None
    if max_change_ratio:
        return JumpFinding(ratio, None, max_change_ratio) if _outside(ratio, max_change_ratio) else None
    x = math.log(ratio)
    scores = [score for sample in (own_ratios, peer_ratios)
              if (score := modified_z_score(x, [math.log(r) for r in sample if r > 0])) is not None]
    if not scores:
        if _outside(ratio, DEFAULT_MAX_CHANGE_RATIO):
            return JumpFinding(ratio, None, DEFAULT_MAX_CHANGE_RATIO)
        return None
    if all(abs(score) > MAX_MODIFIED_Z for score in scores):
        return JumpFinding(ratio, max(scores, key=abs), None)
    return None


def is_flow(indicator: Indicator) -> bool:
    """A figure counted over its period (new subscribers, dossiers received),
    so that the same number two years running is more likely copied than
    true. A sub-annual indicator says so itself (``time_aggregation`` sum);
    a yearly one cannot, and a count that adds up across units is taken as
    one (docs/data-quality.md)."""
    if indicator.value_type == ValueType.YES_NO or indicator.formula:
        return False
    if indicator.frequency != Frequency.YEAR:
        return indicator.time_aggregation == TimeAggregation.SUM
    return indicator.aggregation == Aggregation.SUM and indicator.value_type == ValueType.INTEGER


def flat_check(*, indicator: Indicator, current: Decimal | None, previous: Decimal | None) -> bool:
    """A flow's figure exactly equal to the same period a year earlier (zero
    twice running is plausible and not flagged)."""
    return (is_flow(indicator) and current is not None and previous is not None
            and current == previous and current != 0)
