"""Short names the fuzzy-date tables use: the reference "today" and the precisions."""

from datetime import date

from bot.core.fuzzydate import Precision

REF = date(2023, 9, 20)

D = Precision.DAY
PM = Precision.PART_OF_MONTH
M = Precision.MONTH
S = Precision.SEASON
Q = Precision.QUARTER
PY = Precision.PART_OF_YEAR
Y = Precision.YEAR
