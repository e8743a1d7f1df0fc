from decimal import Decimal

import pytest
from django.utils import translation

from kpis.templatetags.kpis_format import number


@pytest.mark.parametrize(("language", "value", "decimals", "expected"), [
    ("vi", Decimal("9391"), 0, "9.391"),
    ("vi", Decimal("92.7"), 1, "92,7"),
    ("vi", Decimal("41.39650873"), 1, "41,4"),
    ("vi", Decimal("2.25"), 1, "2,3"),
    ("vi", Decimal("733017"), 0, "733.017"),
    ("en", Decimal("9391"), 0, "9,391"),
    ("en", Decimal("92.7"), 1, "92.7"),
    ("vi", None, 0, ""),
])
def test_numbers_in_the_language_of_the_page(language, value, decimals, expected):
    with translation.override(language):
        assert number(value, decimals) == expected
