"""The complaints and suggestions book ("Книга жалоб и предложений")."""
