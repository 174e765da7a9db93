"""The organization's own settings («Организация»): requisites, contacts, the readings window, texts; its houses."""
