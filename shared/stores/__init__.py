"""The event store's implementations (shared.store is the port they share)."""
