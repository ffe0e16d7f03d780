"""The intake's account picker: Teams' dynamic typeahead (`Data.Query` over our `accounts`
dataset), answered through /api/messages by an `application/search` invoke, with free text
kept possible for a new customer."""

from __future__ import annotations

from storage import queries
from tests.teams.conftest import INTAKE, assert_valid_card, form_inputs, submit_data
from tests.teams.test_intake import open_escalation, open_form

SEARCH = "application/vnd.microsoft.search.searchResponse"


async def search(teams, text: str, dataset: str = "accounts", skip: int = 0) -> list[dict]:
    value = {"queryText": text, "queryOptions": {"skip": skip, "top": 15}, "dataset": dataset}
    answer = await teams.invoke("application/search", value)
    assert answer["statusCode"] == 200 and answer["type"] == SEARCH
    return answer["value"]["results"]


def accounts(teams) -> dict[int, str]:
    with teams.runtime.db.session() as session:
        return {a.id: a.name for a in queries.accounts_matching(session, "teams", "")}


async def test_typing_in_the_account_field_offers_stored_accounts_then_a_new_one(teams):
    await open_escalation(teams)  # stores the account "Acme Corp"
    card = await open_form(teams)
    assert_valid_card(card)
    customer = form_inputs(card)["customer"]
    assert customer["type"] == "Input.ChoiceSet" and customer["isRequired"] is True
    assert customer["choices.data"] == {"type": "Data.Query", "dataset": "accounts"}
    assert await search(teams, "acm") == [
        {"title": "Acme Corp", "value": "acct:1"},
        {"title": "Create account “acm”", "value": "new:acm"},
    ]
    assert await search(teams, "ACME corp") == [{"title": "Acme Corp", "value": "acct:1"}]
    assert await search(teams, "Globex") == [
        {"title": "Create account “Globex”", "value": "new:Globex"}
    ]
    assert await search(teams, "acm", dataset="somethingelse") == []


async def test_a_new_customer_typed_in_the_picker_becomes_an_account(teams):
    await open_escalation(teams, customer="new:Globex Industries")
    assert accounts(teams) == {1: "Globex Industries"}
    card = await open_form(teams)
    picked = {**INTAKE, "customer": "acct:1", "separate": "true", "title": "Another one"}
    answer = await teams.invoke("task/submit", {"data": submit_data(card, **picked)})
    assert answer["task"]["type"] == "message"
    await teams.settle()
    with teams.runtime.db.session() as session:
        assert queries.escalation(session, 2).account_id == 1
    assert accounts(teams) == {1: "Globex Industries"}


async def test_a_reshown_form_shows_the_picked_account_by_name(teams):
    await open_escalation(teams)
    card = await open_form(teams)
    typed = {**INTAKE, "customer": "acct:1", "title": "  ", "separate": "true"}
    answer = await teams.invoke("task/submit", {"data": submit_data(card, **typed)})
    again = answer["task"]["value"]["card"]["content"]
    assert_valid_card(again)
    customer = form_inputs(again)["customer"]
    assert customer["value"] == "acct:1"
    assert customer["choices"] == [{"title": "Acme Corp", "value": "acct:1"}]
