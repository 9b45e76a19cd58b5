"""Recording, waiting and failure injection: part of :class:`tests.e2e.standin.DiscordStandIn`."""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tests.e2e.contracts import Problem
from tests.e2e.standin.base import _StandInBase
from tests.e2e.standin.model import (
    ContractViolation,
    GatewayFrame,
    InteractionRecord,
    RecordedRequest,
    Unexpected,
    _Call,
    _Failure,
    _Reply,
)


class _Recording(_StandInBase):
    """Part of ``DiscordStandIn``: recording helpers and waiting."""

    def _notify(self) -> None:
        # Wake every waiter; each re-checks its own predicate.
        self._changed.set()
        self._changed = asyncio.Event()

    # The public wait_* helpers take ``timeout=`` (the suite's agreed API) instead of making every
    # caller wrap them in asyncio.timeout(); hence the ASYNC109 suppressions below.
    async def _wait_until(self, probe: Callable[[], Any], timeout: float, what: str) -> Any:  # noqa: ASYNC109
        try:
            async with asyncio.timeout(timeout):
                while True:
                    found = probe()
                    if found is not None:
                        return found
                    await self._changed.wait()
        except TimeoutError:
            recent = ", ".join(f"{r.method} {r.path} -> {r.status}" for r in self.requests[-8:])
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}; recent requests: {recent}") from None

    def mark(self) -> int:
        """Index to pass as ``since=`` so later waits ignore what already happened."""
        return len(self.requests)

    def requests_matching(
        self,
        method: str | None = None,
        path_regex: str | None = None,
        *,
        since: int = 0,
        status: int | None = None,
    ) -> list[RecordedRequest]:
        """Recorded requests (completed or not); ``path_regex`` must match the whole API-relative path."""
        pattern = re.compile(path_regex) if path_regex else None
        return [
            r
            for r in self.requests[since:]
            if (method is None or r.method == method.upper())
            and (pattern is None or pattern.fullmatch(r.path))
            and (status is None or r.status == status)
        ]

    async def wait_for_request(
        self,
        method: str | None,
        path_regex: str | None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        since: int = 0,
        status: int | None = None,
    ) -> RecordedRequest:
        """First *completed* request matching, recorded at index >= ``since``."""

        def probe() -> RecordedRequest | None:
            for r in self.requests_matching(method, path_regex, since=since, status=status):
                if r.completed:
                    return r
            return None

        return await self._wait_until(probe, timeout, f"{method} {path_regex}")

    async def wait_for_gateway(
        self,
        *,
        op: int | None = None,
        t: str | None = None,
        direction: str = "recv",
        since: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> GatewayFrame:
        """First gateway frame (index >= ``since`` in :attr:`gateway_frames`) matching op/t/direction."""

        def probe() -> GatewayFrame | None:
            for f in self.gateway_frames[since:]:
                if f.direction == direction and (op is None or f.op == op) and (t is None or f.t == t):
                    return f
            return None

        return await self._wait_until(probe, timeout, f"gateway {direction} op={op} t={t}")

    async def wait_for_ack(self, interaction_id: int, *, timeout: float = 5.0) -> InteractionRecord:  # noqa: ASYNC109
        def probe() -> InteractionRecord | None:
            rec = self._interactions.get(int(interaction_id))
            # Wait for the callback's HTTP response to be written too, so the bot has at least been
            # told the outcome (discord.py registers a message's View only after reading it).
            done = rec is not None and rec.ack_request is not None and rec.ack_request.completed
            return rec if done else None

        return await self._wait_until(probe, timeout, f"ack of interaction {interaction_id}")

    async def wait_for_identify(
        self,
        count: int = 1,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[dict[str, Any]]:
        def probe() -> list[dict[str, Any]] | None:
            return self.identify_payloads if len(self.identify_payloads) >= count else None

        return await self._wait_until(probe, timeout, f"{count} IDENTIFY")

    def _violate(
        self,
        problems: Iterable[Problem],
        *,
        method: str = "",
        path: str = "",
        interaction_id: int | None = None,
    ) -> list[Problem]:
        """Records problems; returns those Discord itself would reject."""
        rejected: list[Problem] = []
        now = asyncio.get_running_loop().time()
        for prob in problems:
            rejects = prob.rejects and self.config.reject_invalid_bodies
            self.violations.append(
                ContractViolation(
                    rule=prob.rule,
                    message=prob.message,
                    field=prob.field,
                    method=method,
                    path=path,
                    interaction_id=interaction_id,
                    rejected=rejects,
                    time=now,
                )
            )
            if rejects:
                rejected.append(prob)
        if problems:
            self._notify()
        return rejected

    def _violation(
        self, call: _Call | None, rule: str, message: str, *, interaction_id: int | None = None, rejected: bool = False
    ) -> None:
        self.violations.append(
            ContractViolation(
                rule=rule,
                message=message,
                method=call.rec.method if call else "",
                path=call.rec.path if call else "",
                interaction_id=interaction_id,
                rejected=rejected,
                time=asyncio.get_running_loop().time(),
            )
        )
        self._notify()

    def _unexpected(self, reason: str, rec: RecordedRequest | None = None) -> None:
        self.unexpected.append(Unexpected(reason, rec.method if rec else "", rec.path if rec else "", rec))
        self._notify()

    def assert_clean(self) -> None:
        """Fails if anything was unexpected or violated a contract."""
        problems = [f"unexpected: {u.reason} ({u.method} {u.path})" for u in self.unexpected]
        problems += [f"violation {v.rule}: {v.message} ({v.method} {v.path})" for v in self.violations]
        assert not problems, "stand-in saw problems:\n" + "\n".join(problems)

    # -----------------------------------------------------------------------------------------
    # Failure injection
    # -----------------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        *,
        times: int = 1,
        body: Any = None,
        retry_after: float | None = None,
        is_global: bool = False,
        commit: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Make the next ``times`` matching requests fail with ``status``.

        ``method`` may be ``"*"``. ``path_regex`` must match the whole API-relative path, e.g.
        ``r"/channels/\\d+/messages"``. ``commit=True`` applies the request first and then fails,
        which is what makes idempotency (nonce) handling observable: Discord can create the
        message and still answer 5xx.
        """
        self._failures.append(
            _Failure(
                method=method.upper(),
                path_re=re.compile(path_regex),
                status=status,
                remaining=times,
                body=body,
                retry_after=retry_after,
                is_global=is_global,
                commit=commit,
                headers=dict(headers or {}),
            )
        )

    def _take_failure(self, method: str, path: str) -> _Failure | None:
        for failure in self._failures:
            if failure.remaining > 0 and failure.method in ("*", method) and failure.path_re.fullmatch(path):
                failure.remaining -= 1
                if failure.remaining == 0:
                    self._failures.remove(failure)
                return failure
        return None

    def _failure_reply(self, failure: _Failure, bucket: str) -> _Reply:
        status = failure.status
        headers = dict(failure.headers)
        if status == 429:
            retry_after = 0.25 if failure.retry_after is None else failure.retry_after
            body = failure.body or {
                "message": "You are being rate limited.",
                "retry_after": retry_after,
                "global": failure.is_global,
            }
            headers.update(
                {
                    "Retry-After": str(math.ceil(retry_after)),
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                    "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                    "X-RateLimit-Bucket": bucket,
                    "X-RateLimit-Scope": "global" if failure.is_global else "user",
                }
            )
            if failure.is_global:
                headers["X-RateLimit-Global"] = "true"
            return _Reply(429, body, headers)
        if status == 502 and failure.body is None:
            # Discord's 502s come from the edge as HTML, not JSON.
            return _Reply(502, headers=headers, text="<html><body><h1>502 Bad Gateway</h1></body></html>")
        defaults = {
            400: (50035, "Invalid Form Body"),
            401: (0, "401: Unauthorized"),
            403: (50013, "Missing Permissions"),
            404: (10003, "Unknown Channel"),
            500: (0, "500: Internal Server Error"),
            503: (0, "503: Service Unavailable"),
            504: (0, "504: Gateway Timeout"),
        }
        code, message = defaults.get(status, (0, f"{status}: Error"))
        return _Reply(status, failure.body if failure.body is not None else {"message": message, "code": code}, headers)
