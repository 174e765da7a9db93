"""A bounded memory of values made once and asked for again: the layout's addresses and fragments, the static
files' paths. Keys may come from requests (a file name, an account's number), so a full memory starts afresh rather
than grow without end."""

KEPT = 4096  # values remembered per memory


def kept(memory: dict, key, make):
    """The value kept under `key`, made by `make()` and kept the first time it is asked for (None is kept too)."""
    try:
        return memory[key]
    except KeyError:
        if len(memory) >= KEPT:
            memory.clear()
        value = memory[key] = make()
        return value
