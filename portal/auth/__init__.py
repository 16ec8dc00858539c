"""Login through OpenID Connect, sessions, and who may call which route."""
