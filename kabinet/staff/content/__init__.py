"""Answers to the complaints book, feedback, announcements."""
