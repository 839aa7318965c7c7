"""A least-recently-used map within a budget, shared by the per-process caches."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

MISSING = object()


class Lru:
    """Keeps at most max_entries values whose sizes (in the caller's unit: ids, characters) add up to max_size."""

    def __init__(self, max_size: int, max_entries: int) -> None:
        self.max_size, self.max_entries = max_size, max_entries
        self.entries: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self.held = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, key: Any, default: Any = None) -> Any:
        """The value for key (now the most recently used), else default."""
        with self._lock:
            found = self.entries.get(key)
            if found is None:
                return default
            self.entries.move_to_end(key)
            return found[0]

    def put(self, key: Any, value: Any, size: int = 1) -> None:
        """Keep value under key, dropping the least recently used entries beyond the budget."""
        size = max(size, 1)
        with self._lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.held -= old[1]
            self.entries[key] = (value, size)
            self.held += size
            while len(self.entries) > 1 and (self.held > self.max_size or len(self.entries) > self.max_entries):
                _key, (_value, dropped) = self.entries.popitem(last=False)
                self.held -= dropped

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self.entries.clear()
            self.held = 0
