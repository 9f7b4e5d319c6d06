BLOCKLIST: frozenset[str] = frozenset()
