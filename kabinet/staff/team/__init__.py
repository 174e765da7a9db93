"""Staff users, their invitations and their second factor."""
