"""The floor for the ack benchmark: a bare slack-bolt AsyncApp doing only the acknowledgements.

    SLACK_BOT_TOKEN=xoxb-bench SLACK_SIGNING_SECRET=... SLACK_API_URL=http://127.0.0.1:8123/api/ \
    PORT=3001 HOST=127.0.0.1 python bench/bare_app.py

It is served exactly as bot/web.py serves our app (aiohttp, to_bolt_request →
async_dispatch → to_aiohttp_response, AppRunner + TCPSite), with the same token, secret and
Web API stub, and answers the three benchmarked requests the way ours does, minus our work:
- `/escalate help`: ack with an ephemeral blocks message about as big as our help (~1.3 kB);
- `/escalate`: ack(), then views.open with a 14-input modal about as big as our intake (~5 kB),
  built per request as a plain dict (ours renders a template: that difference is the point);
- the `intake` view_submission: ack(), nothing else.
Whatever our app takes beyond this is the cost of our own code.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

HELP_TEXT = "How to use /escalate"
HELP_SECTIONS = (
    "*`/escalate`* or *`/escalate <title>`*: open a customer escalation: a war room channel, "
    "one leader, one pinned status card, and the playbook for its cause.",
    "*In a war room*\n"
    "• `update`: post a status update (the first one acknowledges)\n"
    "• `draft`: a customer-facing update from the latest one, ready to copy\n"
    "• `investigate`: the investigation record (customer's view, facts, factors, prevention)\n"
    "• `lead @person`: hand the lead to someone else\n"
    "• `severity critical|high|standard`: change severity and so the update cadence\n"
    "• `cause <cause>`: change the cause and so the playbook checklist\n"
    "• `exec`: a 1-3-1 brief to leadership (one problem, three options, one recommendation)\n"
    "• `resolve`: root cause, resolution, prevention, levers, commitments\n"
    "• `postmortem`: write the post-mortem from the record\n"
    "• `close`: archive the war room of a resolved escalation",
    "*Anywhere*\n"
    "• `list [mine|overdue|all]`: escalations, soonest update due first\n"
    "• `join ESC-42`: join an escalation's war room\n"
    "• `help`: this text",
)
SEVERITIES = {"critical": "Critical", "high": "High", "standard": "Standard"}
CAUSES = {
    "product_issue": "Product issue hurting the customer's operations",
    "support_delay": "Support delay without clear communication",
    "misaligned_expectations": "Misaligned expectations",
    "renewal_dispute": "Renewal, contract or billing dispute",
    "poor_experience": "Poor experience across touchpoints",
    "other": "Something else",
}
FLAGS = {
    "threat_to_cancel": "The customer is threatening to cancel",
    "legal_action": "The customer mentions legal action or contract breach",
    "asked_for_executive": "The customer asked to speak to an executive",
}


def plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def options(choices: dict[str, str]) -> list[dict[str, Any]]:
    return [{"text": plain(label), "value": value} for value, label in choices.items()]


def block(block_id: str, label: str, element: dict[str, Any], optional: bool = False) -> dict:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": plain(label),
        "element": {"action_id": block_id, **element},
    }


def help_message() -> dict[str, Any]:
    sections = [{"type": "section", "text": {"type": "mrkdwn", "text": t}} for t in HELP_SECTIONS]
    return {"response_type": "ephemeral", "text": HELP_TEXT, "blocks": sections}


def intake_modal(user_id: str, channel_id: str) -> dict[str, Any]:
    """Built per request, as the cheapest honest way to make a modal of our intake's size."""
    text = {"type": "plain_text_input"}
    long_text = {"type": "plain_text_input", "multiline": True, "max_length": 2000}
    high = {"text": plain("High"), "value": "high"}
    return {
        "type": "modal",
        "callback_id": "intake",
        "private_metadata": f'{{"origin": null, "channel": "{channel_id}"}}',
        "title": plain("New escalation"),
        "submit": plain("Open war room"),
        "close": plain("Cancel"),
        "blocks": [
            block(
                "customer",
                "Customer / account (type to search, or a new name)",
                {"type": "external_select", "min_query_length": 0, "placeholder": plain("Acme")},
            ),
            block("title", "Title", {**text, "max_length": 120, "placeholder": plain("One line")}),
            block(
                "severity",
                "Severity",
                {"type": "static_select", "options": options(SEVERITIES), "initial_option": high},
            ),
            block("cause", "Cause", {"type": "static_select", "options": options(CAUSES)}),
            block(
                "business_impact",
                "Business impact",
                {**long_text, "placeholder": plain("What this costs the customer (revenue, ...)")},
            ),
            block("ideal_resolution", "What an ideal resolution looks like", long_text, True),
            block(
                "annual_contract_value", "Annual contract value", {**text, "max_length": 20}, True
            ),
            block("renewal_date", "Renewal date", {"type": "datepicker"}, True),
            block("customer_timezone", "Customer's time zone", {**text, "max_length": 64}, True),
            block(
                "leader",
                "Leader (one person owns this)",
                {"type": "users_select", "initial_user": user_id},
            ),
            block("stakeholders", "Stakeholders to invite", {"type": "multi_users_select"}, True),
            block(
                "flags",
                "What the customer said",
                {"type": "checkboxes", "options": options(FLAGS)},
                True,
            ),
            block(
                "private",
                "Channel",
                {"type": "checkboxes", "options": options({"yes": "Make the war room private"})},
                True,
            ),
            block(
                "separate",
                "Another open escalation for this account?",
                {"type": "checkboxes", "options": options({"yes": "A different problem"})},
                True,
            ),
        ],
    }


def build_bolt(token: str, signing_secret: str, api_url: str) -> AsyncApp:
    """Constructed as bot/slack/app.py constructs ours: a client aimed at the stub, HTTP mode."""
    client = AsyncWebClient(token=token, base_url=api_url)
    app = AsyncApp(client=client, signing_secret=signing_secret, process_before_response=False)

    @app.command("/escalate")
    async def escalate(ack, body, client) -> None:
        if (body.get("text") or "").strip().lower() == "help":
            await ack(**help_message())
            return
        await ack()
        view = intake_modal(body["user_id"], body.get("channel_id", ""))
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view("intake")
    async def intake_submitted(ack) -> None:
        await ack()

    return app


def build_web(bolt: AsyncApp) -> web.Application:
    """The same serving path as bot/web.py."""
    app = web.Application()

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def slack_events(request: web.Request) -> web.Response:
        bolt_response = await bolt.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    app.router.add_get("/healthz", healthz)
    app.router.add_post("/slack/events", slack_events)
    return app


async def serve() -> None:
    env = os.environ
    api_url = env.get("SLACK_API_URL", "https://slack.com/api/")
    bolt = build_bolt(
        env["SLACK_BOT_TOKEN"],
        env["SLACK_SIGNING_SECRET"],
        api_url if api_url.endswith("/") else api_url + "/",
    )
    runner = web.AppRunner(build_web(bolt))
    await runner.setup()
    await web.TCPSite(runner, env.get("HOST", "127.0.0.1"), int(env.get("PORT", "3001"))).start()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    # The same logging set-up as app.py, so both apps pay the same for Bolt's log lines.
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    asyncio.run(serve())
