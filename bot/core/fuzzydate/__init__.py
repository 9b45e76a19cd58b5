"""Fuzzy dates for news chronologies: the value (bounds and precision) and the parser of typed dates."""

from bot.core.fuzzydate.parse import FuzzyDateError, parse_fuzzy_date
from bot.core.fuzzydate.value import ACCEPTED_FORMS, MAX_INPUT_LENGTH, MAX_YEAR, MIN_YEAR, FuzzyDate, Precision

__all__ = [
    "ACCEPTED_FORMS",
    "MAX_INPUT_LENGTH",
    "MAX_YEAR",
    "MIN_YEAR",
    "FuzzyDate",
    "FuzzyDateError",
    "Precision",
    "parse_fuzzy_date",
]
