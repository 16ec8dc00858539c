"""Administration: users and their roles, memberships, invitations."""
