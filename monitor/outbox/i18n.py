"""The advocate's language: gettext catalogues (Babel), dates and country names in their locale.

Rules:
- every sentence the outbox produces goes through `gettext`/`ngettext` of the advocate's
  catalogue (monitor/locale/<language>/LC_MESSAGES/redwatch.mo, shipped in the package);
- English is the source language: its catalogue is the identity;
- plural forms follow each language's rule (Russian and Ukrainian have three);
- dates are written the way the locale writes them, in the advocate's time zone, with the zone's
  abbreviation; country names come from CLDR in the advocate's language;
- names of people and titles of items are never translated: they stay as the source wrote them.
"""

from __future__ import annotations

import gettext
import re
from datetime import date, datetime, tzinfo
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.support import Translations

from monitor.locale import DOMAIN, LOCALE_DIR, SOURCE_LANGUAGE

Translator = gettext.NullTranslations


def N_(message: str) -> str:
    """Mark a string for the catalogue where it is defined; it is translated where it is shown."""
    return message


@lru_cache(maxsize=16)
def translator(language: str) -> Translator:
    """The catalogue of `language` (English: the identity)."""
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    found = Translations.load(str(LOCALE_DIR), locales=[language], domain=DOMAIN)
    if not isinstance(found, Translations):
        raise LookupError(f"no catalogue for language {language!r} in {LOCALE_DIR}")
    return found


@lru_cache(maxsize=16)
def _locale(language: str) -> Locale:
    return Locale.parse(language)


def when(moment: datetime, tz: tzinfo, language: str) -> str:
    """'2 марта 2026 г., 07:30 (CET)': date and time as the locale writes them, in `tz`."""
    local = moment.astimezone(tz)
    locale = _locale(language)
    pattern = str(locale.datetime_formats["medium"])
    both = pattern.replace("{1}", format_date(local, "long", locale=locale)).replace(
        "{0}", format_time(local, "short", locale=locale)
    )
    return f"{both} ({local.strftime('%Z')})"


def day(moment: datetime, tz: tzinfo, language: str) -> str:
    """'2 марта 2026 г.': the date alone, in `tz`."""
    return format_date(moment.astimezone(tz), "long", locale=_locale(language))


_PARTIAL_DATE = re.compile(r"(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?")


def calendar_day(value: str, language: str) -> str:
    """A date as a record gives it (a birth date: '1963-05-16', '1963/05', '1963'), written the
    way the locale writes it ('16 мая 1963 г.', 'May 1963'); what is not a date stays as it is."""
    found = _PARTIAL_DATE.fullmatch(value.strip())
    if not found:
        return value
    year, month, day_of_month = (int(part) if part else None for part in found.groups())
    locale = _locale(language)
    try:
        if day_of_month is not None and month is not None:
            return format_date(date(year or 1, month, day_of_month), "long", locale=locale)
        if month is not None:
            return format_skeleton("yMMMM", date(year or 1, month, 1), locale=locale)
    except ValueError:  # 1963-13-40: not a calendar date, shown as the record gives it
        return value
    return str(year)


def country(code: str, language: str) -> str:
    """The country's name in `language` (CLDR); the code itself when CLDR does not know it."""
    return str(_locale(language).territories.get(code.upper(), code))
