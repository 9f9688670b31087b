"""Use cases. Each public function takes the ``Store`` first and keyword-only arguments after it,
opens its own transaction (``store.transaction()``), validates before writing (raising
``ValidationError`` so nothing is written), and returns plain values (dataclasses, dicts, ids), never
live ORM objects. The GUI and the CLI call exactly these functions.
"""
