"""Channel mode (TEAMS_WAR_ROOMS=channel): a Teams channel per escalation, created through
Microsoft Graph (a local stub, reached by the real Graph client over HTTP), whose root post
is the status card, driven end to end through /api/messages."""

from __future__ import annotations

import logging

import pytest

from bot.settings import Settings, SettingsError
from storage import queries
from tests.teams.conftest import (
    CHANNEL,
    CSM,
    INTAKE,
    LEADER,
    REPORTER,
    TENANT,
    assert_valid_card,
    form_inputs,
    submit_data,
)
from tests.teams.test_intake import open_escalation, open_form, set_channel

NEW_CHANNEL = "19:graph-channel-1@thread.tacv2"


def bind(graph, user: str) -> str:
    return f"{graph.url}v1.0/users('{user}')"


def created_in(teams, channel: str) -> list[dict]:
    return [c for c in teams.stub.created if c["channelData"]["channel"]["id"] == channel]


async def in_war_room(teams, text: str, channel: str, *, user: str = LEADER, post: str = "777"):
    """A new top-level post in a war-room channel (not a reply under the card)."""
    conversation = {
        "id": f"{channel};messageid={post}",
        "conversationType": "channel",
        "tenantId": TENANT,
    }
    data = {"channel": {"id": channel}, "team": {"id": "19:team"}, "tenant": {"id": TENANT}}
    await teams.say(text, user=user, conversation=conversation, channel_data=data)


def stored(teams, escalation_id: int = 1):
    with teams.runtime.db.session() as session:
        return queries.escalation(session, escalation_id)


async def test_each_escalation_gets_its_own_channel_with_the_card_as_its_root_post(
    channel_teams, graph
):
    teams = channel_teams
    room = await open_escalation(teams)
    # One app-only token, by client credentials for Graph, used for every call.
    [token] = graph.tokens
    assert token == {
        "grant_type": "client_credentials",
        "client_id": "graph-client-id",
        "client_secret": "graph-secret",
        "scope": "https://graph.microsoft.com/.default",
        "tenant": TENANT,
    }
    assert {c.authorization for c in graph.calls} == {"Bearer graph-token-1"}
    # The channel, in the team `escalations here` was sent in (its Graph id, from the connector).
    [create] = graph.of("create")
    assert create.path == f"/v1.0/teams/{teams.stub.aad_group_id}/channels"
    assert create.body == {"displayName": "esc-1-acme-corp", "membershipType": "standard"}
    # Its root post came through the Bot Connector into the new channel, and became the card.
    [root] = created_in(teams, NEW_CHANNEL)
    assert root["isGroup"] is True
    assert room.startswith(NEW_CHANNEL + ";messageid=")
    card = teams.card_edits(room)[-1]
    assert_valid_card(card.card)
    assert "ESC-1" in card.text and "Acme Corp" in card.text
    assert [a["title"] for a in card.card["actions"]] == ["Post update", "Resolve"]
    # The channel's description is the topic; people are mentioned in the channel.
    [describe] = graph.of("describe")
    assert describe.method == "PATCH"
    assert describe.path == f"/v1.0/teams/{teams.stub.aad_group_id}/channels/{NEW_CHANNEL}"
    assert describe.body["description"].startswith("ESC-1 · Acme Corp · Checkout down")
    invite = next(s for s in teams.stub.in_conversation(room) if "part of this war room" in s.text)
    assert "Follow this channel" in invite.text
    assert {e["mentioned"]["id"] for e in invite.card["msteams"]["entities"]} == {
        LEADER,
        REPORTER,
        CSM,
    }
    assert graph.of("members") == []  # a standard channel already includes the whole team
    # The reporter is told where it is; nothing was opened in the escalations channel.
    ready = [s for s in teams.stub.in_conversation(f"a:personal-{REPORTER}") if "is open" in s.text]
    assert "The war room is the channel “esc-1-acme-corp”" in ready[-1].text
    assert created_in(teams, CHANNEL) == []
    esc = stored(teams)
    assert (esc.room_channel, esc.room_name) == (room, "esc-1-acme-corp")


