"""Honest aggregates of KPI values: pure functions on plain numbers, no database.

The estimators are scipy's (maintained and tested there), not written here: Kaplan–Meier
through `scipy.stats.ecdf` on `CensoredData`, intervals through Welch's and Student's t.
Every aggregate carries its n; below the minimum group size (setting `KPI_MIN_GROUP_SIZE`)
an aggregate is `TooLittleData` and holds no number at all, so nothing in it can point at a
person.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from django.conf import settings
from scipy import stats

CONFIDENCE = 0.95
# Cumulative shares are sums of floats: 0.5 may come out as 0.49999999999999994.
TOLERANCE = 1e-9


def min_group_size() -> int:
    """The fewest people an aggregate may be computed over: the installation's setting, by
    default settings.MIN_GROUP_SIZE_DEFAULT (5), which a program's evaluation minimum shares."""
    return settings.KPI_MIN_GROUP_SIZE


@dataclass(frozen=True)
class TooLittleData:
    """An aggregate over fewer people than the minimum: shown as "te weinig gegevens"."""

    minimum: int
    enough = False


def _too_little(n: int) -> TooLittleData | None:
    minimum = min_group_size()
    return TooLittleData(minimum=minimum) if n < minimum else None


@dataclass(frozen=True)
class Mean:
    """The average of one value per person, over n people."""

    value: float
    n: int
    enough = True


def mean_of(values: Sequence[float]) -> Mean | TooLittleData:
    """The mean of one value per person, or too little data."""
    return _too_little(len(values)) or Mean(value=float(np.mean(values)), n=len(values))


@dataclass(frozen=True)
class SurvivalPoint:
    day: float
    # The share of the group not (yet) independent after `day` days.
    remaining: float


@dataclass(frozen=True)
class Survival:
    """A Kaplan–Meier estimate of time to an event, over n people of whom `events` had it.

    The quantiles are days by which that share of the group had the event; None where the
    curve does not come down that far (too many are still on their way or left).
    """

    n: int
    events: int
    curve: tuple[SurvivalPoint, ...]
    median: float | None
    quartile_low: float | None
    quartile_high: float | None
    enough = True


def _quantile(cdf, share: float) -> float | None:
    """The first time at which the estimated share with the event reaches `share`."""
    reached = np.nonzero(cdf.probabilities >= share - TOLERANCE)[0]
    return float(cdf.quantiles[reached[0]]) if reached.size else None


def survival(
    *, event_days: Sequence[float], censored_days: Sequence[float]
) -> Survival | TooLittleData:
    """Kaplan–Meier from the days to the event (independent) and the days each censored
    person was followed (still on their way, or ended for another reason)."""
    n = len(event_days) + len(censored_days)
    if too_little := _too_little(n):
        return too_little
    if not len(event_days):
        # Nobody had the event: the curve stays at 1 and no quantile is reached.
        last = float(max(censored_days))
        curve = (SurvivalPoint(0.0, 1.0), SurvivalPoint(last, 1.0))
        return Survival(n, 0, curve, None, None, None)
    result = stats.ecdf(stats.CensoredData(uncensored=list(event_days), right=list(censored_days)))
    curve = (SurvivalPoint(0.0, 1.0),) + tuple(
        SurvivalPoint(float(day), float(remaining))
        for day, remaining in zip(result.sf.quantiles, result.sf.probabilities, strict=True)
    )
    return Survival(
        n=n,
        events=len(event_days),
        curve=curve,
        median=_quantile(result.cdf, 0.5),
        quartile_low=_quantile(result.cdf, 0.25),
        quartile_high=_quantile(result.cdf, 0.75),
    )


@dataclass(frozen=True)
class Effect:
    """An estimated change with its 95% interval, over n values (and n of the comparison).

    `low`/`high` are None when the values do not vary: there is no spread to build an
    interval from.
    """

    estimate: float
    low: float | None
    high: float | None
    n: int
    n_comparison: int | None = None
    enough = True

    @property
    def is_significant(self) -> bool:
        """Whether the 95% interval leaves out zero: the change is more than chance."""
        if self.low is None or self.high is None:
            return False
        return self.low > 0 or self.high < 0


