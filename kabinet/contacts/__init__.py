"""The company's contacts ("Контакты") and the feedback form ("Обратная связь")."""
