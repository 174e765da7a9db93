"""Meter readings ("Передать показания")."""
