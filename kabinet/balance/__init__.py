"""The balance of a personal account ("Баланс лицевого счета"): months, services, payments."""
