"""Outbox delivery: render a queued row, send it over SMTP, retry, and the worker loop."""