def _sample(values) -> tuple[np.ndarray, float, float]:
    """The values as floats, their mean and their variance (n - 1), computed as scipy's
    t-tests compute them, so that the intervals below are theirs to the last digit."""
    values = np.asarray(values, dtype=float)
    mean = np.mean(values)
    with np.errstate(divide="ignore", invalid="ignore"):
        n = np.float64(len(values))
        variance = np.mean((values - mean) ** 2) * (n / (n - 1))
    return values, mean, variance


def _t_quantiles(degrees_of_freedom: list[float]) -> np.ndarray:
    """Student's t quantiles of a two-sided 95% interval for each number of degrees of
    freedom, in one call of scipy's t distribution (rows: low, high)."""
    tail = (1 - np.float64(CONFIDENCE)) / 2
    df = np.asarray(degrees_of_freedom, dtype=float)
    return stats.t.ppf(np.array([[tail], [1 - tail]]), df).reshape(2, len(df))


def changes_from_baseline(
    groups: Sequence[Sequence[float]], baseline: float
) -> list[Effect | TooLittleData]:
    """For each group, how far its mean lies from the baseline, with the interval of
    Student's one-sample t-test (`scipy.stats.ttest_1samp`): the t quantiles of all groups
    come from one call, which a nightly roll-up of thousands of groups needs."""
    baseline = float(baseline)
    results, spread = [], []
    for values in groups:
        if too_little := _too_little(len(values)):
            results.append(too_little)
            continue
        values, mean, variance = _sample(values)
        estimate = float(mean) - baseline
        results.append(Effect(estimate=estimate, low=None, high=None, n=len(values)))
        if np.ptp(values):
            with np.errstate(divide="ignore", invalid="ignore"):
                error = np.sqrt(variance / len(values))
            spread.append((len(results) - 1, len(values) - 1, mean, error))
    if spread:
        quantiles = _t_quantiles([df for _, df, _, _ in spread])
        for column, (index, _, mean, error) in enumerate(spread):
            low, high = quantiles[:, column] * error + mean
            results[index] = replace(
                results[index], low=float(low) - baseline, high=float(high) - baseline
            )
    return results


def change_from_baseline(values: Sequence[float], baseline: float) -> Effect | TooLittleData:
    """How far the group's mean lies from the baseline, with Student's t interval."""
    return changes_from_baseline([values], baseline)[0]


def differences_between(
    pairs: Sequence[tuple[Sequence[float], Sequence[float]]],
) -> list[Effect | TooLittleData]:
    """For each (group, comparison): the group's mean minus the comparison group's, with
    the interval of Welch's t-test (`scipy.stats.ttest_ind` without equal variances: no
    assumption that both groups vary as much). Both groups must be large enough. The t
    quantiles of all pairs come from one call."""
    results, spread = [], []
    for values, comparison in pairs:
        if too_little := _too_little(min(len(values), len(comparison))):
            results.append(too_little)
            continue
        values, mean, variance = _sample(values)
        comparison, mean_comparison, variance_comparison = _sample(comparison)
        estimate = mean - mean_comparison
        results.append(
            Effect(
                estimate=float(estimate),
                low=None,
                high=None,
                n=len(values),
                n_comparison=len(comparison),
            )
        )
        if np.ptp(values) or np.ptp(comparison):
            with np.errstate(divide="ignore", invalid="ignore"):
                share = variance / len(values)
                share_comparison = variance_comparison / len(comparison)
                df = (share + share_comparison) ** 2 / (
                    share**2 / (len(values) - 1) + share_comparison**2 / (len(comparison) - 1)
                )
            # Undefined only where neither varies (as in scipy): any df will do.
            df = 1.0 if np.isnan(df) else df
            spread.append((len(results) - 1, df, estimate, np.sqrt(share + share_comparison)))
    if spread:
        quantiles = _t_quantiles([df for _, df, _, _ in spread])
        for column, (index, _, estimate, error) in enumerate(spread):
            low, high = quantiles[:, column] * error + estimate
            results[index] = replace(results[index], low=float(low), high=float(high))
    return results


def difference_between(
    values: Sequence[float], comparison: Sequence[float]
) -> Effect | TooLittleData:
    """The group's mean minus the comparison group's, with Welch's interval."""
    return differences_between([(values, comparison)])[0]
