"""Requests to the emergency dispatch service ("Отправить заявку в аварийно-диспетчерскую службу")."""