async def test_a_post_anywhere_in_the_channel_acts_on_it_and_closing_archives_it(
    channel_teams, graph
):
    teams = channel_teams
    room = await open_escalation(teams)
    await in_war_room(teams, "severity critical", NEW_CHANNEL)
    await teams.settle()
    assert "Critical" in teams.card_edits(room)[-1].text
    await in_war_room(teams, "resolve", NEW_CHANNEL, post="778")
    button = teams.stub.sent[-1].card["actions"][0]["data"]
    form = (await teams.invoke("task/fetch", {"data": button}, user=LEADER))["task"]["value"]
    data = {
        **form["card"]["content"]["actions"][0]["data"],
        "root_cause": "Expired certificate",
        "resolution": "Renewed it",
    }
    assert (await teams.invoke("task/submit", {"data": data}, user=LEADER))["task"]["type"]
    await teams.settle()
    await in_war_room(teams, "close", NEW_CHANNEL, post="779")
    await teams.settle()
    closed = [s for s in teams.stub.in_conversation(room) if "closed" in s.text][-1]
    assert "This channel is being archived" in closed.text
    [archive] = graph.of("archive")
    assert archive.path.endswith(f"/channels/{NEW_CHANNEL}/archive")
    assert stored(teams).room_archived


async def test_an_archive_graph_refuses_is_said_in_the_channel_and_not_retried(
    channel_teams, graph
):
    teams = channel_teams
    graph.fail_next("archive", 403, message="Missing role permissions on the request.")
    room = await open_escalation(teams)
    await in_war_room(teams, "resolve", NEW_CHANNEL)
    button = teams.stub.sent[-1].card["actions"][0]["data"]
    form = (await teams.invoke("task/fetch", {"data": button}, user=LEADER))["task"]["value"]
    data = {**form["card"]["content"]["actions"][0]["data"], "root_cause": "a", "resolution": "b"}
    await teams.invoke("task/submit", {"data": data}, user=LEADER)
    await teams.settle()
    await in_war_room(teams, "close", NEW_CHANNEL, post="778")
    await teams.settle()
    note = next(s for s in teams.stub.in_conversation(room) if "could not archive" in s.text)
    assert "ChannelSettings.ReadWrite.All" in note.text and "Archive channel" in note.text
    await teams.runtime.reconciler.sweep()
    await teams.settle()
    assert len(graph.of("archive")) == 1  # refused once, said once, not tried again
    assert not teams.runtime.teams.directory.room(NEW_CHANNEL)["archived"]


async def test_without_the_teams_graph_id_it_opens_a_thread_and_says_what_to_do(channel_teams):
    teams = channel_teams
    teams.stub.aad_group_id = None  # the connector did not say which group the team is
    room = await open_escalation(teams)
    assert room.startswith(CHANNEL)
    note = next(s for s in teams.stub.in_conversation(room) if "could not create" in s.text)
    assert "send `escalations here` in the escalations channel again" in note.text


async def test_a_channel_name_in_use_makes_the_reconciler_try_the_next_one(channel_teams, graph):
    teams = channel_teams
    graph.taken.add("esc-1-acme-corp")
    room = await open_escalation(teams)
    assert [c.body["displayName"] for c in graph.of("create")] == [
        "esc-1-acme-corp",
        "esc-1-acme-corp-2",
    ]
    assert len(teams.stub.created) == 1  # one root post, in the channel that was created
    assert stored(teams).room_name == "esc-1-acme-corp-2"
    assert teams.card_edits(room)


async def test_a_long_customer_name_fits_the_50_character_limit(channel_teams, graph):
    teams = channel_teams
    await open_escalation(teams, customer="Ünïcode & Sons: the very long name of a holding {Ltd}")
    [create] = graph.of("create")
    name = create.body["displayName"]
    assert len(name) <= 50 and name.startswith("esc-1-unicode-sons-the-very-long-name")
    assert not set(name) & set("~#%&*{}+/\\:<>?|'\",") and not name.endswith(".")


