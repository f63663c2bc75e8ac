"""The one bot core (DESIGN §2): who is asking, what they asked, what to show. No Slack or Teams here.

How a surface (bot/slack, bot/teams) uses it — every handler is sync, run off the loop by
`runner.run(services, member_id, handler, *args)` (one transaction; core refusals become notices):

1. Who: `actor.identify(services, ChatUser(platform, tenant, user_id), lookup)` → member id. `lookup`
   is an async callable returning `actor.Profile(name, email, workspace_name)` for new users only,
   or raising `actor.ProfileUnavailable` when the platform cannot give it (nothing is created; the
   surface tells the user `ProfileUnavailable.notice`).
2. What they asked:
   - text → `commands.parse_command(text)` → `handlers.handle_command(services, session, actor, command)`;
   - button / select → `interactions.handle_action(services, session, actor, action_id, value,
     form_state=None, form_values=None)` (form_* when the action happened inside a dialog:
     `form.followup.add`, `form.followup.remove` (value = index), `form.changed` (value = field id,
     for fields with `dispatch=True`)); `digest.language` value = `<button value>:<lang>`;
   - dialog submitted → `interactions.handle_submission(services, session, actor, form.kind, form.state,
     values)` with values = {field id: str | list[str] | bool | None};
   - type-ahead → `options.options_for(services, session, actor, lookup, query, values)` →
     list[Option] or list[OptionGroup];
   - home → `handlers.home(services, session, actor)` → `views.Home`.
3. What to show: a `views.Reply` (dialog to open/update, field errors, close, message to replace
   in place, new messages, a private notice, messages for the direct conversation) made of the
   neutral views in `views` (Notice, Card, CampaignList, Form, FormErrors, DigestPage,
   PreviewView, Home). `digest.digest_pages(DigestView)` and `digest.alert_card(Alert)` serve
   notifiers. Form field ids are the core's error ids (`name`, `messages.invitation.fr`,
   `followups.2.delay`, `messages.followup.2.fr`, `slots`, …); keep `Form.state` with the dialog
   (it holds `rev`: bump input ids with it so a re-rendered form shows the new values).
"""
