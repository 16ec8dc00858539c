"""An organisation's people: members and invitations (profile editing follows)."""