async def test_a_private_escalation_is_a_private_channel_with_only_the_invited_people(
    channel_teams, graph
):
    teams = channel_teams
    card = await open_form(teams)
    private = form_inputs(card)["private"]
    assert private["type"] == "Input.Toggle" and "only the people invited" in private["title"]
    room = await open_escalation(teams, private="true")
    [create] = graph.of("create")
    assert create.body == {
        "displayName": "esc-1-acme-corp",
        "membershipType": "private",
        "members": [
            {
                "@odata.type": "#microsoft.graph.aadUserConversationMember",
                "roles": ["owner"],
                "user@odata.bind": bind(graph, LEADER),
            }
        ],
    }
    # The others are added as members (the leader, its owner, already is); no one else.
    added = graph.of("members")
    assert [c.body["user@odata.bind"] for c in added] == [bind(graph, REPORTER), bind(graph, CSM)]
    assert all(c.body["roles"] == [] for c in added)
    invite = next(s for s in teams.stub.in_conversation(room) if "private channel" in s.text)
    assert "only the people in it can read it" in invite.text
    ready = [s for s in teams.stub.in_conversation(f"a:personal-{REPORTER}") if "is open" in s.text]
    assert "the private channel “esc-1-acme-corp” (only the people invited" in ready[-1].text


async def test_someone_graph_will_not_add_is_named_in_the_private_channel(channel_teams, graph):
    teams = channel_teams
    graph.fail_next("members", 403, message="Missing role permissions on the request.")
    room = await open_escalation(teams, private="true")
    note = next(s for s in teams.stub.in_conversation(room) if "could not add" in s.text)
    assert "ChannelMember.ReadWrite.All" in note.text
    assert "<at>Leo Leader</at> owns the channel" in note.text
    assert note.card["msteams"]["entities"][0]["mentioned"]["id"] == REPORTER
    # The reporter is not claimed to be in it; the CSM, added, is mentioned as a member.
    invite = next(s for s in teams.stub.in_conversation(room) if "private channel, the" in s.text)
    assert {e["mentioned"]["id"] for e in invite.card["msteams"]["entities"]} == {LEADER, CSM}


async def test_graph_refusing_gives_a_thread_that_says_why(channel_teams, graph, caplog):
    teams = channel_teams
    graph.fail_next(
        "create",
        403,
        message="Missing role permissions on the request. API requires one of 'Channel.Create'.",
    )
    with caplog.at_level(logging.ERROR):
        room = await open_escalation(teams)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "grant the application permission Channel.Create" in errors[0]
    # The war room is a thread in the escalations channel, with its card, and a note.
    [root] = teams.stub.created
    assert root["channelData"]["channel"]["id"] == CHANNEL and room.startswith(CHANNEL)
    assert "ESC-1" in teams.card_edits(room)[-1].text
    note = next(s for s in teams.stub.in_conversation(room) if "could not create" in s.text)
    assert "Microsoft Graph permission Channel.Create" in note.text
    assert "not private" not in note.text  # it was not meant to be private
    ready = [s for s in teams.stub.in_conversation(f"a:personal-{REPORTER}") if "is open" in s.text]
    assert "the thread “esc-1-acme-corp” in the escalations channel" in ready[-1].text
    assert graph.of("describe") == [] and graph.of("members") == []


async def test_a_private_escalation_graph_refuses_is_posted_nowhere_until_it_can_be(
    channel_teams, graph, clock
):
    """Everyone in the escalations channel reads its threads: a private escalation never
    falls back to one. Its leader hears why, once, in their 1:1 chat; the set-up retries."""
    teams = channel_teams
    await teams.say("help", user=LEADER)  # the leader has a 1:1 chat with the bot
    graph.fail_next("create", 403, message="API requires one of 'Channel.Create'.", times=2)
    await set_channel(teams)
    card = await open_form(teams)
    answer = await teams.invoke(
        "task/submit", {"data": submit_data(card, **{**INTAKE, "private": "true"})}
    )
    assert answer["task"]["type"] == "message"
    await teams.settle()
    assert teams.stub.created == []  # no thread, anywhere

    def told():
        return [s for s in teams.stub.in_conversation(f"a:personal-{LEADER}") if "🔒" in s.text]

    assert len(told()) == 1 and "Channel.Create" in told()[0].text
    assert "posted it nowhere else" in told()[0].text
    assert stored(teams).room_channel is None  # stored, waiting for its room

    clock.advance(minutes=2)
    await teams.runtime.reconciler.sweep()  # refused again: nobody is told twice
    assert teams.stub.created == []
    assert len(told()) == 1

    clock.advance(minutes=5)
    await teams.runtime.reconciler.sweep()  # the permission was granted meanwhile
    assert graph.of("create")[-1].body["membershipType"] == "private"
    [root] = created_in(teams, NEW_CHANNEL)
    assert stored(teams).room_channel.startswith(NEW_CHANNEL)


