"""Work that can wait lets the requests being answered go first, without being starved."""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.foreground import Foreground


@contextlib.asynccontextmanager
async def request_in_flight(foreground: Foreground):
    """A web server with one request being answered until the block ends; then it answers."""
    entered, release = asyncio.Event(), asyncio.Event()

    async def slow(_request: web.Request) -> web.Response:
        entered.set()
        await release.wait()
        return web.Response(text="acknowledged")

    app = web.Application(middlewares=[foreground.middleware])
    app.router.add_get("/ack", slow)
    client = TestClient(TestServer(app))
    await client.start_server()
    request = asyncio.create_task(client.get("/ack"))
    try:
        await entered.wait()
        yield
    finally:
        release.set()
        response = await request
        assert await response.text() == "acknowledged"
        await client.close()


async def test_background_step_waits_for_the_request_being_answered():
    foreground = Foreground(trickle=30)
    async with request_in_flight(foreground):
        step = asyncio.create_task(foreground.turn())
        await asyncio.sleep(0.1)
        assert not step.done()  # the request is still being answered
    await asyncio.wait_for(step, 1)  # answered: now the step goes


async def test_steps_go_at_once_when_nothing_is_being_answered():
    foreground = Foreground(trickle=30)
    await asyncio.wait_for(asyncio.gather(*(foreground.turn() for _ in range(100))), 1)


async def test_a_steady_stream_of_requests_slows_background_work_but_never_stops_it():
    foreground = Foreground(trickle=0.2)
    loop = asyncio.get_running_loop()
    done_at: list[float] = []
    async with request_in_flight(foreground):  # in flight throughout
        started = loop.time()

        async def step() -> None:
            await foreground.turn()
            done_at.append(loop.time() - started)

        await asyncio.wait_for(asyncio.gather(step(), step(), step()), 5)
    # one step per trickle interval, the first after it has waited one interval
    assert done_at[0] >= 0.15
    assert done_at[1] - done_at[0] >= 0.15 and done_at[2] - done_at[1] >= 0.15


async def test_a_cancelled_step_does_not_hold_up_the_others():
    foreground = Foreground(trickle=30)
    async with request_in_flight(foreground):
        first = asyncio.create_task(foreground.turn())
        second = asyncio.create_task(foreground.turn())
        await asyncio.sleep(0.05)
        first.cancel()
    await asyncio.wait_for(second, 1)
