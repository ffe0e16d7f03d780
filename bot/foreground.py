"""Requests first: work that can wait takes its turn between requests, not in front of them.

Slack gives an acknowledgement 3 seconds and people notice far less. Everything after an ack
(storing an escalation, opening its war room: a dozen Web API calls and their rendering) runs
on the same event loop as the acks, so a burst of submissions would queue each ack behind the
set-up work of the ones before it. The web server counts the requests it is answering;
background work calls `turn()` before each step and goes ahead only when none is being
answered, one step per loop iteration so the loop polls for new requests in between. Under a
steady stream of requests it still gets one step every `trickle` seconds: delayed, never
starved.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Iterator

from aiohttp import web


class Foreground:
    def __init__(self, trickle: float = 0.25) -> None:
        self.trickle = trickle
        self._busy = 0
        self._waiting: deque[tuple[asyncio.Future[None], float]] = deque()  # (step, since)
        self._last_turn = 0.0
        self._next: asyncio.TimerHandle | asyncio.Handle | None = None

    @web.middleware
    async def middleware(self, request: web.Request, handler) -> web.StreamResponse:
        """Count a request from its arrival until its answer is ready."""
        with self.answering():
            return await handler(request)

    @contextlib.contextmanager
    def answering(self) -> Iterator[None]:
        """A request is being answered for as long as this block runs (HTTP, or a Socket
        Mode delivery until its acknowledgement is sent)."""
        self._busy += 1
        try:
            yield
        finally:
            self._busy -= 1
            if not self._busy:
                self._schedule(0)

    @property
    def busy(self) -> bool:
        return self._busy > 0

    async def turn(self) -> None:
        """Return when this background step may run."""
        if not self._busy and not self._waiting:
            await asyncio.sleep(0)  # still let the loop poll for requests between steps
            return
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._waiting.append((future, loop.time()))
        self._schedule(self._delay())
        await future

    def _delay(self) -> float:
        """How long until the oldest waiting step may go: now when no request is being
        answered; otherwise once it has waited `trickle` and the last step went `trickle`
        ago, so a steady stream of requests slows background work down without stopping it."""
        if not self._busy or not self._waiting:
            return 0.0
        now = asyncio.get_running_loop().time()
        oldest = self._waiting[0][1]
        return max(0.0, oldest + self.trickle - now, self._last_turn + self.trickle - now)

    def _schedule(self, delay: float) -> None:
        if not self._waiting:
            return
        if self._next is not None:
            if delay or not isinstance(self._next, asyncio.TimerHandle):
                return  # already due as soon as it may be
            self._next.cancel()  # it went quiet: no need to wait for the trickle
        loop = asyncio.get_running_loop()
        self._next = (
            loop.call_later(delay, self._let_one_go) if delay else loop.call_soon(self._let_one_go)
        )

    def _let_one_go(self) -> None:
        """Let one waiting step go, then come back on a later loop iteration for the next."""
        self._next = None
        while self._waiting and self._waiting[0][0].done():  # cancelled meanwhile
            self._waiting.popleft()
        if self._waiting and self._delay() == 0:
            future, _ = self._waiting.popleft()
            future.set_result(None)
            self._last_turn = asyncio.get_running_loop().time()
        self._schedule(self._delay())
