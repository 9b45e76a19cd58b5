"""bot.core.fuzzydate.value: the FuzzyDate type, its bounds, storage, ordering and rendering."""

from collections.abc import Callable
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.fuzzydate import (
    FuzzyDate,
    Precision,
    parse_fuzzy_date,
)

# -- constructors and exact bounds ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fd", "earliest", "latest"),
    [
        (FuzzyDate.exact(date(2023, 9, 11)), date(2023, 9, 11), date(2023, 9, 11)),
        (FuzzyDate.month(2024, 2), date(2024, 2, 1), date(2024, 2, 29)),
        (FuzzyDate.month(2100, 2), date(2100, 2, 1), date(2100, 2, 28)),
        (FuzzyDate.month(2023, 12), date(2023, 12, 1), date(2023, 12, 31)),
        (FuzzyDate.part_of_month(2023, 4, "late"), date(2023, 4, 21), date(2023, 4, 30)),
        (FuzzyDate.part_of_month(2023, 2, "late"), date(2023, 2, 21), date(2023, 2, 28)),
        (FuzzyDate.part_of_month(2023, 2, "early"), date(2023, 2, 1), date(2023, 2, 10)),
        (FuzzyDate.season(2023, "winter"), date(2023, 12, 1), date(2024, 2, 29)),
        (FuzzyDate.season(2022, "winter"), date(2022, 12, 1), date(2023, 2, 28)),
        (FuzzyDate.season(2023, "spring"), date(2023, 3, 1), date(2023, 5, 31)),
        (FuzzyDate.quarter(2023, 2), date(2023, 4, 1), date(2023, 6, 30)),
        (FuzzyDate.quarter(2023, 4), date(2023, 10, 1), date(2023, 12, 31)),
        (FuzzyDate.part_of_year(2023, "mid"), date(2023, 5, 1), date(2023, 8, 31)),
        (FuzzyDate.part_of_year(2023, "late"), date(2023, 9, 1), date(2023, 12, 31)),
        (FuzzyDate.year(2024), date(2024, 1, 1), date(2024, 12, 31)),
    ],
)
def test_constructor_bounds(fd: FuzzyDate, earliest: date, latest: date) -> None:
    assert (fd.earliest, fd.latest) == (earliest, latest)


@pytest.mark.parametrize(
    "build",
    [
        lambda: FuzzyDate.month(2023, 13),
        lambda: FuzzyDate.month(2023, 0),
        lambda: FuzzyDate.part_of_month(2023, 9, "middle"),
        lambda: FuzzyDate.part_of_month(2023, 13, "early"),
        lambda: FuzzyDate.season(2023, "monsoon"),
        lambda: FuzzyDate.season(2023, "fall"),  # "fall" is parser vocabulary, not a canonical season
        lambda: FuzzyDate.quarter(2023, 5),
        lambda: FuzzyDate.quarter(2023, 0),
        lambda: FuzzyDate.part_of_year(2023, "mid-"),
        lambda: FuzzyDate(Precision.MONTH, date(2023, 9, 1), date(2023, 9, 29)),
    ],
)
def test_constructor_rejects_bad_arguments(build: Callable[[], object]) -> None:
    with pytest.raises(ValueError):
        build()


# -- round trip ----------------------------------------------------------------------------------------

ROUND_TRIP_SAMPLES = [
    FuzzyDate.exact(date(2023, 9, 11)),
    FuzzyDate.exact(date(1900, 1, 1)),
    FuzzyDate.exact(date(2024, 2, 29)),
    FuzzyDate.part_of_month(2023, 9, "early"),
    FuzzyDate.part_of_month(2023, 9, "mid"),
    FuzzyDate.part_of_month(2024, 2, "late"),
    FuzzyDate.month(2023, 9),
    FuzzyDate.month(2023, 5),
    FuzzyDate.season(2023, "autumn"),
    FuzzyDate.season(2023, "winter"),
    FuzzyDate.season(2099, "winter"),
    FuzzyDate.quarter(2023, 3),
    FuzzyDate.part_of_year(2024, "early"),
    FuzzyDate.part_of_year(2024, "mid"),
    FuzzyDate.part_of_year(2024, "late"),
    FuzzyDate.year(2023),
]


