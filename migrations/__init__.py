"""The schema's plain SQL migrations, one folder per engine (sqlite/, postgres/): data, not code.

They are applied by `store.migrate`, which reads them from here.
"""
