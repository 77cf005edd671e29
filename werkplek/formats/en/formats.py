"""English dates as the pages write them: day first, months capitalised ("3 Feb 2027").

Templates use the names (`|date:"SHORT_DATE_FORMAT"`), never a format by hand: Django's "b"
is always lower case, which is right in Dutch and wrong in English.
"""

DATE_FORMAT = "j F Y"  # 3 February 2027
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j M Y"  # 3 Feb 2027
MONTH_DAY_FORMAT = "j M"  # 3 Feb
SHORT_DATETIME_FORMAT = "j M, H:i"  # 3 Feb, 14:05: recent moments, the year goes without saying
