"""Neutral views → Block Kit messages, built with `slack_sdk.models` (which checks Slack's limits).

Only presentation lives here: every word and button comes from `bot.conversation`.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock, Block, ButtonElement, ConfirmObject, ContextBlock, DividerBlock, HeaderBlock, MarkdownTextObject,
    Option, OptionGroup, PlainTextObject, SectionBlock, StaticSelectElement,
)

from bot.conversation import views as v
from bot.conversation.commands import COMMAND_WORD, render_invocations
from core.i18n import invocation, language_name, t, tn

MESSAGE_BLOCKS = 50
OPTIONS = 100  # Slack's most options in a select (and option groups in a type-ahead answer)
TONE_ICONS = {"success": ":white_check_mark:", "warning": ":warning:", "error": ":x:", "info": ""}


def clip(text: str | None, limit: int) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def esc(text: str | None) -> str:
    """Escape user text for mrkdwn (Slack's three control characters)."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def commands_in_code(text: str) -> str:
    """The commands a text names (`core.i18n.invocation`) as Slack users type them, in code."""
    return render_invocations(text, lambda words: f"`/{COMMAND_WORD} {words}`")


def commands_typed(text: str) -> str:
    """The same in a plain text (no markup): `/invite-campaign voir X`."""
    return render_invocations(text, lambda words: f"/{COMMAND_WORD} {words}")


def plain(text: str | None, limit: int) -> PlainTextObject:
    return PlainTextObject(text=clip(commands_typed(text or ""), limit) or " ", emoji=True)


def mrkdwn(text: str, limit: int = 3000) -> MarkdownTextObject:
    return MarkdownTextObject(text=clip(commands_in_code(text), limit) or " ")


def option(o: v.Option) -> Option:
    """A choice of a select or a type-ahead, within Slack's limits (label and description 75
    characters, value 150)."""
    return Option(value=clip(o.value, 150), text=clip(o.label, 75),
                  description=clip(o.description, 75) if o.description else None)


def option_group(g: v.OptionGroup) -> OptionGroup:
    return OptionGroup(label=clip(g.label, 75), options=[option(o) for o in g.options[:OPTIONS]])


def button(b: v.Button) -> ButtonElement:
    confirm = None
    if b.confirm:
        confirm = ConfirmObject(title=clip(b.label, 100), text=clip(b.confirm, 300), confirm=t("button.yes"),
                                deny=t("button.cancel"))
    return ButtonElement(
        text=clip(b.label, 75), action_id=b.action, value=clip(b.value, 2000) or None, url=b.url,
        style=b.style if b.style in ("primary", "danger") else None, confirm=confirm,
    )


def actions(buttons, block_id: str | None = None) -> list[Block]:
    if not buttons:
        return []
    return [ActionsBlock(block_id=block_id, elements=[button(b) for b in buttons][:25])]


def _title(text: str, tone: str = "info") -> str:
    icon = TONE_ICONS.get(tone, "")
    return f"{icon} {text}".strip()


def notice_blocks(n: v.Notice) -> list[Block]:
    blocks: list[Block] = []
    if n.title:
        blocks.append(HeaderBlock(text=clip(n.title, 150)))
    blocks.append(SectionBlock(text=mrkdwn(_title(esc(n.text), n.tone))))
    return blocks + actions(n.buttons)


def card_blocks(c: v.Card, *, index: int | None = None) -> list[Block]:
    head = f"*{esc(c.title)}*"
    if c.status:
        head += f"  ·  {_title(esc(c.status), c.tone)}"
    if c.subtitle:
        head += f"\n{esc(c.subtitle)}"
    blocks: list[Block] = [SectionBlock(text=mrkdwn(head))]
    if c.text:
        blocks.append(SectionBlock(text=mrkdwn(esc(c.text))))
    if c.facts:
        blocks.append(SectionBlock(fields=[mrkdwn(f"*{esc(f.label)}*\n{esc(f.value)}", 2000) for f in c.facts[:10]]))
    return blocks + actions(c.buttons, block_id=None)


def list_blocks(lst: v.CampaignList) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=clip(lst.title, 150))]
    if not lst.cards:
        blocks.append(SectionBlock(text=mrkdwn(esc(lst.empty_text))))
    budget = MESSAGE_BLOCKS - 3
    shown = 0
    for card in lst.cards:
        chunk = [DividerBlock()] + card_blocks(card)
        if len(blocks) + len(chunk) > budget:
            break
        blocks += chunk
        shown += 1
    more = lst.more + len(lst.cards) - shown
    if more:
        name = t("command.show.args")
        more_text = tn("list.more_not_shown", more, command=invocation("show", name))
        blocks.append(ContextBlock(elements=[mrkdwn(more_text)]))
    return blocks + actions(lst.buttons)


