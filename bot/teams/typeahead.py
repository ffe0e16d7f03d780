"""The intake form's account picker as Teams' dynamic typeahead.

The card's `Input.ChoiceSet` names the `accounts` dataset (`choices.data`: `Data.Query`); as
the person types, Teams sends an `application/search` invoke (`queryText`, `queryOptions`
skip/top, `dataset`) and shows the results of our `searchResponse`, at most 15. Choices are
the stored accounts matching the text (as Slack's external select gets them), then
"Create account …" for the text itself, so a new customer can still be typed freely.
"""

from __future__ import annotations

from typing import Any

from commands import accounts
from commands.desk import Desk
from storage.models import Account

DATASET = "accounts"
TOP = 15  # Teams shows at most 15 typeahead choices
SEARCH_RESPONSE = "application/vnd.microsoft.search.searchResponse"


def answer(desk: Desk, value: dict[str, Any]) -> dict[str, Any]:
    """The invoke's body: matching accounts, then the new one. Other datasets: no choices."""
    results: list[dict[str, str]] = []
    if value.get("dataset") == DATASET:
        skip = (value.get("queryOptions") or {}).get("skip")
        skip = skip if isinstance(skip, int) and skip > 0 else 0
        choices = accounts.options(desk, "teams", str(value.get("queryText") or ""))
        create = [c for c in choices if c[0].startswith(accounts.NEW)]
        found = [c for c in choices if not c[0].startswith(accounts.NEW)]
        page = found[skip : skip + TOP - len(create)] + (create if not skip else [])
        results = [{"title": title[:120], "value": key} for key, title in page]
    return {"statusCode": 200, "type": SEARCH_RESPONSE, "value": {"results": results}}


def titles(desk: Desk, value: Any) -> dict[str, str]:
    """The title of an account already picked (`acct:7` → its name, `new:Foo` → Foo), so a
    form shown again shows a name rather than an id."""
    if not isinstance(value, str) or not value:
        return {}
    title = value.removeprefix(accounts.NEW)
    key = value.removeprefix(accounts.EXISTING)
    if value.startswith(accounts.EXISTING) and key.isdigit():
        with desk.db.session() as session:
            account = session.get(Account, int(key))
            title = account.name if account is not None else title
    return {value: title}
