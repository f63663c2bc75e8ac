"""What the conversation tests share: the tightest dialog of the surfaces, and the campaign form
opened, filled and saved as a surface would."""

from sqlmodel import select

from bot.conversation import views as v
from bot.conversation.commands import parse_command
from bot.conversation.handlers import handle_command
from bot.conversation.runner import run_sync
from bot.conversation.views import DialogRoom
from core.campaigns.models import Campaign
from core.db import UnitOfWork

ROOM = DialogRoom(items=100, text_bytes=12_000)  # the surfaces' tightest dialog


def values_for(form: v.Form, **changes):
    """What a surface sends back for a form: each field's value, with `changes` applied."""
    values = {f.id: f.value for f in form.fields}
    values.update({k.replace("__", "."): val for k, val in changes.items()})
    return values


def open_form(ctx, member_id) -> v.Form:
    reply = run_sync(ctx, member_id, handle_command, parse_command("create"))
    assert isinstance(reply.dialog, v.Form)
    return reply.dialog


def valid_values(form, people, **more):
    return {**values_for(form), "name": "new:Lyon push", "program": "new:Growth", "source": f"segment:{people.segment}",
            "messages.invitation.en": "Hello {{firstName}}, let's connect.", "messages.welcome.en": "Thanks!",
            "slots": "Mon-Fri 09:00-10:00", **more}


def campaigns(ctx):
    with UnitOfWork(ctx.engine)() as s:
        return list(s.exec(select(Campaign)).all())
