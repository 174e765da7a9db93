"""Tenants: find, see, block, resend the confirmation, unbind."""
