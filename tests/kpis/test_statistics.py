"""The statistics behind KPIs: Kaplan–Meier on hand-checkable cases, intervals that cover
the truth as often as they claim, and no number below the minimum group size."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from kpis import statistics
from kpis.statistics import TooLittleData

SIMULATIONS = 1000
SEED = 20261126


# --- Kaplan–Meier ---------------------------------------------------------------------


def test_without_censoring_the_quartiles_are_the_empirical_quantiles():
    days = [3, 8, 5, 12, 20, 9, 14, 30]
    result = statistics.survival(event_days=days, censored_days=[])
    for share, value in [
        (0.25, result.quartile_low),
        (0.5, result.median),
        (0.75, result.quartile_high),
    ]:
        assert value == np.quantile(days, share, method="inverted_cdf")
    assert (result.n, result.events) == (8, 8)
    assert result.curve[0] == statistics.SurvivalPoint(0.0, 1.0)
    assert result.curve[-1].remaining == 0.0


def test_a_hand_computed_curve_with_one_censored_learner():
    # Six learners: independent after 10, 20, 30 and 40 days; one left after 25 days, one
    # is still on their way after 50. After 30 days: 5/6 · 4/5 · 2/3 = 4/9 remain.
    result = statistics.survival(event_days=[10, 20, 30, 40], censored_days=[25, 50])
    remaining = {point.day: point.remaining for point in result.curve}
    assert remaining[10] == pytest.approx(5 / 6)
    assert remaining[20] == pytest.approx(4 / 6)
    assert remaining[25] == pytest.approx(4 / 6)
    assert remaining[30] == pytest.approx(4 / 9)
    assert remaining[40] == pytest.approx(2 / 9)
    # The share independent passes 1/4 at day 20, 1/2 at day 30 (5/9), 3/4 at day 40 (7/9).
    assert (result.quartile_low, result.median, result.quartile_high) == (20, 30, 40)
    assert (result.n, result.events) == (6, 4)


def test_when_everyone_is_censored_there_is_no_median():
    result = statistics.survival(event_days=[], censored_days=[5, 10, 15, 20, 25])
    assert result.median is None
    assert result.quartile_low is None
    assert result.quartile_high is None
    assert (result.n, result.events) == (5, 0)
    assert all(point.remaining == 1.0 for point in result.curve)


def test_learners_who_left_early_do_not_count_as_slow_and_the_last_one_leaves_a_gap():
    # Three left in the first days; of the three who stayed, two became independent and the
    # last is still on their way after 60 days: 1/3 and 2/3 independent, never 3/4.
    result = statistics.survival(event_days=[40, 50], censored_days=[1, 2, 3, 60])
    assert (result.quartile_low, result.median) == (40, 50)
    assert result.quartile_high is None


@given(
    events=st.lists(st.integers(0, 400), min_size=1, max_size=40),
    censored=st.lists(st.integers(0, 400), max_size=40),
)
def test_quantiles_lie_between_the_first_and_last_event_and_in_order(events, censored):
    result = statistics.survival(event_days=events, censored_days=censored)
    if not result.enough:
        assert len(events) + len(censored) < statistics.min_group_size()
        return
    found = [q for q in (result.quartile_low, result.median, result.quartile_high) if q]
    assert all(min(events) <= q <= max(events) for q in found)
    assert found == sorted(found)
    remaining = [point.remaining for point in result.curve]
    assert remaining == sorted(remaining, reverse=True)
    assert all(0 <= share <= 1 for share in remaining)


def test_days_may_come_as_numpy_arrays():
    result = statistics.survival(event_days=np.array([]), censored_days=np.arange(1.0, 6.0))
    assert (result.n, result.median) == (5, None)


# --- The minimum group size -----------------------------------------------------------


def test_below_the_minimum_every_aggregate_is_too_little_data(settings):
    settings.KPI_MIN_GROUP_SIZE = 5
    four, five = [1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0, 5.0]
    assert statistics.mean_of(four) == TooLittleData(minimum=5)
    assert statistics.survival(event_days=[1, 2], censored_days=[3, 4]) == TooLittleData(5)
    assert statistics.change_from_baseline(four, 0) == TooLittleData(5)
    # The comparison counts too: a small comparison group could point at a person.
    assert statistics.difference_between(five, four) == TooLittleData(5)
    assert statistics.difference_between(four, five) == TooLittleData(5)
    assert statistics.mean_of(five).n == 5
    assert statistics.difference_between(five, five).n_comparison == 5


def test_too_little_data_holds_no_number_about_the_group():
    result = statistics.mean_of([7.0])
    assert not result.enough
    assert vars(result) == {"minimum": 5}


def test_the_minimum_follows_the_setting(settings):
    settings.KPI_MIN_GROUP_SIZE = 2
    assert statistics.mean_of([1.0, 3.0]) == statistics.Mean(value=2.0, n=2)


def test_every_number_comes_with_its_n():
    change = statistics.change_from_baseline([5.0, 6, 7, 8, 9], 4)
    difference = statistics.difference_between([5.0, 6, 7, 8, 9], [4.0, 5, 5, 6, 6, 7])
    assert (change.n, change.estimate) == (5, pytest.approx(3.0))
    assert (difference.n, difference.n_comparison) == (5, 6)
    assert difference.estimate == pytest.approx(7 - 5.5)


def test_values_that_do_not_vary_have_no_interval():
    result = statistics.change_from_baseline([6.0] * 5, 4)
    assert (result.estimate, result.low, result.high) == (2.0, None, None)
    assert not result.is_significant
    result = statistics.difference_between([6.0] * 5, [4.0] * 5)
    assert (result.estimate, result.low, result.high) == (2.0, None, None)


@given(st.lists(st.floats(0, 1), min_size=5, max_size=50))
def test_the_mean_of_shares_is_a_share(shares):
    result = statistics.mean_of(shares)
    assert 0 <= result.value <= 1
    assert result.n == len(shares)


def _scipy_interval(result):
    interval = result.confidence_interval(0.95)
    return float(interval.low), float(interval.high)


# scipy warns about the group whose values are all equal, which it is here on purpose.
@pytest.mark.filterwarnings("ignore:Precision loss occurred")
def test_intervals_of_many_groups_at_once_are_scipys_t_tests_to_the_last_digit(settings):
    """The roll-up computes the intervals of all a program's groups in one go: each must be
    what `scipy.stats.ttest_1samp` and Welch's `ttest_ind` give for that group alone, also
    beside groups too small, groups that do not vary and a group of one."""
    settings.KPI_MIN_GROUP_SIZE = 1
    rng = np.random.default_rng(SEED + 4)
    groups = [list(np.round(rng.normal(50, 8, size=n), 1)) for n in [2, 3, 7, 12, 30, 200]] + [
        [7.0] * 6,
        [3.5],
        [1.0, 2.0],
    ]
    baseline = 48.5
    changes = statistics.changes_from_baseline(groups, baseline)
    comparison = list(np.round(rng.normal(46, 5, size=25), 2))
    differences = statistics.differences_between([(group, comparison) for group in groups])
    for group, change, difference in zip(groups, changes, differences, strict=True):
        assert change.n == len(group)
        assert change.estimate == float(np.mean(group)) - baseline
        assert difference.estimate == float(np.mean(group) - np.mean(comparison))
        if np.ptp(group):
            low, high = _scipy_interval(stats.ttest_1samp(group, baseline))
            assert (change.low, change.high) == (low - baseline, high - baseline)
        else:
            assert (change.low, change.high) == (None, None)
        low, high = _scipy_interval(stats.ttest_ind(group, comparison, equal_var=False))
        if len(group) == 1:
            # A group of one has no variance: scipy's interval is NaN, and so is ours.
            assert np.isnan(low) and np.isnan(difference.low) and np.isnan(difference.high)
        else:
            assert (difference.low, difference.high) == (low, high)
    settings.KPI_MIN_GROUP_SIZE = 5
    results = statistics.changes_from_baseline([[1.0, 2.0], groups[3]], baseline)
    assert results[0] == TooLittleData(minimum=5)
    assert results[1] == statistics.change_from_baseline(groups[3], baseline)


# --- Calibration: the intervals mean what they say -------------------------------------


def _simulate(effect: float, rng: np.random.Generator):
    """A program group (n=12, spread 3) against an earlier group (n=15, spread 5)."""
    comparison = rng.normal(50.0, 5.0, size=15)
    group = rng.normal(50.0 + effect, 3.0, size=12)
    return group, comparison


def test_the_95_percent_interval_covers_the_true_difference_about_95_percent_of_the_time():
    rng = np.random.default_rng(SEED)
    true_effect = 4.0
    covered = 0
    for _ in range(SIMULATIONS):
        group, comparison = _simulate(true_effect, rng)
        result = statistics.difference_between(group, comparison)
        covered += result.low <= true_effect <= result.high
    assert 0.92 <= covered / SIMULATIONS <= 0.98


def test_the_interval_around_the_baseline_covers_the_true_change_about_95_percent_of_the_time():
    rng = np.random.default_rng(SEED + 1)
    baseline, true_change = 12.0, -2.5
    covered = 0
    for _ in range(SIMULATIONS):
        values = rng.lognormal(0, 0.3, size=20) * 3 + baseline + true_change - 3 * np.exp(0.045)
        result = statistics.change_from_baseline(values, baseline)
        covered += result.low <= true_change <= result.high
    assert 0.92 <= covered / SIMULATIONS <= 0.98


def test_no_effect_is_called_significant_at_most_7_percent_of_the_time():
    rng = np.random.default_rng(SEED + 2)
    significant = 0
    for _ in range(SIMULATIONS):
        group, comparison = _simulate(0.0, rng)
        significant += statistics.difference_between(group, comparison).is_significant
    assert significant / SIMULATIONS <= 0.07


def test_a_real_effect_is_found_most_of_the_time():
    """The other side of the coin: the test is not calibrated by never saying anything."""
    rng = np.random.default_rng(SEED + 3)
    found = sum(
        statistics.difference_between(*_simulate(8.0, rng)).is_significant
        for _ in range(SIMULATIONS)
    )
    assert found / SIMULATIONS >= 0.9
