"""The id every log line of a unit of work carries: the web request's id, or the worker message's.

Set by the web app's middleware (`bot.logs`) and by the worker's (`worker.broker.LogIds`) for the
time of that unit of work; read by the JSON log formatter (`entrypoints.logs`). Context variables:
a request's tasks (the work after its ack) inherit its id, and each worker thread has its own."""

from __future__ import annotations

from contextvars import ContextVar

REQUEST_ID: ContextVar[str | None] = ContextVar("invitebot_request_id", default=None)
MESSAGE_ID: ContextVar[str | None] = ContextVar("invitebot_message_id", default=None)
