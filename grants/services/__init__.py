"""Use cases, one module per area. Each opens its own transaction and checks permission,
state and version before it changes anything."""