def test_round_trip_samples_cover_every_precision() -> None:
    assert {fd.precision for fd in ROUND_TRIP_SAMPLES} == set(Precision)


@pytest.mark.parametrize("fd", ROUND_TRIP_SAMPLES, ids=str)
def test_render_parses_back(fd: FuzzyDate) -> None:
    # A far-away reference proves the rendered text carries its own year.
    assert parse_fuzzy_date(fd.render(), reference=date(1950, 6, 1)) == fd


_years = st.integers(min_value=1900, max_value=2200)
_parts = st.sampled_from(["early", "mid", "late"])
fuzzy_dates = st.one_of(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)).map(FuzzyDate.exact),
    st.builds(FuzzyDate.part_of_month, _years, st.integers(1, 12), _parts),
    st.builds(FuzzyDate.month, _years, st.integers(1, 12)),
    st.builds(FuzzyDate.season, _years, st.sampled_from(["spring", "summer", "autumn", "winter"])),
    st.builds(FuzzyDate.quarter, _years, st.integers(1, 4)),
    st.builds(FuzzyDate.part_of_year, _years, _parts),
    st.builds(FuzzyDate.year, _years),
)


@given(fuzzy_dates, st.dates())
def test_render_parses_back_for_any_fuzzy_date(fd: FuzzyDate, reference: date) -> None:
    assert parse_fuzzy_date(fd.render(), reference=reference) == fd


@given(fuzzy_dates)
def test_storage_round_trip(fd: FuzzyDate) -> None:
    assert FuzzyDate.from_storage(fd.precision.value, fd.earliest, fd.latest) == fd
    assert fd.earliest <= fd.latest


# -- from_storage validation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("precision", "earliest", "latest"),
    [
        ("day", date(2023, 9, 11), date(2023, 9, 12)),
        ("day", date(2023, 9, 12), date(2023, 9, 11)),
        ("month", date(2023, 9, 2), date(2023, 9, 30)),
        ("month", date(2023, 9, 1), date(2023, 10, 31)),
        ("month", date(2024, 2, 1), date(2024, 2, 28)),  # leap February ends on the 29th
        ("part_of_month", date(2023, 9, 11), date(2023, 9, 19)),
        ("part_of_month", date(2023, 9, 5), date(2023, 9, 10)),
        ("part_of_month", date(2023, 9, 21), date(2023, 9, 29)),
        ("season", date(2023, 10, 1), date(2023, 12, 31)),
        ("season", date(2023, 12, 1), date(2024, 2, 28)),  # winter 2023/24 ends 29 Feb
        ("quarter", date(2023, 2, 1), date(2023, 4, 30)),
        ("quarter", date(2023, 7, 1), date(2023, 9, 29)),
        ("part_of_year", date(2023, 4, 1), date(2023, 7, 31)),
        ("year", date(2023, 1, 1), date(2023, 12, 30)),
        ("year", date(2023, 2, 1), date(2024, 1, 31)),
        ("decade", date(2020, 1, 1), date(2029, 12, 31)),
        ("DAY", date(2023, 9, 11), date(2023, 9, 11)),
        ("day", datetime(2023, 9, 11), datetime(2023, 9, 11)),  # noqa: DTZ001
        ("day", "2023-09-11", "2023-09-11"),
        ("day", None, None),
    ],
)
def test_from_storage_rejects_inconsistent_rows(precision: str, earliest: date, latest: date) -> None:
    with pytest.raises(ValueError):
        FuzzyDate.from_storage(precision, earliest, latest)


def test_from_storage_accepts_consistent_rows_and_returns_enum() -> None:
    fd = FuzzyDate.from_storage("season", date(2023, 12, 1), date(2024, 2, 29))
    assert fd == FuzzyDate.season(2023, "winter")
    assert fd.precision is Precision.SEASON


def test_direct_construction_is_validated() -> None:
    with pytest.raises(ValueError):
        FuzzyDate(Precision.QUARTER, date(2023, 7, 1), date(2023, 9, 29))
    with pytest.raises(TypeError):
        FuzzyDate(Precision.DAY, datetime(2023, 9, 11), datetime(2023, 9, 11))  # noqa: DTZ001


