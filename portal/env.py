"""Read settings from the environment, refusing values that do not parse.

A typo such as ``DEBUG=flase`` must stop the process at start-up instead of
silently meaning something else (django-environ treats unknown words as False).
"""

import os
import re

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip()


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean; use one of {sorted(_TRUE | _FALSE)}."
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = env_str(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_str(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


_META_HEADER = re.compile(r"HTTP_[A-Z0-9_]+")


def env_header_value(name: str) -> tuple[str, str] | None:
    """A request header and the value that marks it, as Django's
    SECURE_PROXY_SSL_HEADER wants it: ``HTTP_X_FORWARDED_PROTO,https``."""
    value = env_str(name)
    if value is None:
        return None
    parts = [part.strip() for part in value.split(",")]
    if len(parts) != 2 or not _META_HEADER.fullmatch(parts[0]) or not parts[1] or " " in parts[1]:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a header and its value; write the header the way Django "
            "names it, e.g. HTTP_X_FORWARDED_PROTO,https."
        )
    return parts[0], parts[1]


_RATE_PERIODS = {"second", "minute", "hour", "day"}


def env_rate(name: str, default: str) -> str:
    """A request rate for Django REST framework: ``N/second|minute|hour|day``."""
    value = env_str(name, default)
    count, _, period = value.partition("/")
    if not count.isdigit() or int(count) < 1 or period not in _RATE_PERIODS:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a rate; write it like 60/minute "
            f"(periods: {', '.join(sorted(_RATE_PERIODS))})."
        )
    return value


def env_mail_address(name: str, default: str) -> str:
    """A sender address, bare or with a display name: ``Cổng chỉ tiêu <no-reply@tinh.gov.vn>``."""
    from email.utils import parseaddr

    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    value = env_str(name, default)
    _display, address = parseaddr(value)
    try:
        validate_email(address)
    except ValidationError:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a mail address; write it like no-reply@example.gov.vn "
            "or \"Name <no-reply@example.gov.vn>\"."
        ) from None
    return value


def env_base_url(name: str, default: str | None) -> str | None:
    """The site's public address, ``https://host[:port][/prefix]``, without a trailing slash."""
    from urllib.parse import urlsplit

    value = env_str(name, default)
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not the site's address; write it like https://chitieu.example.gov.vn."
        )
    return value.rstrip("/")


def env_days(name: str, default: list[int]) -> list[int]:
    """Whole numbers of days, comma separated (``7,1``); ``off`` for none."""
    value = env_str(name)
    if value is None:
        return default
    if value.lower() == "off":
        return []
    days = []
    for item in value.split(","):
        item = item.strip()
        if not item.isdigit():
            raise ImproperlyConfigured(f"{name}={value!r}: {item!r} is not a whole number of days (e.g. 7,1).")
        days.append(int(item))
    return sorted(set(days), reverse=True)
