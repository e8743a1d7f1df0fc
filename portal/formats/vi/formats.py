# Vietnamese official style (Decree 30/2020): 9.391 and 92,7; Django's own vi
# locale leaves NUMBER_GROUPING at 0, which would print 9391.
from django.conf.locale.vi.formats import *  # noqa: F401,F403

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "H:i d/m/Y"
SHORT_DATETIME_FORMAT = "H:i d/m/Y"
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
