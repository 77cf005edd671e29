"""Dutch dates as the pages write them: months in lower case ("3 feb 2027", "3 mrt").

The rest (DATE_FORMAT "3 februari 2027", input formats) comes from Django's Dutch formats.
"""

SHORT_DATE_FORMAT = "j b Y"  # 3 feb 2027
MONTH_DAY_FORMAT = "j b"  # 3 feb
SHORT_DATETIME_FORMAT = "j b, H:i"  # 3 feb, 14:05
