"""The advocates' web app: sign in from an email, review possible matches, see each person's story.

- `signing`: every signed value (session cookie, CSRF tokens, sign-in and verdict links);
- `auth`: sessions, sign-in links, one-click verdict links, rate limits (the database writes);
- `queries`: what the pages read from the store; `views`: rows made into template context;
- `routes`: the endpoints; `app`: the Starlette application and its security headers;
- `server`: uvicorn, for `monitor web` and for `monitor run` with MONITOR_WEB_PORT.
"""

from __future__ import annotations
