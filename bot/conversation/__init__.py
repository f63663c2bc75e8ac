"""The one bot core (DESIGN §2): who is asking, what they asked, what to show. No Slack or Teams here.

How a surface (bot/slack, bot/teams) uses it — every handler is sync, run off the event loop in one
unit of work by `runner.run(services, member_id, handler, *args)` (core refusals become notices):

1. Who: `actor.identify(services, ChatUser(platform, tenant, user_id), lookup)` → member id. `lookup`
   is an async callable returning `actor.Profile(name, email, workspace_name)` for new users only,
   or raising `actor.ProfileUnavailable` when the platform cannot give it (nothing is created; the
   surface tells the user `ProfileUnavailable.notice`).
2. What they asked, with the surface's `views.DialogRoom` (how much its dialogs hold):
   - text → `commands.parse_command(text)` → `handlers.handle_command(services, session, actor,
     command, room)`;
   - a button or a dispatched form change → `interactions.handle_action(services, session, actor,
     Asked(action_id, value, room, form_state, form_values))`: one handler per action id
     (`interactions.ACTIONS`: campaign_actions, form_actions, digest_actions);
   - a dialog submitted → `interactions.handle_submission(…, Submitted(kind, state, values, room))`;
   - type-ahead → `options.suggest(services, member_id, lookup, query, values)`;
   - home → `handlers.home(services, session, actor)` → `views.Home`.
   A handler asks the core one command (`runner.ask` → `core.commands.handle`), which authorises,
   validates and applies it, and renders the outcome.
3. What to show: a `views.Reply` (a dialog step — show, push, pop, close —, field errors, a message
   to replace in place, new messages, a private notice, messages for the direct conversation) of
   the neutral views in `views`. `digest.digest_pages(DigestView)` and `digest.alert_card(Alert)`
   serve the notifiers. Form field ids are the core's error ids (`name`, `messages.invitation.fr`,
   `followups.2.delay`, …); a surface keeps `Form.state` with the dialog (its `rev` bumps input ids
   so that a re-rendered form shows the new values).
"""
