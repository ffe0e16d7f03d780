"""The Teams bot: one TeamsActivityHandler that turns activities into the shared commands.

- Messages: the text after the bot's @mention is what follows `/escalate` on Slack (a leading
  `escalate` is accepted too), so the words are the same on both platforms. `escalations
  here` is the one Teams-only word: it stores where war rooms open (and, for channel mode,
  the team's Microsoft Graph id). In channel mode a message anywhere in a war-room channel,
  in any of its threads, acts on that escalation.
- `application/search` invokes answer the intake form's account typeahead (typeahead.py).
- Invokes (dialogs, message extension, card actions) are answered here with plain JSON bodies
  built by hand, never botbuilder models: botbuilder 4.17.1 serialises an invoke body in the
  handler *and* again in CloudAdapter.process, which turns any returned model into a 500.
  Our endpoint (bot/teams/endpoint.py) writes the body once. Everything an invoke does is
  database work; platform calls happen later in the reconciler, so answers stay far under
  Teams' 5 s limit.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
from http import HTTPStatus

from botbuilder.core import CardFactory, InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler, TeamsInfo

from bot.teams import forms, typeahead
from bot.teams.directory import Directory, person_id
from bot.teams.render import render, user_ids
from commands import buttons, checklist, intake, router
from commands.desk import Desk
from commands.invocation import Invocation
from commands.results import Accepted, FormErrors, Message, OpenForm, Reply, Result

log = logging.getLogger(__name__)

CARD = "application/vnd.microsoft.card.adaptive"
# Forms about one escalation: the id travels in the submit data's metadata.
_TAGS = re.compile(r"<[^>]+>")


def plain_text(markup: str | None) -> str:
    """A Teams message body (HTML) → the text a person typed."""
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", markup or "")
    return html.unescape(_TAGS.sub("", text)).replace("\xa0", " ").strip()


def _continue(card: dict, title: str) -> dict:
    return {
        "task": {
            "type": "continue",
            "value": {
                "title": title[:60],
                "height": "large",
                "width": "medium",
                "card": {"contentType": CARD, "content": card},
            },
        }
    }


def _message(text: str) -> dict:
    return {"task": {"type": "message", "value": text[:500]}}


def _ok(body: dict | None) -> InvokeResponse:
    return InvokeResponse(status=int(HTTPStatus.OK), body=body)


class EscalationBot(TeamsActivityHandler):
    def __init__(self, desk: Desk, directory: Directory, war_rooms: str = "thread") -> None:
        self.desk = desk
        self.directory = directory
        self.war_rooms = war_rooms  # TEAMS_WAR_ROOMS: `thread` or `channel`
        self._personal_seen: dict[str, tuple] = {}

    # ---- every turn: remember who people are and how to reach them ---------------------
    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        sender = activity.from_property
        if sender is not None and activity.type in ("message", "invoke", "installationUpdate"):
            self.directory.remember_name(person_id(sender), sender.name)
            if (activity.conversation and activity.conversation.conversation_type) == "personal":
                self._remember_personal(activity)
        await super().on_turn(turn_context)

    def _remember_personal(self, activity) -> None:
        """The 1:1 reference is what reminders and DMs use later; saved when it changes."""
        user = person_id(activity.from_property)
        reference = TurnContext.get_conversation_reference(activity).serialize()
        reference.pop("activityId", None)
        zone = getattr(activity, "local_timezone", None)
        key = (json.dumps(reference, sort_keys=True), zone)
        if self._personal_seen.get(user) == key:
            return
        self.directory.save_personal(user, reference, zone)
        self._personal_seen[user] = key

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        if turn_context.activity.conversation.conversation_type == "personal":
            self._remember_personal(turn_context.activity)

    async def on_teams_members_added(self, members, team_info, turn_context) -> None:
        activity = turn_context.activity
        if activity.conversation.conversation_type == "personal":
            for member in members:
                if member.id == activity.recipient.id:  # the bot itself was installed
                    self._remember_personal(activity)

    # ---- messages -----------------------------------------------------------------------
    def invocation(self, activity) -> Invocation:
        user = person_id(activity.from_property)
        channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
        tenant = (channel_data.get("tenant") or {}).get("id") or activity.conversation.tenant_id
        return Invocation(
            platform="teams",
            user_id=user,
            channel_id=self._war_room_of(activity, channel_data),
            workspace=tenant,
            origin=json.dumps({"user": user}),
        )

    def _war_room_of(self, activity, channel_data: dict) -> str:
        """The conversation commands act on: a post anywhere in a war-room channel (channel
        mode) is about that room, whose conversation is the card's thread."""
        conversation = activity.conversation.id
        channel = (channel_data.get("channel") or {}).get("id")
        if self.war_rooms == "channel" and channel:
            record = self.directory.room(channel)
            if record and record.get("conversation"):
                return record["conversation"]
        return conversation

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        inv = self.invocation(activity)
        if isinstance(activity.value, dict) and activity.value.get("action"):
            reply = self.card_action(inv, activity.value)
            if reply is not None:
                await self.send(turn_context, reply)
            return
        text = await self.command_text(turn_context)
        if text.lower() in ("escalations here", "escalation here"):
            await self.escalations_here(turn_context, inv)
            return
        await self.answer(turn_context, router.handle(self.desk, inv, text))

    async def command_text(self, turn_context: TurnContext) -> str:
        """The text without the bot's mention; other mentions become the person's id, so
        `lead @Jane` reads as `lead <Jane's id>` exactly as on Slack."""
        activity = turn_context.activity
        text = TurnContext.remove_recipient_mention(activity) or activity.text or ""
        for entity in activity.entities or []:
            props = entity.additional_properties or {}
            if entity.type != "mention" or not props.get("mentioned"):
                continue
            mentioned = props["mentioned"]
            if mentioned.get("id") == activity.recipient.id or not props.get("text"):
                continue
            user = mentioned.get("aadObjectId") or await self._aad_id(turn_context, mentioned)
            self.directory.remember_name(user, mentioned.get("name"))
            text = text.replace(props["text"], f" {user} ")
        text = " ".join(plain_text(text).split())
        word, _, rest = text.partition(" ")
        if word.lower() in ("escalate", "/escalate"):
            text = rest.strip()
        return text

    async def _aad_id(self, turn_context: TurnContext, mentioned: dict) -> str:
        """Mention entities carry the Bot Framework id; the commands use the Entra id."""
        try:
            member = await TeamsInfo.get_member(turn_context, mentioned["id"])
            return member.aad_object_id or mentioned["id"]
        except Exception as exc:  # an unknown member: keep the id Teams gave
            log.info("no member record for %s: %s", mentioned.get("id"), exc)
            return mentioned["id"]

    async def escalations_here(self, turn_context: TurnContext, inv: Invocation) -> None:
        activity = turn_context.activity
        data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
        channel, team = data.get("channel") or {}, data.get("team") or {}
        if not channel.get("id") or not team.get("id"):
            await self.send(turn_context, Message("channel_needed", {}))
            return
        graph_team = team.get("aadGroupId")
        if not graph_team and self.war_rooms == "channel":
            graph_team = await self._graph_team(turn_context)
        self.directory.save_channel(
            {
                "channel": channel["id"],
                "channel_name": channel.get("name"),
                "team": team["id"],
                "team_name": team.get("name"),
                "graph_team": graph_team,
                "service_url": activity.service_url,
                "tenant": inv.workspace,
                "by": inv.user_id,
            }
        )
        facts = {"channel_name": channel.get("name"), "team_name": team.get("name")}
        await self.send(turn_context, Message("channel_set", {**facts, "by": inv.user_id}))

    async def _graph_team(self, turn_context: TurnContext) -> str | None:
        """The team's Microsoft 365 group id, which Graph calls the team id (the Bot
        Framework's `19:…` team id is not one). Asked of the connector when the activity
        did not carry it; only channel mode needs it."""
        team = TeamsInfo.get_team_id(turn_context)
        try:
            connector = await TeamsInfo.get_teams_connector_client(turn_context)
            # botbuilder's Teams operations are synchronous HTTP: keep them off the loop.
            call = asyncio.to_thread(connector.teams.get_team_details, team)
            details = await asyncio.wait_for(call, timeout=15)
        except Exception as exc:  # no team details: channel mode will say so when it needs it
            log.warning("no team details for %s: %s", team, exc)
            return None
        return getattr(details, "aad_group_id", None)

    async def answer(self, turn_context: TurnContext, result: Result) -> None:
        if isinstance(result, Reply):
            await self.send(turn_context, result.message)
        elif isinstance(result, OpenForm):
            # A message cannot open a dialog: answer with a button that does (task/fetch).
            title = forms.title(result, self.desk.playbooks)
            data = forms.open_form_data(result)
            await self.send(turn_context, Message("open_form", {"title": title, "data": data}))

    async def send(self, turn_context: TurnContext, message: Message) -> None:
        names = self._names(message.context)
        rendered = render(message, names, room_kind=self.war_rooms)
        activity = MessageFactory.attachment(CardFactory.adaptive_card(rendered["card"]))
        activity.summary = rendered["summary"]
        await turn_context.send_activity(activity)

    def _names(self, context: dict) -> dict[str, str]:
        return {u: n for u in user_ids(context) if (n := self.directory.name(u))}

    def card_action(self, inv: Invocation, data: dict) -> Message | None:
        """Buttons that do not open a form (Action.Submit or Action.Execute)."""
        action = data.get("action")
        target = data.get("escalation")
        target = int(target) if str(target).isdigit() else 0
        if action in buttons.ACT:
            return buttons.press(self.desk, inv, action, target).message
        if action == "checklist":
            last = None
            for key, value in data.items():
                if key.startswith("checklist:"):
                    selected = [v for v in str(value or "").split(",") if v]
                    last = checklist.tick(self.desk, inv, target, key.split(":", 1)[1], selected)
                    if last is not None and last.message.template == "unknown_escalation":
                        return last.message
            return last.message if last is not None else None
        if action in buttons.OPEN_FORM:  # an old card without task/fetch: say how to open the form
            return Message("usage", {"usage": "update"})
        return None

    # ---- invokes ------------------------------------------------------------------------
    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        activity = turn_context.activity
        value = activity.value if isinstance(activity.value, dict) else {}
        inv = self.invocation(activity)
        name = activity.name
        if name == "task/fetch":
            return _ok(self.fetch(inv, value.get("data") or {}))
        if name in ("task/submit", "composeExtension/submitAction"):
            return _ok(self.submit(inv, value.get("data") or {}, activity))
        if name == "composeExtension/fetchTask":
            return _ok(self.fetch_from_message(inv, value))
        if name == "application/search":
            return _ok(typeahead.answer(self.desk, value))
        if name == "adaptiveCard/action":
            action = value.get("action") or {}
            data = {**(action.get("data") or {}), "action": action.get("verb")}
            message = self.card_action(inv, data)
            text = render(message)["summary"] if message else "Done."
            return _ok(
                {
                    "statusCode": 200,
                    "type": "application/vnd.microsoft.activity.message",
                    "value": text,
                }
            )
        return await super().on_invoke_activity(turn_context)

    def _form_response(
        self,
        result: Result,
        *,
        typed: dict | None = None,
        errors: dict | None = None,
        timezone: str | None = None,
    ) -> dict:
        if isinstance(result, Reply):
            return _message(render(result.message)["summary"])
        assert isinstance(result, OpenForm)
        people = {}
        for key in ("leader", "stakeholders"):
            value = (typed or {}).get(key) or result.values.get(key)
            ids = value.split(",") if isinstance(value, str) else value or []
            people.update({u: n for u in ids if u and (n := self.directory.name(u))})
        account = (typed or {}).get("customer") or result.values.get("customer")
        card = forms.card(
            result,
            self.desk.playbooks,
            typed=typed,
            errors=errors,
            people=people,
            accounts=typeahead.titles(self.desk, account),
            timezone=timezone,
            room_kind=self.war_rooms,
        )
        return _continue(card, forms.title(result, self.desk.playbooks))

    def fetch(self, inv: Invocation, data: dict) -> dict:
        form = forms.from_data(data)
        if form is None:
            start = buttons.OPEN_FORM.get(data.get("action"))
            target = data.get("escalation")
            if start is None or not str(target).isdigit():
                return _message("That button is no longer valid.")
            form = start(self.desk, inv, int(target))
        return self._form_response(form)

    def fetch_from_message(self, inv: Invocation, value: dict) -> dict:
        """The "Escalate" message action: the form, prefilled from the message."""
        payload = value.get("messagePayload") or {}
        text = plain_text((payload.get("body") or {}).get("content"))
        first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
        form = intake.start(self.desk, inv, title=first_line or None)
        if text:
            limit = self.desk.playbooks.forms["intake"].field("business_impact").max_length
            form = OpenForm(
                form.form,
                values={**form.values, "business_impact": text[: limit or None]},
                metadata=form.metadata,
                title_suffix=form.title_suffix,
            )
        return self._form_response(form)

    def submit(self, inv: Invocation, data: dict, activity) -> dict:
        name = data.get(forms.FORM_KEY)
        meta = data.get(forms.META_KEY) if isinstance(data.get(forms.META_KEY), dict) else {}
        if name not in self.desk.playbooks.forms:
            return _message("That form is no longer valid. Please start again.")
        zone = getattr(activity, "local_timezone", None)
        raw = forms.submitted_values(self.desk.playbooks.forms[name], data, zone)
        try:
            result = self._submit(inv, name, meta, raw)
        except Exception:
            log.exception("could not store the %s form", name)
            values = {
                k: v if isinstance(v, str) else json.dumps(v, default=str)
                for k, v in raw.items()
                if v
            }
            return _message(
                render(Message("intake_failed", {"values": values}))["summary"]
                + ": "
                + "; ".join(f"{k}: {v}" for k, v in values.items())
            )
        if isinstance(result, FormErrors):
            form = OpenForm(name, metadata=meta, title_suffix=data.get("title_suffix"))
            errors = {
                field: error if isinstance(error, str) else render(error)["summary"]
                for field, error in result.errors.items()
            }
            return self._form_response(form, typed=data, errors=errors, timezone=zone)
        if isinstance(result, Accepted) and name == "intake":
            return _message("Escalation opened: the war room is on its way.")
        if isinstance(result, Reply):
            return _message(render(result.message)["summary"])
        return _message("Saved.")

    def _submit(self, inv: Invocation, name: str, meta: dict, raw: dict) -> Result:
        if name == "intake":
            nonce = meta.get("nonce") or "none"
            return intake.submit(
                self.desk, inv, raw, intake_key=f"teams:{nonce}", origin=meta.get("origin")
            )
        escalation = meta.get("escalation")
        if name not in router.SUBMITS or not str(escalation).isdigit():
            return FormErrors({})
        return router.SUBMITS[name](self.desk, inv, int(escalation), raw)
