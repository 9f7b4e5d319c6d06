"""The API token cache on its own (auth/tokens.py): how long it trusts a token it was given,
on a clock the tests move."""

from __future__ import annotations

from aftercare.auth.tokens import TokenCache
from aftercare.db.models import ApiToken

SECRET = "act_front-desk"


class Ticks:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def cached(ttl: float) -> tuple[TokenCache, Ticks, ApiToken]:
    ticks = Ticks()
    cache = TokenCache(ttl=ttl, clock=ticks)
    token = ApiToken(name="front desk", role="staff")
    cache.put(SECRET, token, generation=cache.generation)
    return cache, ticks, token


def test_a_token_is_trusted_for_ttl_seconds_then_checked_again() -> None:
    cache, ticks, token = cached(ttl=10)
    assert cache.get(SECRET) is token
    ticks.now += 9.999
    assert cache.get(SECRET) is token
    ticks.now += 0.002
    assert cache.get(SECRET) is None


def test_only_the_secret_put_is_found() -> None:
    cache, _, _ = cached(ttl=10)
    assert cache.get("act_someone-else") is None


def test_forget_all_forgets_at_once() -> None:
    cache, _, _ = cached(ttl=300)
    cache.forget_all()
    assert cache.get(SECRET) is None


def test_with_no_ttl_a_token_is_never_served_from_the_cache() -> None:
    cache, _, _ = cached(ttl=0)
    assert cache.get(SECRET) is None  # even within the same tick of the clock


def test_a_lookup_that_began_before_a_revoke_is_not_cached_after_it() -> None:
    """The admin page revokes and forgets while another request is reading the token from
    the database: that request's answer (not yet revoked) must not be cached."""
    cache = TokenCache(ttl=10, clock=Ticks())
    began = cache.generation
    cache.forget_all()  # the revoke committed meanwhile
    cache.put(SECRET, ApiToken(name="front desk", role="staff"), generation=began)
    assert cache.get(SECRET) is None
