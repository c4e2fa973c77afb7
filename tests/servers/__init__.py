"""Real servers on 127.0.0.1 for tests: never the internet, never a mock of our own code.

- `http_server.HttpTestServer`: scriptable HTTP(S) routes, conditional GET, slow, truncated and
  huge bodies, and a request log (feeds, pages, anything fetched through monitor.http);
- `interpol_sim.InterpolSim`: the INTERPOL public-notices API over the 2023 snapshot, with the
  160 cap, its filters and injectable faults;
- `smtp_server.SmtpTestServer`: a real SMTP server (aiosmtpd) for the outbox.
"""
