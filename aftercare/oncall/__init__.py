"""On call: the rota (pure, rota.py) and where it is kept (store.py)."""
