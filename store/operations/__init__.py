"""The store's operations, one module per concern, mixed into `store.database.Database`."""
