"""UK services write times on the 24-hour clock (13:35), not Django's en-GB "1:35 p.m.".

Django looks here before its own en_GB formats (FORMAT_MODULE_PATH); anything not set here, such
as the date formats and the input formats, comes from Django's.
"""

TIME_FORMAT = "H:i"  # 13:35
DATETIME_FORMAT = "j M Y, H:i"  # 7 Aug 2024, 13:35
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # 07/08/2024 13:35
