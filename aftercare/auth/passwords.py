"""Password hashing for people who sign in: argon2id, with the library's current parameters.

A stored hash names its own parameters, so raising them later only needs `needs_rehash`
at the next successful sign-in; old hashes keep verifying.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10
MAX_LENGTH = 256  # argon2 takes any length; a bound stops a megabyte "password" costing CPU

_hasher = PasswordHasher()
# Each hash or check takes ~64 MiB and tens of ms of a core. Sign-ins queue here, two at a
# time, instead of filling the server's shared thread pool (and memory) so that every other
# request waits. The threads start on first use.
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="argon2")


def check_strength(password: str) -> None:
    """ValueError saying what is wrong with a new password, or None when it will do."""
    if len(password) < MIN_LENGTH:
        raise ValueError(f"use at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise ValueError(f"use at most {MAX_LENGTH} characters")
    if password.strip() != password:
        raise ValueError("no spaces at the start or end")


def hash_password(password: str) -> str:
    check_strength(password)
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@cache
def dummy_hash() -> str:
    """Verified against when the email is unknown, so a wrong email costs as long as a wrong
    password and response times do not tell which accounts exist."""
    return _hasher.hash("not-a-real-password-0")


async def verify_in_pool(password_hash: str, password: str) -> bool:
    """`verify_password` from async code, in the bounded pool."""
    return await asyncio.wrap_future(_POOL.submit(verify_password, password_hash, password))


async def hash_in_pool(password: str) -> str:
    return await asyncio.wrap_future(_POOL.submit(hash_password, password))


def check_in_pool(password_hash: str, password: str) -> bool:
    """`verify_password` from a thread (a sync route), still two at a time."""
    return _POOL.submit(verify_password, password_hash, password).result()
