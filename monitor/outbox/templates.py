"""An email is a name plus a context: monitor/templates/email/<name>/{subject.txt,body.txt,body.html}.

Rules:
- HTML is autoescaped: a scraped `<script>` or `<img onerror=...>` shows as text, never as markup;
- a missing variable is an error (StrictUndefined), not a silently empty field;
- the subject is one line: CR, LF and other control characters from scraped titles are removed,
  so nothing can inject a header;
- the message is multipart/alternative (text first, HTML second), with headers given by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from email.message import EmailMessage
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from monitor.outbox.i18n import translator
from monitor.text.lines import one_line

PARTS = ("subject.txt", "body.txt", "body.html")


def default_templates_dir() -> Path:
    """The templates shipped inside the package (monitor/templates); MONITOR_TEMPLATES_DIR overrides it."""
    return Path(__file__).resolve().parents[1] / "templates"


@lru_cache(maxsize=16)
def environment(templates_dir: Path, language: str = "en") -> jinja2.Environment:
    """The templates of `templates_dir`, speaking `language` (Jinja2's i18n extension)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir / "email"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=False,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translator(language), newstyle=True)  # type: ignore[attr-defined]
    return env


def render(
    name: str, context: Mapping[str, Any], templates_dir: Path, language: str = "en"
) -> tuple[str, str, str]:
    """(subject, text body, HTML body) of the email `name`, in `language`."""
    env = environment(templates_dir, language)
    subject, text, html = (env.get_template(f"{name}/{part}").render(context) for part in PARTS)
    return one_line(subject), text, html


def make_message(
    name: str,
    context: Mapping[str, Any],
    *,
    templates_dir: Path,
    sender: str,
    recipient: str,
    headers: Mapping[str, str],
    language: str = "en",
) -> EmailMessage:
    """A ready-to-send message; `headers` adds Message-ID, Date, threading and the like."""
    subject, text, html = render(name, context, templates_dir, language)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Auto-Submitted"] = "auto-generated"
    for key, value in headers.items():
        message[key] = one_line(value, limit=2000)
    message.set_content(text, subtype="plain", charset="utf-8")
    # base64 for HTML: long inline-styled lines, and much cheaper to encode than quoted-printable.
    message.add_alternative(html, subtype="html", charset="utf-8", cte="base64")
    message["Content-Language"] = language  # after the body: set_content drops Content-* headers
    return message


def check_templates(templates_dir: Path) -> list[str]:
    """Every template that does not compile, as 'path:line: message' (for `monitor check`)."""
    env = environment(templates_dir)
    problems = []
    for path in sorted((templates_dir / "email").rglob("*")):
        if path.is_file() and path.suffix in (".txt", ".html"):
            relative = path.relative_to(templates_dir / "email").as_posix()
            try:
                env.parse(path.read_text(encoding="utf-8"), name=relative)
            except jinja2.TemplateSyntaxError as exc:
                problems.append(f"{path}:{exc.lineno}: {exc.message}")
            except UnicodeDecodeError:
                problems.append(f"{path}:1: not valid UTF-8")
    for name in ("alert", "digest", "login"):
        for part in PARTS:
            if not (templates_dir / "email" / name / part).is_file():
                problems.append(f"{templates_dir / 'email' / name / part}: missing template")
    return problems
