"""Logging of the long-running processes: `LOG_FORMAT=text` (one line a record) or `json` (one
JSON object a line: time, level, logger, message, and the web request's `request_id` or the
worker message's `message_id` when the line was written for one; `core.log_ids`)."""

from __future__ import annotations

import logging

from pythonjsonlogger.json import JsonFormatter

from core.config import Settings
from core.log_ids import MESSAGE_ID, REQUEST_ID

TEXT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class LogIds(logging.Filter):
    """Puts the current request or message id on the record (kept when the caller gave one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            rid = REQUEST_ID.get()
            if rid is not None:
                record.request_id = rid
        if getattr(record, "message_id", None) is None:
            mid = MESSAGE_ID.get()
            if mid is not None:
                record.message_id = mid
        return True


def formatter(settings: Settings) -> logging.Formatter:
    if settings.log_format == "json":
        return JsonFormatter("{asctime}{levelname}{name}{message}", style="{",
                             rename_fields={"asctime": "time", "levelname": "level", "name": "logger"})
    return logging.Formatter(TEXT)


def configure(settings: Settings) -> None:
    """The root handler on stderr, in the chosen format, every record with its id."""
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(settings))
    handler.addFilter(LogIds())
    logging.basicConfig(level=settings.log_level.upper(), handlers=[handler])
