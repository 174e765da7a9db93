"""The dispatch queue."""
