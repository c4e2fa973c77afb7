"""CSS selectors as browsers read them, compiled once; a refusal explained in our own words.

soupsieve is strict where browsers forgive: inside `:is()` and `:where()` a browser drops the
arguments it cannot use (an unknown or vendor pseudo-class) and keeps the rest, and
`:has(:scope > a)` is what many write for `:has(> a)`. Those are read as a browser reads them;
anything else is refused with a sentence that says what to change, not soupsieve's own.
"""

from __future__ import annotations

import re

import soupsieve

_FORGIVING = re.compile(r":(?:is|where)\(", re.IGNORECASE)
_SCOPE_IN_HAS = re.compile(r"(:has\(\s*):scope\s*(?=[>+~])", re.IGNORECASE)
_PSEUDO_CLASS = re.compile(r"'(:[\w-]+)' was detected as a pseudo-class")
_POSITION = re.compile(r"position (\d+)")


class InvalidSelector(ValueError):
    """A selector no browser rule makes usable; the message says why and what to write."""


def compile_selector(selector: str) -> soupsieve.SoupSieve:
    """The compiled selector, read as a browser reads it (see the module's docstring).

    - raises InvalidSelector with our own explanation when even a browser's reading fails.
    """
    try:
        return soupsieve.compile(selector)
    except (soupsieve.SelectorSyntaxError, NotImplementedError) as error:
        first = error
    browser = _as_browsers_read(selector)
    if browser != selector:
        try:
            return soupsieve.compile(browser)
        except (soupsieve.SelectorSyntaxError, NotImplementedError):
            pass
    raise InvalidSelector(explain(selector, first)) from None


def _as_browsers_read(selector: str) -> str:
    return _forgiven(_SCOPE_IN_HAS.sub(r"\1", selector))


def _forgiven(selector: str) -> str:
    """`:is()` and `:where()` without the arguments that cannot be used on their own."""
    out, index = [], 0
    for match in _FORGIVING.finditer(selector):
        if match.start() < index:
            continue  # inside an argument already rewritten
        end = _closing(selector, match.end())
        if end is None:
            return selector
        arguments = [a for a in _split(selector[match.end() : end]) if _usable(_forgiven(a))]
        kept = ", ".join(_forgiven(a).strip() for a in arguments) or ":not(*)"
        out.append(selector[index : match.end()] + kept + ")")
        index = end + 1
    return "".join(out) + selector[index:]


def _closing(text: str, start: int) -> int | None:
    depth, quote = 1, ""
    for index in range(start, len(text)):
        char = text[index]
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
    return None


def _split(arguments: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for char in arguments:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [part for part in parts if part.strip()]


def _usable(argument: str) -> bool:
    try:
        soupsieve.compile(argument)
    except (soupsieve.SelectorSyntaxError, NotImplementedError):
        return False
    return True


def explain(selector: str, error: Exception) -> str:
    """Why `selector` cannot be used, in words an admin acts on (with the character's place)."""
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    where = _POSITION.search(reason)
    at = f" (at character {int(where.group(1)) + 1})" if where else ""
    if isinstance(error, NotImplementedError) or "Pseudo-element" in reason:
        why = "a pseudo-element (::before, ::marker...) is no element of the page to select"
    elif pseudo := _PSEUDO_CLASS.search(reason):
        why = (
            f"{pseudo.group(1)} is not a pseudo-class a page read from its server can match; "
            "use structural ones (:first-child, :nth-of-type(), :has(), :is(), :not())"
        )
    elif "Expected a selector" in reason:
        why = (
            "a selector is missing there: an empty :has() or :not(), or a comma with nothing after"
        )
    elif "complex selectors" in reason:
        why = "inside :has() a selector starts from the element itself: write :has(> a), not :has(:scope > a)"
    else:
        why = "it is not CSS a browser would read"
    return f"{selector!r} is not a usable CSS selector{at}: {why}"
