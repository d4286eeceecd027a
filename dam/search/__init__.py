"""Full-text search over the library: PostgreSQL full-text search (a GIN expression
index) in production, SQLite FTS5 on the embedded default, both over the same
normalised tokens (``text``), so a query finds the same assets on both.

``text``: the normaliser, no Django. ``index``: the weighted columns, the database
side (index, FTS5 table and triggers) and the match. Writes are in
``dam.services`` (``asset_search_refresh``), reads in ``dam.selectors``
(``asset_search``, ``asset_facets``).
"""