# -- ordering, equality, overlaps -------------------------------------------------------------------------


def test_sorting_mixed_precisions() -> None:
    year = FuzzyDate.year(2023)
    q1 = FuzzyDate.quarter(2023, 1)
    jan = FuzzyDate.month(2023, 1)
    new_year = FuzzyDate.exact(date(2023, 1, 1))
    early_jan = FuzzyDate.part_of_month(2023, 1, "early")
    early_year = FuzzyDate.part_of_year(2023, "early")
    winter = FuzzyDate.season(2022, "winter")
    autumn = FuzzyDate.season(2023, "autumn")
    late_year = FuzzyDate.part_of_year(2023, "late")
    sep = FuzzyDate.month(2023, 9)
    mid_sep = FuzzyDate.part_of_month(2023, 9, "mid")
    sep_11 = FuzzyDate.exact(date(2023, 9, 11))
    shuffled = [
        sep_11,
        year,
        late_year,
        mid_sep,
        q1,
        autumn,
        new_year,
        winter,
        sep,
        early_year,
        jan,
        early_jan,
    ]
    expected = [
        winter,  # starts Dec 2022
        new_year,  # then everything starting 1 Jan 2023, narrowest (earliest end) first
        early_jan,
        jan,
        q1,
        early_year,
        year,
        sep,  # 1 Sep 2023 starts: Sep (30 Sep) < autumn (30 Nov) < late 2023 (31 Dec)
        autumn,
        late_year,
        sep_11,
        mid_sep,  # 11-20 Sep ends after the single day 11 Sep
    ]
    assert sorted(shuffled) == expected
    assert sorted(shuffled, key=lambda fd: fd.sort_key) == expected
    assert sorted(reversed(expected)) == expected


def test_comparison_operators() -> None:
    sep = FuzzyDate.month(2023, 9)
    autumn = FuzzyDate.season(2023, "autumn")
    assert sep < autumn
    assert sep <= autumn
    assert autumn > sep
    assert autumn >= sep
    assert sep <= FuzzyDate.month(2023, 9)
    assert not sep < FuzzyDate.month(2023, 9)
    assert sep.sort_key == (date(2023, 9, 1), date(2023, 9, 30))
    with pytest.raises(TypeError):
        _ = sep < date(2023, 9, 1)  # type: ignore[operator]


def test_equality_and_hashing() -> None:
    assert FuzzyDate.month(2023, 9) == FuzzyDate(Precision.MONTH, date(2023, 9, 1), date(2023, 9, 30))
    assert FuzzyDate.month(2023, 9) != FuzzyDate.month(2023, 10)
    assert len({FuzzyDate.year(2023), FuzzyDate.year(2023), FuzzyDate.quarter(2023, 1)}) == 2


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        (None, None, True),
        (date(2023, 9, 1), None, True),
        (date(2023, 11, 30), None, True),  # touching the last day counts
        (date(2023, 12, 1), None, False),
        (None, date(2023, 9, 1), True),  # touching the first day counts
        (None, date(2023, 8, 31), False),
        (date(2023, 10, 1), date(2023, 10, 1), True),  # range inside the span
        (date(2023, 1, 1), date(2023, 12, 31), True),  # span inside the range
        (date(2023, 6, 1), date(2023, 8, 31), False),  # entirely before
        (date(2023, 12, 1), date(2024, 1, 1), False),  # entirely after
        (date(2023, 11, 1), date(2023, 10, 1), False),  # empty range overlaps nothing
    ],
)
def test_overlaps(since: date | None, until: date | None, expected: bool) -> None:
    autumn = FuzzyDate.season(2023, "autumn")  # 2023-09-01 .. 2023-11-30
    assert autumn.overlaps(since, until) is expected


def test_overlaps_for_single_day() -> None:
    day = FuzzyDate.exact(date(2023, 9, 11))
    assert day.overlaps(date(2023, 9, 11), date(2023, 9, 11))
    assert not day.overlaps(date(2023, 9, 12), None)
    assert not day.overlaps(None, date(2023, 9, 10))
