"""Retrying Bot Connector and Microsoft Graph calls: Teams answers 429 (and 412/502/503/504)
on any call, and Graph throttles with 429 or 503 plus Retry-After.

A short, bounded in-process retry with exponential backoff and full jitter (and Retry-After
when Teams sends one) absorbs throttling bursts; what still fails becomes a PlatformError and
the reconciler's own, longer schedule takes over. No botbuilder import: errors are read by
duck typing (`exc.response.status_code`), which msrest's HttpOperationError provides.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from commands.ports import PlatformError

log = logging.getLogger(__name__)

T = TypeVar("T")
RETRYABLE = {412, 429, 502, 503, 504}


class CallFailed(PlatformError):
    """A platform call that still failed after the retries, with its HTTP status if any
    (callers tell "not allowed" (403) from "try again later")."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def status_of(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    return int(status) if isinstance(status, int) else None


def _retry_after(exc: BaseException) -> float | None:
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


@dataclass
class Backoff:
    attempts: int = 4
    base: float = 0.5  # seconds; doubled each attempt
    cap: float = 8.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    async def run(self, call: Callable[[], Awaitable[T]], what: str = "call") -> T:
        for attempt in range(1, self.attempts + 1):
            try:
                return await call()
            except Exception as exc:
                status = status_of(exc)
                if status not in RETRYABLE or attempt == self.attempts:
                    raise
                delay = _retry_after(exc)
                if delay is None:
                    delay = random.uniform(0, min(self.cap, self.base * 2 ** (attempt - 1)))
                log.info("Teams %s answered %s; retry %s in %.2fs", what, status, attempt, delay)
                await self.sleep(min(delay, self.cap))
        raise AssertionError("unreachable")  # pragma: no cover
