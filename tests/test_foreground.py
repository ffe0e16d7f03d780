"""Work that can wait lets the requests being answered go first, without being starved."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.foreground import Foreground


async def serving(foreground: Foreground):
    """A web server whose one route answers only when told to."""
    entered, release = asyncio.Event(), asyncio.Event()

    async def slow(_request: web.Request) -> web.Response:
        entered.set()
        await release.wait()
        return web.Response(text="acknowledged")

    app = web.Application(middlewares=[foreground.middleware])
    app.router.add_get("/ack", slow)
    client = TestClient(TestServer(app))
    await client.start_server()
    return client, entered, release


async def test_background_step_waits_for_the_request_being_answered():
    foreground = Foreground(trickle=30)
    client, entered, release = await serving(foreground)
    try:
        request = asyncio.create_task(client.get("/ack"))
        await entered.wait()
        step = asyncio.create_task(foreground.turn())
        await asyncio.sleep(0.1)
        assert not step.done()  # the request is still being answered
        release.set()
        response = await request
        assert await response.text() == "acknowledged"
        await asyncio.wait_for(step, 1)  # and now the step goes
    finally:
        release.set()
        await client.close()


async def test_steps_go_at_once_when_nothing_is_being_answered():
    foreground = Foreground(trickle=30)
    await asyncio.wait_for(asyncio.gather(*(foreground.turn() for _ in range(100))), 1)


async def test_a_steady_stream_of_requests_slows_background_work_but_never_stops_it():
    foreground = Foreground(trickle=0.2)
    client, entered, release = await serving(foreground)
    try:
        request = asyncio.create_task(client.get("/ack"))  # in flight throughout
        await entered.wait()
        loop = asyncio.get_running_loop()
        started = loop.time()
        done_at: list[float] = []

        async def step() -> None:
            await foreground.turn()
            done_at.append(loop.time() - started)

        await asyncio.wait_for(asyncio.gather(step(), step(), step()), 5)
        assert len(done_at) == 3
        # one step per trickle interval, the first after it has waited one interval
        assert done_at[0] >= 0.15 and done_at[1] - done_at[0] >= 0.15
        assert done_at[2] - done_at[1] >= 0.15
        release.set()
        await request
    finally:
        release.set()
        await client.close()


async def test_a_cancelled_step_does_not_hold_up_the_others():
    foreground = Foreground(trickle=30)
    client, entered, release = await serving(foreground)
    try:
        request = asyncio.create_task(client.get("/ack"))
        await entered.wait()
        first = asyncio.create_task(foreground.turn())
        second = asyncio.create_task(foreground.turn())
        await asyncio.sleep(0.05)
        first.cancel()
        release.set()
        await request
        await asyncio.wait_for(second, 1)
    finally:
        release.set()
        await client.close()