async def test_a_token_refused_is_said_as_a_sign_in_problem_not_a_permission(
    channel_teams, graph, caplog
):
    teams = channel_teams
    graph.fail_next(
        "token", 401, code="invalid_client", message="AADSTS7000215: Invalid client secret."
    )
    with caplog.at_level(logging.ERROR):
        room = await open_escalation(teams)
    assert room.startswith(CHANNEL) and graph.of("create") == []
    note = next(s for s in teams.stub.in_conversation(room) if "could not create" in s.text)
    assert "could not sign in to Microsoft Graph" in note.text and "AADSTS7000215" in note.text
    assert "permission" not in note.text
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "invalid_client" in errors[0] and "grant" not in errors[0]


async def test_the_bot_not_allowed_to_post_in_the_new_channel_falls_back_too(channel_teams):
    teams = channel_teams
    teams.stub.fail_next("create", 403)  # BotNotInConversationRoster, for the new channel
    room = await open_escalation(teams)
    assert room.startswith(CHANNEL)
    note = next(s for s in teams.stub.in_conversation(room) if "not allowed to post" in s.text)
    assert "not private" not in note.text  # it was not meant to be private


async def test_throttled_graph_calls_are_retried_honouring_retry_after(channel_teams, graph):
    teams = channel_teams
    graph.fail_next("create", 429, code="TooManyRequests", message="slow down", retry_after="3")
    graph.fail_next("create", 503, code="serviceNotAvailable", message="busy", retry_after="1")
    room = await open_escalation(teams)
    assert teams.slept == [3.0, 1.0]
    assert len(graph.of("create")) == 3
    assert room.startswith(NEW_CHANNEL)


async def test_a_token_graph_no_longer_accepts_is_renewed_once(channel_teams, graph):
    teams = channel_teams
    await open_escalation(teams)
    graph.revoke()
    await open_escalation(teams, customer="Globex", separate="true")
    assert len(graph.tokens) == 2
    second = graph.of("create")[1:]
    assert [c.authorization for c in second] == ["Bearer graph-token-1", "Bearer graph-token-2"]
    assert stored(teams, 2).room_name == "esc-2-globex"


def test_channel_mode_needs_the_bot_registration_and_says_which_part_is_missing():
    with pytest.raises(SettingsError, match="^TEAMS_WAR_ROOMS: 'channels' is not thread"):
        Settings.from_env({"TEAMS_WAR_ROOMS": "channels"})
    with pytest.raises(SettingsError, match="needs MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD"):
        Settings.from_env({"TEAMS_ENABLED": "1", "TEAMS_WAR_ROOMS": "channel"})
    with pytest.raises(SettingsError, match="MICROSOFT_GRAPH_URL"):
        Settings.from_env({"MICROSOFT_GRAPH_URL": "graph.example"})
    env = {
        "MICROSOFT_APP_ID": "app-id",
        "MICROSOFT_APP_PASSWORD": "secret",
        "MICROSOFT_APP_TENANT_ID": "tenant-1",
        "TEAMS_WAR_ROOMS": "Channel",
        "MICROSOFT_GRAPH_URL": "https://graph.microsoft.us/v1.0",
    }
    settings = Settings.from_env(env)
    assert settings.teams_war_rooms == "channel"
    assert settings.microsoft_graph_url == "https://graph.microsoft.us/v1.0/"
    assert settings.microsoft_login_url == "https://login.microsoftonline.com/"
    assert settings.graph_app.client_id == "app-id"
    assert Settings.from_env({}).teams_war_rooms == "thread"


async def test_a_standard_escalation_is_a_thread_even_in_channel_mode(channel_teams, graph):
    """The policy's lighter war room (`war_room: thread` for standard) holds on Teams too."""
    room = await open_escalation(channel_teams, severity="standard")
    assert graph.of("create") == []
    assert room.startswith(CHANNEL + ";messageid=")
    assert "ESC-1" in channel_teams.card_edits(room)[-1].text
