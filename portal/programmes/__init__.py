"""Programmes and calls: KI admins maintain them; applicants see the open calls."""