def preview_blocks(p: v.PreviewView) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=clip(p.title, 150))]
    if p.note:
        blocks.append(SectionBlock(text=mrkdwn(esc(p.note))))
    problems = [f"• {esc(x)}" for x in p.overflowing + p.missing_tokens]
    if problems:
        heading = t("preview.would_not_go_out")
        heading = f":warning: *{esc(heading)}*\n"
        blocks.append(SectionBlock(text=mrkdwn(heading + "\n".join(problems))))
    for s in p.samples:
        if len(blocks) >= MESSAGE_BLOCKS - 1:
            blocks.append(ContextBlock(elements=[mrkdwn(esc(t("preview.more_messages")))]))
            break
        length = t("digest.characters", length=s.length, limit=s.limit) if s.limit else \
            t("preview.characters", length=s.length)
        head = f"*{esc(s.contact_name)}* · {esc(s.step)} ({esc(s.language)}) · {esc(length)}"
        if s.problems:
            head += "\n:warning: " + esc("; ".join(s.problems))
        blocks.append(SectionBlock(text=mrkdwn(head + "\n>" + esc(s.text).replace("\n", "\n>"))))
    return blocks


def digest_blocks(d: v.DigestPage) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=clip(d.title, 150)), SectionBlock(text=mrkdwn(esc(d.summary)))]
    if d.sandbox:
        blocks.append(ContextBlock(elements=[mrkdwn(esc(t("digest.sandbox")))]))
    for e in d.entries:
        head = f"*{esc(e.contact_name)}*"
        if e.headline:
            head += f" · {esc(e.headline)}"
        length = t("digest.characters", length=e.length, limit=e.limit)
        head += f"\n{esc(e.status_label)} · {esc(language_name(e.language))} · {esc(length)}"
        blocks.append(DividerBlock())
        blocks.append(SectionBlock(block_id=f"entry.{e.send_id}", text=mrkdwn(head + "\n>" + esc(e.text).replace("\n", " "))))
        if e.warnings:
            blocks.append(ContextBlock(elements=[mrkdwn(":warning: " + esc("; ".join(e.warnings)))]))
        elements = [button(b) for b in e.buttons]
        if e.language_action and e.language_options:
            current = next((o for o in e.language_options if o.value.endswith(f":{e.language}")), None)
            elements.append(StaticSelectElement(
                action_id=e.language_action, placeholder=plain(t("digest.language"), 150),
                options=[option(o) for o in e.language_options[:OPTIONS]],
                initial_option=option(current) if current else None,
            ))
        if elements:
            blocks.append(ActionsBlock(block_id=f"decide.{e.send_id}", elements=elements))
    blocks += actions(d.buttons, block_id=f"page.{d.page}")
    return blocks


def home_blocks(h: v.Home) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=clip(h.title, 150)), SectionBlock(text=mrkdwn(esc(h.intro)))]
    blocks += actions(h.buttons)
    blocks += list_blocks(v.CampaignList(h.campaigns.title, h.campaigns.cards, h.campaigns.empty_text, (),
                                         h.campaigns.more))
    return blocks[:100]


def message_blocks(view) -> list[Block]:
    """Blocks of one message showing `view` (never more than Slack's 50)."""
    if isinstance(view, v.Notice):
        blocks = notice_blocks(view)
    elif isinstance(view, v.Card):
        blocks = card_blocks(view)
    elif isinstance(view, v.CampaignList):
        blocks = list_blocks(view)
    elif isinstance(view, v.PreviewView):
        blocks = preview_blocks(view)
    elif isinstance(view, v.DigestPage):
        blocks = digest_blocks(view)
    else:
        raise TypeError(f"no message rendering for {type(view).__name__}")
    return blocks[:MESSAGE_BLOCKS]


def message_text(view) -> str:
    """The notification / fallback text of a message."""
    for attr in ("title", "text"):
        value = getattr(view, attr, None)
        if value:
            return clip(commands_typed(value), 300)
    return t("help.title")


def message(view) -> dict:
    """`text` + `blocks` as the Web API expects them (every block validated by slack_sdk)."""
    return {"text": message_text(view), "blocks": [b.to_dict() for b in message_blocks(view)]}
